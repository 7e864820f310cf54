import { attemptFromRow, attemptParams, SELECT_ATTEMPTS, UPSERT_ATTEMPT, type AttemptRow } from './attempt-rows.js';
import type { AttemptArea, AttemptOutcome, ResourceAttempts } from './attempts.js';
import { createHash } from 'node:crypto';
import pg from 'pg';
import type { Resource } from '../config/resource.js';
import { StoreError } from '../errors.js';
import { Secret } from '../secret.js';
import { serializeTriggerDefinition, type TriggerDefinition } from '../triggers/definition.js';
import { chooseLeases } from './leases.js';
import { MIGRATIONS_TABLE, pendingMigrations } from './migrations.js';
import {
  accessTokenFromRow, type AccessTokenRow,
  credentialFromRow, type CredentialDbRow,
  aad, consentFromRow, DEAD_LETTER_SOURCE_MAX_BYTES, deliveryRecord, leaseRecord, MESSAGE_ID_MEMORY_MS,
  PRUNE_TRIGGER_EVENTS, TRIGGER_EVENTS_KEPT, resourceFromSettings, stripUndefined, tokenStateFromRow,
  triggerRecordFromRow, type ConsentRow, type DeliveryRow, type LeaseRow, type TokenRow, type TriggerRow,
} from './rows.js';
import type { Sealer } from './seal.js';
import { resealValue, SEALED_COLUMNS, SEALED_KEY_TAGS_SQL } from './sealed-columns.js';
import type {
  CredentialRow,
  AccessTokenRecord, DeliveryOutcome, DeliveryRecord, DeliveryStatus, LeaseRecord, LeaseRequest, PendingConsent, SecretKind, Store,
  TokenState, TokenStateInput, TriggerCheckpoint, TriggerCheckpointInput, TriggerEvent, TriggerRecord,
} from './store.js';

export interface PostgresStoreOptions {
  /** postgres://user[:password]@host[:port]/database[?sslmode=…] */
  url: string;
  sealer: Sealer;
  /** Clock in ms (timestamps, consent expiry, heartbeats, leases); injectable for tests. */
  now?: () => number;
  /** Connections for queries (default 10). */
  poolSize?: number;
  /** Connections that only hold token locks (default 4); see withResourceLock. */
  lockPoolSize?: number;
  /** How long withResourceLock waits for another instance's refresh before failing (default 60 s). */
  lockTimeoutMs?: number;
}

/** Advisory lock keys: one namespace (the first int) per purpose, the second from a hash. */
const LOCK_NS = { migrations: 0x6d62_0001, token: 0x6d62_0002, leases: 0x6d62_0003 } as const;

/**
 * The Store on PostgreSQL, for several identical instances sharing one database. Same schema
 * (migrations.ts) and row mappings (rows.ts) as SQLite. Where SQLite takes its write lock
 * with an IMMEDIATE transaction, this takes row locks (SELECT … FOR UPDATE) or makes the
 * statement itself atomic (UPDATE … WHERE version = …, DELETE … RETURNING); cross-instance
 * mutual exclusion (token refresh, lease acquisition, migrations) uses transaction-scoped
 * advisory locks, which PostgreSQL drops by itself when the holder's connection dies.
 */
export async function openPostgresStore(opts: PostgresStoreOptions): Promise<Store> {
  const config = { connectionString: opts.url, types: { getTypeParser } };
  const pool = new pg.Pool({ ...config, max: opts.poolSize ?? 10, idleTimeoutMillis: 10_000 });
  // A separate pool for lock holders: a holder waits for its work, which queries through the
  // main pool, so sharing one pool could leave every connection holding a lock and none free.
  const lockPool = new pg.Pool({ ...config, max: opts.lockPoolSize ?? 4, idleTimeoutMillis: 10_000 });
  // Heartbeats and leases have their own connections too: queued behind a burst of mail work
  // (hundreds of watchers starting), a renewal could come too late and lose the leases.
  const coordPool = new pg.Pool({ ...config, max: 2, idleTimeoutMillis: 10_000 });
  for (const p of [pool, lockPool, coordPool]) p.on('error', () => undefined); // an idle client's error surfaces on its next use
  const now = opts.now ?? Date.now;
  try {
    await migrate(pool, now);
  } catch (e) {
    await Promise.all([pool.end(), lockPool.end(), coordPool.end()]).catch(() => undefined);
    throw new StoreError({
      code: 'STORE_OPEN_FAILED',
      message: `cannot open the PostgreSQL database ${redactUrl(opts.url)}: ${(e as Error).message}`,
      hint: 'check MAILBRIDGE_DATABASE_URL (host, port, user, password, database) and that the server accepts connections from here',
      cause: e,
    });
  }
  return new PostgresStore({ pool, lockPool, coordPool }, opts.sealer, now, opts.lockTimeoutMs ?? 60_000);
}

/** BIGINT (oid 20) as a JS number: every BIGINT column holds ms timestamps, counts or versions. */
function getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  if (oid === 20) return (v: string) => Number(v);
  return pg.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown;
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

async function migrate(pool: pg.Pool, now: () => number): Promise<void> {
  await withTx(pool, async (c) => {
    // Instances starting together must not race on CREATE TABLE: one migrates, the others wait.
    await c.query('SELECT pg_advisory_xact_lock($1, 0)', [LOCK_NS.migrations]);
    await c.query(MIGRATIONS_TABLE);
    const { rows } = await c.query<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations');
    for (const m of pendingMigrations(rows[0]?.v ?? 0)) {
      for (const sql of m.statements) await c.query(sql);
      await c.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [m.version, now()]);
    }
  });
}

async function withTx<T>(pool: pg.Pool, work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const c = await pool.connect();
  let broken = false;
  try {
    await c.query('BEGIN');
    const result = await work(c);
    await c.query('COMMIT');
    return result;
  } catch (e) {
    await c.query('ROLLBACK').catch(() => { broken = true; });
    throw e;
  } finally {
    c.release(broken);
  }
}

/** A 32-bit key for an advisory lock from a name (stable across instances and versions). */
function lockKey(name: string): number {
  return createHash('sha256').update(name).digest().readInt32BE(0);
}

class PostgresStore implements Store {
  readonly #pool: pg.Pool;
  readonly #lockPool: pg.Pool;
  readonly #coordPool: pg.Pool;
  readonly #sealer: Sealer;
  readonly #now: () => number;
  readonly #lockTimeoutMs: number;

  constructor(pools: { pool: pg.Pool; lockPool: pg.Pool; coordPool: pg.Pool }, sealer: Sealer, now: () => number, lockTimeoutMs: number) {
    this.#pool = pools.pool;
    this.#lockPool = pools.lockPool;
    this.#coordPool = pools.coordPool;
    this.#sealer = sealer;
    this.#now = now;
    this.#lockTimeoutMs = lockTimeoutMs;
  }

  async #rows<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    return (await this.#pool.query<R>(sql, params)).rows;
  }

  async #coordRows<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    return (await this.#coordPool.query<R>(sql, params)).rows;
  }

  async #tx<T>(work: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return withTx(this.#pool, work);
  }

  // --- resources ---

  async putResource(resource: Resource): Promise<void> {
    const t = this.#now();
    await this.#pool.query(`INSERT INTO resources (name, kind, settings, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)
      ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, settings = excluded.settings, updated_at = excluded.updated_at`,
    [resource.name, resource.kind, JSON.stringify(resource), t, t]);
  }

  async getResource(name: string): Promise<Resource | undefined> {
    const [row] = await this.#rows<{ settings: string }>('SELECT settings FROM resources WHERE name = $1', [name]);
    return row ? resourceFromSettings(name, row.settings) : undefined;
  }

  async listResources(): Promise<Resource[]> {
    const rows = await this.#rows<{ name: string; settings: string }>('SELECT name, settings FROM resources ORDER BY name COLLATE "C"');
    return rows.map((r) => resourceFromSettings(r.name, r.settings));
  }

  async deleteResource(name: string): Promise<boolean> {
    return this.#tx(async (c) => {
      for (const table of ['secrets', 'token_states', 'access_tokens', 'pending_consents', 'resource_attempts']) {
        await c.query(`DELETE FROM ${table} WHERE resource = $1`, [name]);
      }
      return ((await c.query('DELETE FROM resources WHERE name = $1', [name])).rowCount ?? 0) > 0;
    });
  }

  async recordAttempt(resource: string, area: AttemptArea, outcome: AttemptOutcome): Promise<void> {
    await this.#pool.query(UPSERT_ATTEMPT, attemptParams(resource, area, outcome));
  }

  async listAttempts(resource: string): Promise<ResourceAttempts[]> {
    return (await this.#pool.query<AttemptRow>(SELECT_ATTEMPTS, [resource])).rows.map(attemptFromRow);
  }

  async putSecret(resource: string, kind: SecretKind, value: Secret): Promise<void> {
    const sealed = this.#sealer.seal(value.reveal(), aad.secret(resource, kind));
    await this.#pool.query(`INSERT INTO secrets (resource, kind, sealed, updated_at) VALUES ($1, $2, $3, $4)
      ON CONFLICT (resource, kind) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at`,
    [resource, kind, sealed, this.#now()]);
  }

  async getSecret(resource: string, kind: SecretKind): Promise<Secret | undefined> {
    const [row] = await this.#rows<{ sealed: string }>('SELECT sealed FROM secrets WHERE resource = $1 AND kind = $2', [resource, kind]);
    return row ? new Secret(this.#sealer.unseal(row.sealed, aad.secret(resource, kind))) : undefined;
  }

  // --- token state ---

  async getTokenState(resource: string): Promise<TokenState | undefined> {
    const [row] = await this.#rows<TokenRow>('SELECT * FROM token_states WHERE resource = $1', [resource]);
    return row ? tokenStateFromRow(this.#sealer, resource, row) : undefined;
  }

  async compareAndSetTokenState(resource: string, expectedVersion: number, next: TokenStateInput): Promise<TokenState | undefined> {
    const version = expectedVersion + 1;
    const updatedAt = this.#now();
    const sealed = next.refreshToken ? this.#sealer.seal(next.refreshToken.reveal(), aad.refreshToken(resource)) : null;
    const values = [resource, version, next.status, next.statusCode ?? null, next.statusReason ?? null, sealed,
      next.refreshTokenIssuedAt ?? null, next.refreshTokenLastUsedAt ?? null, next.grantedScope ?? null, updatedAt];
    // One statement each way, so the version check and the write are atomic: the INSERT loses
    // to an existing row (ON CONFLICT DO NOTHING), the UPDATE re-checks its WHERE on the row it
    // locked, so of two writers expecting the same version exactly one gets a row back.
    const result = expectedVersion === 0
      ? await this.#pool.query(`INSERT INTO token_states (resource, version, status, status_code, status_reason, sealed_refresh_token,
            refresh_token_issued_at, refresh_token_last_used_at, granted_scope, updated_at)
          VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (resource) DO NOTHING RETURNING version`, values)
      : await this.#pool.query(`UPDATE token_states SET version = $2, status = $3, status_code = $4, status_reason = $5,
            sealed_refresh_token = $6, refresh_token_issued_at = $7, refresh_token_last_used_at = $8, granted_scope = $9, updated_at = $10
          WHERE resource = $1 AND version = $11 RETURNING version`, [...values, expectedVersion]);
    if (result.rowCount !== 1) return undefined;
    return { ...stripUndefined(next), version, updatedAt };
  }

  // --- access tokens ---

  async getAccessToken(resource: string, audience: string): Promise<AccessTokenRecord | undefined> {
    const [row] = await this.#rows<AccessTokenRow>(
      'SELECT sealed_token, expires_at, scope FROM access_tokens WHERE resource = $1 AND audience = $2', [resource, audience]);
    return row ? accessTokenFromRow(this.#sealer, resource, audience, row) : undefined;
  }

  async putAccessToken(resource: string, record: AccessTokenRecord): Promise<void> {
    const sealed = this.#sealer.seal(record.token.reveal(), aad.accessToken(resource, record.audience));
    await this.#pool.query(`INSERT INTO access_tokens (resource, audience, sealed_token, expires_at, scope) VALUES ($1, $2, $3, $4, $5)
      ON CONFLICT (resource, audience) DO UPDATE SET sealed_token = excluded.sealed_token, expires_at = excluded.expires_at, scope = excluded.scope`,
    [resource, record.audience, sealed, record.expiresAt, record.scope ?? null]);
  }

  async deleteAccessTokens(resource: string): Promise<void> {
    await this.#pool.query('DELETE FROM access_tokens WHERE resource = $1', [resource]);
  }

  // --- pending consents ---

  async putPendingConsent(p: PendingConsent): Promise<void> {
    const sealed = p.codeVerifier ? this.#sealer.seal(p.codeVerifier.reveal(), aad.codeVerifier(p.state, p.resource)) : null;
    await this.#tx(async (c) => {
      // Abandoned consents pile up otherwise: clear the expired ones on every new one.
      await c.query('DELETE FROM pending_consents WHERE expires_at <= $1', [this.#now()]);
      await c.query(`INSERT INTO pending_consents (state, resource, sealed_code_verifier, redirect_uri, created_at, expires_at)
        VALUES ($1, $2, $3, $4, $5, $6)`, [p.state, p.resource, sealed, p.redirectUri, p.createdAt, p.expiresAt]);
    });
  }

  async takePendingConsent(state: string): Promise<PendingConsent | undefined> {
    // DELETE … RETURNING: of two callers with the same state, one gets the row, the other none.
    const [row] = await this.#rows<ConsentRow>('DELETE FROM pending_consents WHERE state = $1 RETURNING *', [state]);
    // An expired consent is refused like an unknown one (and is gone now either way).
    if (!row || row.expires_at <= this.#now()) return undefined;
    return consentFromRow(this.#sealer, row);
  }

  async sealedKeyTags(): Promise<string[]> {
    return (await this.#rows<{ tag: string }>(SEALED_KEY_TAGS_SQL)).map((r) => r.tag);
  }

  async resealAll(next: Sealer): Promise<number> {
    return withTx(this.#pool, async (tx) => {
      let count = 0;
      for (const c of SEALED_COLUMNS) {
        // FOR UPDATE: a writer that slipped past the "no live instance" check waits, then sees the new values.
        const { rows } = await tx.query<Record<string, string>>(
          `SELECT ${[...c.keys, c.column].join(', ')} FROM ${c.table} WHERE ${c.column} IS NOT NULL FOR UPDATE`);
        const where = c.keys.map((k, i) => `${k} = $${i + 2}`).join(' AND ');
        for (const row of rows) {
          await tx.query(`UPDATE ${c.table} SET ${c.column} = $1 WHERE ${where}`, [resealValue(this.#sealer, next, c, row), ...c.keys.map((k) => row[k])]);
          count++;
        }
      }
      return count;
    });
  }

  async close(): Promise<void> {
    await Promise.all([this.#pool.end(), this.#lockPool.end(), this.#coordPool.end()]).catch(() => undefined);
  }

  // --- mailbox triggers ---

  async putTrigger(definition: TriggerDefinition): Promise<void> {
    const t = this.#now();
    await this.#pool.query(`INSERT INTO triggers (name, resource, definition, paused, pause_reason, created_at, updated_at)
      VALUES ($1, $2, $3, 0, NULL, $4, $5)
      ON CONFLICT (name) DO UPDATE SET resource = excluded.resource, definition = excluded.definition, updated_at = excluded.updated_at`,
    [definition.name, definition.resource, JSON.stringify(serializeTriggerDefinition(definition)), t, t]);
  }

  async getTrigger(name: string): Promise<TriggerRecord | undefined> {
    const [row] = await this.#rows<TriggerRow>('SELECT * FROM triggers WHERE name = $1', [name]);
    return row ? triggerRecordFromRow(row) : undefined;
  }

  async listTriggers(): Promise<TriggerRecord[]> {
    const rows = await this.#rows<TriggerRow>('SELECT * FROM triggers ORDER BY name COLLATE "C"');
    return rows.map(triggerRecordFromRow);
  }

  async deleteTrigger(name: string): Promise<boolean> {
    return this.#tx(async (c) => {
      for (const table of TRIGGER_TABLES) await c.query(`DELETE FROM ${table} WHERE trigger_name = $1`, [name]);
      return ((await c.query('DELETE FROM triggers WHERE name = $1', [name])).rowCount ?? 0) > 0;
    });
  }

  async setTriggerPaused(name: string, paused: boolean, reason?: string): Promise<boolean> {
    const r = await this.#pool.query('UPDATE triggers SET paused = $1, pause_reason = $2, updated_at = $3 WHERE name = $4',
      [paused ? 1 : 0, paused ? reason ?? null : null, this.#now(), name]);
    return (r.rowCount ?? 0) > 0;
  }

  async putTriggerSecret(name: string, value: Secret): Promise<void> {
    const sealed = this.#sealer.seal(value.reveal(), aad.triggerSecret(name));
    await this.#pool.query(`INSERT INTO trigger_secrets (trigger_name, sealed, updated_at) VALUES ($1, $2, $3)
      ON CONFLICT (trigger_name) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at`, [name, sealed, this.#now()]);
  }

  async getTriggerSecret(name: string): Promise<Secret | undefined> {
    const [row] = await this.#rows<{ sealed: string }>('SELECT sealed FROM trigger_secrets WHERE trigger_name = $1', [name]);
    return row ? new Secret(this.#sealer.unseal(row.sealed, aad.triggerSecret(name))) : undefined;
  }

  async getTriggerCheckpoint(name: string): Promise<TriggerCheckpoint | undefined> {
    const [row] = await this.#rows<{ uid_validity: string | null; last_uid: number | null; dedupe_up_to_uid: number | null; sync_state: string | null; updated_at: number }>(
      'SELECT uid_validity, last_uid, dedupe_up_to_uid, sync_state, updated_at FROM trigger_checkpoints WHERE trigger_name = $1', [name]);
    if (!row) return undefined;
    return {
      ...(row.uid_validity !== null ? { uidValidity: row.uid_validity } : {}),
      ...(row.last_uid !== null ? { lastUid: row.last_uid } : {}),
      ...(row.dedupe_up_to_uid !== null ? { dedupeUpToUid: row.dedupe_up_to_uid } : {}),
      ...(row.sync_state !== null ? { syncState: row.sync_state } : {}),
      updatedAt: row.updated_at,
    };
  }

  async putTriggerCheckpoint(name: string, cp: TriggerCheckpointInput): Promise<void> {
    await this.#writeCheckpoint(this.#pool, name, cp);
  }

  async listTriggerUidls(name: string): Promise<string[]> {
    return (await this.#rows<{ uidl: string }>('SELECT uidl FROM trigger_uidls WHERE trigger_name = $1', [name])).map((r) => r.uidl);
  }

  async addTriggerUidls(name: string, uidls: readonly string[]): Promise<void> {
    if (uidls.length === 0) return;
    await this.#pool.query(`INSERT INTO trigger_uidls (trigger_name, uidl, seen_at) SELECT $1, u, $3 FROM unnest($2::text[]) AS u
      ON CONFLICT (trigger_name, uidl) DO NOTHING`, [name, [...uidls], this.#now()]);
  }

  async pruneTriggerUidls(name: string, keep: readonly string[]): Promise<void> {
    await this.#pool.query('DELETE FROM trigger_uidls WHERE trigger_name = $1 AND NOT (uidl = ANY($2::text[]))', [name, [...keep]]);
  }

  async wasMessageIdDelivered(name: string, messageId: string): Promise<boolean> {
    return (await this.#rows('SELECT 1 FROM trigger_message_ids WHERE trigger_name = $1 AND message_id = $2', [name, messageId])).length > 0;
  }

  async recordDelivery(o: DeliveryOutcome): Promise<DeliveryRecord> {
    return this.#tx(async (c) => {
      const t = this.#now();
      const deliveredAt = o.status === 'delivered' ? t : null;
      await c.query(`INSERT INTO trigger_deliveries (id, trigger_name, message_key, message_id, subject, source, status, attempts, last_error,
          after_action, created_at, updated_at, delivered_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, $10, $11, $12)
        ON CONFLICT (trigger_name, message_key) DO UPDATE SET message_id = excluded.message_id, subject = excluded.subject,
          source = excluded.source, status = excluded.status, attempts = excluded.attempts, last_error = excluded.last_error,
          updated_at = excluded.updated_at, delivered_at = excluded.delivered_at`,
      [o.id, o.trigger, o.messageKey, o.messageId ?? null, o.subject ?? null, JSON.stringify(o.source), o.status, o.attempts,
        o.lastError ?? null, t, t, deliveredAt]);
      if (o.advance && 'imap' in o.advance) {
        // FOR UPDATE: the checkpoint only moves forward even if two writers race on it.
        const { rows: [cp] } = await c.query<{ uid_validity: string | null; last_uid: number | null; dedupe_up_to_uid: number | null }>(
          'SELECT uid_validity, last_uid, dedupe_up_to_uid FROM trigger_checkpoints WHERE trigger_name = $1 FOR UPDATE', [o.trigger]);
        const sameFolderState = cp?.uid_validity === o.advance.imap.uidValidity;
        const lastUid = Math.max(sameFolderState ? cp?.last_uid ?? 0 : 0, o.advance.imap.uid);
        await this.#writeCheckpoint(c, o.trigger, {
          uidValidity: o.advance.imap.uidValidity, lastUid,
          ...(sameFolderState && cp?.dedupe_up_to_uid != null ? { dedupeUpToUid: cp.dedupe_up_to_uid } : {}),
        });
      } else if (o.advance) {
        await c.query('INSERT INTO trigger_uidls (trigger_name, uidl, seen_at) VALUES ($1, $2, $3) ON CONFLICT (trigger_name, uidl) DO NOTHING',
          [o.trigger, o.advance.uidl, t]);
      }
      if (o.status === 'delivered' && o.messageId) {
        await c.query(`INSERT INTO trigger_message_ids (trigger_name, message_id, delivered_at) VALUES ($1, $2, $3)
          ON CONFLICT (trigger_name, message_id) DO UPDATE SET delivered_at = excluded.delivered_at`, [o.trigger, o.messageId, t]);
        // The Message-ID memory only serves the UIDVALIDITY rule: a bounded window is enough.
        await c.query('DELETE FROM trigger_message_ids WHERE trigger_name = $1 AND delivered_at < $2', [o.trigger, t - MESSAGE_ID_MEMORY_MS]);
      }
      const { rows: [row] } = await c.query<DeliveryRow>('SELECT * FROM trigger_deliveries WHERE trigger_name = $1 AND message_key = $2',
        [o.trigger, o.messageKey]);
      if (o.status === 'dead' && o.raw && o.raw.length <= DEAD_LETTER_SOURCE_MAX_BYTES) {
        await c.query(`INSERT INTO trigger_dead_letter_sources (delivery_id, trigger_name, raw, size, created_at)
          VALUES ($1, $2, $3, $4, $5) ON CONFLICT (delivery_id) DO UPDATE SET raw = excluded.raw, size = excluded.size`,
        [row!.id, o.trigger, o.raw.toString('base64'), o.raw.length, t]);
      } else if (o.status === 'delivered') {
        await c.query('DELETE FROM trigger_dead_letter_sources WHERE delivery_id = $1', [row!.id]);
      }
      return deliveryRecord(row!);
    });
  }

  async setDeliveryAfterAction(id: string, result: { ok: true } | { ok: false; error: string }): Promise<void> {
    await this.#pool.query('UPDATE trigger_deliveries SET after_action = $1, updated_at = $2 WHERE id = $3',
      [result.ok ? 'ok' : `failed: ${result.error}`, this.#now(), id]);
  }

  async getDelivery(id: string): Promise<DeliveryRecord | undefined> {
    const [row] = await this.#rows<DeliveryRow>('SELECT * FROM trigger_deliveries WHERE id = $1', [id]);
    return row ? deliveryRecord(row) : undefined;
  }

  async getDeliverySource(id: string): Promise<Buffer | undefined> {
    const [row] = await this.#rows<{ raw: string }>('SELECT raw FROM trigger_dead_letter_sources WHERE delivery_id = $1',
      [id]);
    return row ? Buffer.from(row.raw, 'base64') : undefined;
  }

  async findDelivery(trigger: string, messageKey: string): Promise<DeliveryRecord | undefined> {
    const [row] = await this.#rows<DeliveryRow>('SELECT * FROM trigger_deliveries WHERE trigger_name = $1 AND message_key = $2', [trigger, messageKey]);
    return row ? deliveryRecord(row) : undefined;
  }

  async listDeliveries(trigger: string, opts: { status?: DeliveryStatus; limit?: number } = {}): Promise<DeliveryRecord[]> {
    const limit = Math.max(1, Math.min(opts.limit ?? 100, 10_000));
    const rows = opts.status
      ? await this.#rows<DeliveryRow>('SELECT * FROM trigger_deliveries WHERE trigger_name = $1 AND status = $2 ORDER BY updated_at DESC, created_at DESC LIMIT $3',
        [trigger, opts.status, limit])
      : await this.#rows<DeliveryRow>('SELECT * FROM trigger_deliveries WHERE trigger_name = $1 ORDER BY updated_at DESC, created_at DESC LIMIT $2', [trigger, limit]);
    return rows.map(deliveryRecord);
  }

  async addTriggerEvent(name: string, kind: string, message: string): Promise<void> {
    await this.#pool.query('INSERT INTO trigger_events (trigger_name, kind, message, at) VALUES ($1, $2, $3, $4)', [name, kind, message, this.#now()]);
    // Apart from the insert: a prune lost to a crash is made up by the next event's.
    await this.#pool.query(PRUNE_TRIGGER_EVENTS, [name, name, TRIGGER_EVENTS_KEPT]);
  }

  async listTriggerEvents(name: string, limit = 100): Promise<TriggerEvent[]> {
    const rows = await this.#rows<{ trigger_name: string; kind: string; message: string; at: number }>(
      'SELECT trigger_name, kind, message, at FROM trigger_events WHERE trigger_name = $1 ORDER BY at DESC LIMIT $2',
      [name, Math.max(1, Math.min(limit, 10_000))]);
    return rows.map((r) => ({ trigger: r.trigger_name, kind: r.kind, message: r.message, at: r.at }));
  }

  async #writeCheckpoint(q: pg.Pool | pg.PoolClient, name: string, cp: TriggerCheckpointInput): Promise<void> {
    await q.query(`INSERT INTO trigger_checkpoints (trigger_name, uid_validity, last_uid, dedupe_up_to_uid, sync_state, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
      ON CONFLICT (trigger_name) DO UPDATE SET uid_validity = excluded.uid_validity, last_uid = excluded.last_uid,
        dedupe_up_to_uid = excluded.dedupe_up_to_uid, sync_state = excluded.sync_state, updated_at = excluded.updated_at`,
    [name, cp.uidValidity ?? null, cp.lastUid ?? null, cp.dedupeUpToUid ?? null, cp.syncState ?? null, this.#now()]);
  }

  // --- coordination ---

  async withResourceLock<T>(resource: string, work: () => Promise<T>): Promise<T> {
    // A transaction-scoped advisory lock on a dedicated connection: held while `work` runs
    // (its queries go through the main pool), released at COMMIT/ROLLBACK, and by the server
    // if this process dies, so a crashed instance never keeps the others from refreshing.
    return withTx(this.#lockPool, async (c) => {
      await c.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.floor(this.#lockTimeoutMs))}`);
      try {
        await c.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_NS.token, lockKey(resource)]);
      } catch (e) {
        throw new StoreError({ code: 'STORE_LOCK_TIMEOUT', message: `another instance held the token lock of ${resource} for over ${this.#lockTimeoutMs} ms`,
          hint: 'an instance is stuck refreshing (token endpoint unreachable?); retry, or check the other instances\' logs', cause: e });
      }
      return work();
    });
  }

  async heartbeat(instanceId: string, ttlMs: number): Promise<void> {
    const t = this.#now();
    await this.#coordPool.query(`INSERT INTO instances (id, started_at, heartbeat_at, expires_at) VALUES ($1, $2, $2, $3)
      ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at`, [instanceId, t, t + ttlMs]);
    await this.#coordPool.query('DELETE FROM instances WHERE expires_at < $1', [t - INSTANCE_MEMORY_MS]);
  }

  async removeInstance(instanceId: string): Promise<void> {
    await this.#coordPool.query('DELETE FROM instances WHERE id = $1', [instanceId]);
  }

  async listLiveInstances(): Promise<string[]> {
    return (await this.#coordRows<{ id: string }>('SELECT id FROM instances WHERE expires_at > $1 ORDER BY id COLLATE "C"', [this.#now()])).map((r) => r.id);
  }

  async acquireLeases(req: LeaseRequest): Promise<string[]> {
    return withTx(this.#coordPool, async (c) => {
      // One acquisition at a time cluster-wide: the fair share and the per-mailbox count are
      // read and acted on without another instance changing them in between. Renewals and
      // releases do not take this lock (they only touch the owner's own rows).
      await c.query('SELECT pg_advisory_xact_lock($1, 0)', [LOCK_NS.leases]);
      const t = this.#now();
      if (req.candidates.length > 0) {
        await c.query(`INSERT INTO leases (trigger_name, mailbox, owner, expires_at, acquired_at)
            SELECT n, m, NULL, 0, NULL FROM unnest($1::text[], $2::text[]) AS x(n, m)
          ON CONFLICT (trigger_name) DO UPDATE SET mailbox = excluded.mailbox`,
        [req.candidates.map((x) => x.name), req.candidates.map((x) => x.mailbox)]);
      }
      const { rows: [held] } = await c.query<{ n: number }>('SELECT COUNT(*)::bigint AS n FROM leases WHERE owner = $1 AND expires_at > $2', [req.owner, t]);
      const room = req.max - (held?.n ?? 0);
      if (room <= 0) return [];
      const { rows: live } = await c.query<{ mailbox: string; n: number }>(
        'SELECT mailbox, COUNT(*)::bigint AS n FROM leases WHERE owner IS NOT NULL AND expires_at > $1 GROUP BY mailbox', [t]);
      // SKIP LOCKED: a row an owner is renewing or releasing right now is not worth waiting for.
      const { rows: free } = await c.query<{ name: string; mailbox: string }>(
        `SELECT trigger_name AS name, mailbox FROM leases
          WHERE trigger_name = ANY($1::text[]) AND (owner IS NULL OR expires_at <= $2)
          ORDER BY trigger_name COLLATE "C" FOR UPDATE SKIP LOCKED`, [req.candidates.map((x) => x.name), t]);
      const picked = chooseLeases(free, new Map(live.map((l) => [l.mailbox, l.n])), room, req.perMailboxLimit);
      if (picked.length > 0) {
        await c.query('UPDATE leases SET owner = $1, expires_at = $2, acquired_at = $3 WHERE trigger_name = ANY($4::text[])',
          [req.owner, t + req.ttlMs, t, picked]);
      }
      return picked;
    });
  }

  async renewLeases(owner: string, ttlMs: number): Promise<string[]> {
    const t = this.#now();
    const rows = await this.#coordRows<{ trigger_name: string }>(
      'UPDATE leases SET expires_at = $1 WHERE owner = $2 AND expires_at > $3 RETURNING trigger_name', [t + ttlMs, owner, t]);
    return rows.map((r) => r.trigger_name).sort();
  }

  async releaseLeases(owner: string, names?: readonly string[]): Promise<void> {
    if (names) {
      await this.#coordPool.query('UPDATE leases SET owner = NULL, expires_at = 0 WHERE owner = $1 AND trigger_name = ANY($2::text[])', [owner, [...names]]);
    } else {
      await this.#coordPool.query('UPDATE leases SET owner = NULL, expires_at = 0 WHERE owner = $1', [owner]);
    }
  }

  async putCredential(r: CredentialRow): Promise<void> {
    await this.#rows(`INSERT INTO server_credentials (id, kind, label, prefix, hash, created_at, last_used_at, scopes)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
      ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, label = excluded.label, prefix = excluded.prefix, hash = excluded.hash,
        created_at = excluded.created_at, last_used_at = excluded.last_used_at, scopes = excluded.scopes`,
    [r.id, r.kind, r.label, r.prefix, r.hash, r.createdAt, r.lastUsedAt ?? null, r.scopes ?? null]);
  }

  async getCredential(id: string): Promise<CredentialRow | undefined> {
    const [row] = await this.#rows<CredentialDbRow>('SELECT * FROM server_credentials WHERE id = $1', [id]);
    return row ? credentialFromRow(row) : undefined;
  }

  async listCredentials(kind: string): Promise<CredentialRow[]> {
    return (await this.#rows<CredentialDbRow>('SELECT * FROM server_credentials WHERE kind = $1 ORDER BY created_at, id COLLATE "C"', [kind])).map(credentialFromRow);
  }

  async deleteCredential(id: string): Promise<boolean> {
    const rows = await this.#rows<{ id: string }>('DELETE FROM server_credentials WHERE id = $1 RETURNING id', [id]);
    return rows.length > 0;
  }

  async touchCredential(id: string, at: number): Promise<void> {
    await this.#rows('UPDATE server_credentials SET last_used_at = $1 WHERE id = $2', [at, id]);
  }

  async listLeases(): Promise<LeaseRecord[]> {
    const t = this.#now();
    const rows = await this.#coordRows<LeaseRow>('SELECT trigger_name AS name, mailbox, owner, expires_at, acquired_at FROM leases ORDER BY trigger_name COLLATE "C"');
    return rows.map((r) => leaseRecord(r, t));
  }
}

/** Rows of a trigger besides its definition, removed with it (its lease too). */
const TRIGGER_TABLES = [
  'trigger_secrets', 'trigger_checkpoints', 'trigger_uidls', 'trigger_message_ids', 'trigger_deliveries',
  'trigger_dead_letter_sources', 'trigger_events', 'leases',
];

/** Heartbeat rows of instances gone for a day are removed (a crashed instance leaves one). */
const INSTANCE_MEMORY_MS = 86_400_000;
