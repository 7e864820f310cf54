import { attemptFromRow, attemptParams, SELECT_ATTEMPTS, UPSERT_ATTEMPT, type AttemptRow } from './attempt-rows.js';
import type { AttemptArea, AttemptOutcome, ResourceAttempts } from './attempts.js';
import { closeSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Resource } from '../config/resource.js';
import { StoreError } from '../errors.js';
import { Secret } from '../secret.js';
import { restrictFile } from './key.js';
import { chooseLeases } from './leases.js';
import { MIGRATIONS_TABLE, pendingMigrations } from './migrations.js';
import {
  accessTokenFromRow, type AccessTokenRow,
  credentialFromRow, type CredentialDbRow,
  aad, DEAD_LETTER_SOURCE_MAX_BYTES, deliveryRecord, leaseRecord, MESSAGE_ID_MEMORY_MS,
  PRUNE_TRIGGER_EVENTS, TRIGGER_EVENTS_KEPT, resourceFromSettings, stripUndefined, tokenStateFromRow,
  triggerRecordFromRow,
  type ConsentRow, type DeliveryRow, type LeaseRow, type TokenRow, type TriggerRow,
} from './rows.js';
import type { Sealer } from './seal.js';
import { resealValue, SEALED_COLUMNS, SEALED_KEY_TAGS_SQL } from './sealed-columns.js';
import type {
  CredentialRow,
  AccessTokenRecord, LeaseRecord, LeaseRequest, PendingConsent, SecretKind, Store, TokenState, TokenStateInput,
} from './store.js';
import { serializeTriggerDefinition, type TriggerDefinition } from '../triggers/definition.js';
import type {
  DeliveryOutcome, DeliveryRecord, DeliveryStatus, TriggerCheckpoint, TriggerCheckpointInput, TriggerEvent, TriggerRecord,
} from './store.js';

export interface SqliteStoreOptions {
  /** A file path, or ':memory:' for tests. */
  path: string;
  sealer: Sealer;
  /** Clock in ms (expiry of pending consents); injectable for tests. */
  now?: () => number;
  /** How long a writer waits for another process's lock before failing (ms). */
  busyTimeoutMs?: number;
}

/**
 * The embedded Store. WAL lets readers and one writer work at once, and busy_timeout makes a
 * second process (CLI next to the service) wait for the lock instead of failing. Every write
 * that reads first runs in an IMMEDIATE transaction, so the write lock is taken before the
 * read and two processes cannot both pass the same version check.
 */
export function openSqliteStore(opts: SqliteStoreOptions): Store {
  const now = opts.now ?? Date.now;
  const onDisk = opts.path !== ':memory:' && opts.path !== '';
  if (onDisk) {
    // Create the file 0600 before SQLite does; its -wal and -shm files then copy that mode.
    closeSync(openSync(opts.path, 'a', 0o600));
    restrictFile(opts.path);
  }
  let db: Database.Database;
  try {
    db = new Database(opts.path);
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(opts.busyTimeoutMs ?? 5000))}`);
    if (onDisk) db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    migrate(db, now);
  } catch (e) {
    throw new StoreError({ code: 'STORE_OPEN_FAILED', message: `cannot open the database ${opts.path}: ${(e as Error).message}`, hint: 'check that the file is a mailbridge database and that you can write its folder', cause: e });
  }
  if (onDisk) for (const suffix of ['-wal', '-shm']) restrictFile(`${opts.path}${suffix}`);
  return new SqliteStore(db, opts.sealer, now);
}

function migrate(db: Database.Database, now: () => number): void {
  db.exec(MIGRATIONS_TABLE);
  db.transaction(() => {
    const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
    for (const m of pendingMigrations(row.v ?? 0)) {
      for (const sql of m.statements) db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(m.version, now());
    }
  }).immediate();
}

class SqliteStore implements Store {
  readonly #db: Database.Database;
  readonly #sealer: Sealer;
  readonly #now: () => number;
  readonly #locks = new Map<string, Promise<unknown>>();

  constructor(db: Database.Database, sealer: Sealer, now: () => number) {
    this.#db = db;
    this.#sealer = sealer;
    this.#now = now;
  }

  async putResource(resource: Resource): Promise<void> {
    const t = this.#now();
    this.#db
      .prepare(`INSERT INTO resources (name, kind, settings, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, settings = excluded.settings, updated_at = excluded.updated_at`)
      .run(resource.name, resource.kind, JSON.stringify(resource), t, t);
  }

  async getResource(name: string): Promise<Resource | undefined> {
    const row = this.#db.prepare('SELECT settings FROM resources WHERE name = ?').get(name) as { settings: string } | undefined;
    return row ? this.#parseResource(name, row.settings) : undefined;
  }

  async listResources(): Promise<Resource[]> {
    const rows = this.#db.prepare('SELECT name, settings FROM resources ORDER BY name').all() as { name: string; settings: string }[];
    return rows.map((r) => this.#parseResource(r.name, r.settings));
  }

  async deleteResource(name: string): Promise<boolean> {
    return this.#db.transaction(() => {
      for (const table of ['secrets', 'token_states', 'access_tokens', 'pending_consents', 'resource_attempts']) {
        this.#db.prepare(`DELETE FROM ${table} WHERE resource = ?`).run(name);
      }
      return this.#db.prepare('DELETE FROM resources WHERE name = ?').run(name).changes > 0;
    }).immediate();
  }

  async recordAttempt(resource: string, area: AttemptArea, outcome: AttemptOutcome): Promise<void> {
    this.#db.prepare(UPSERT_ATTEMPT.replace(/\$\d+/g, '?')).run(...attemptParams(resource, area, outcome));
  }

  async listAttempts(resource: string): Promise<ResourceAttempts[]> {
    return (this.#db.prepare(SELECT_ATTEMPTS.replace(/\$\d+/g, '?')).all(resource) as AttemptRow[]).map(attemptFromRow);
  }

  async putSecret(resource: string, kind: SecretKind, value: Secret): Promise<void> {
    const sealed = this.#sealer.seal(value.reveal(), aad.secret(resource, kind));
    this.#db
      .prepare(`INSERT INTO secrets (resource, kind, sealed, updated_at) VALUES (?, ?, ?, ?)
        ON CONFLICT (resource, kind) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at`)
      .run(resource, kind, sealed, this.#now());
  }

  async getSecret(resource: string, kind: SecretKind): Promise<Secret | undefined> {
    const row = this.#db.prepare('SELECT sealed FROM secrets WHERE resource = ? AND kind = ?').get(resource, kind) as { sealed: string } | undefined;
    return row ? new Secret(this.#sealer.unseal(row.sealed, aad.secret(resource, kind))) : undefined;
  }

  async getTokenState(resource: string): Promise<TokenState | undefined> {
    const row = this.#db.prepare('SELECT * FROM token_states WHERE resource = ?').get(resource) as TokenRow | undefined;
    return row ? this.#tokenState(resource, row) : undefined;
  }

  async compareAndSetTokenState(resource: string, expectedVersion: number, next: TokenStateInput): Promise<TokenState | undefined> {
    return this.#db.transaction((): TokenState | undefined => {
      const row = this.#db.prepare('SELECT version FROM token_states WHERE resource = ?').get(resource) as { version: number } | undefined;
      if ((row?.version ?? 0) !== expectedVersion) return undefined;
      const version = expectedVersion + 1;
      const updatedAt = this.#now();
      const sealed = next.refreshToken ? this.#sealer.seal(next.refreshToken.reveal(), aad.refreshToken(resource)) : null;
      this.#db
        .prepare(`INSERT INTO token_states (resource, version, status, status_code, status_reason, sealed_refresh_token,
            refresh_token_issued_at, refresh_token_last_used_at, granted_scope, updated_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT (resource) DO UPDATE SET version = excluded.version, status = excluded.status,
            status_code = excluded.status_code, status_reason = excluded.status_reason,
            sealed_refresh_token = excluded.sealed_refresh_token, refresh_token_issued_at = excluded.refresh_token_issued_at,
            refresh_token_last_used_at = excluded.refresh_token_last_used_at, granted_scope = excluded.granted_scope,
            updated_at = excluded.updated_at`)
        .run(resource, version, next.status, next.statusCode ?? null, next.statusReason ?? null, sealed,
          next.refreshTokenIssuedAt ?? null, next.refreshTokenLastUsedAt ?? null, next.grantedScope ?? null, updatedAt);
      return { ...stripUndefined(next), version, updatedAt };
    }).immediate();
  }

  async getAccessToken(resource: string, audience: string): Promise<AccessTokenRecord | undefined> {
    const row = this.#db.prepare('SELECT sealed_token, expires_at, scope FROM access_tokens WHERE resource = ? AND audience = ?')
      .get(resource, audience) as AccessTokenRow | undefined;
    return row ? accessTokenFromRow(this.#sealer, resource, audience, row) : undefined;
  }

  async putAccessToken(resource: string, record: AccessTokenRecord): Promise<void> {
    const sealed = this.#sealer.seal(record.token.reveal(), aad.accessToken(resource, record.audience));
    this.#db
      .prepare(`INSERT INTO access_tokens (resource, audience, sealed_token, expires_at, scope) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (resource, audience) DO UPDATE SET sealed_token = excluded.sealed_token,
          expires_at = excluded.expires_at, scope = excluded.scope`)
      .run(resource, record.audience, sealed, record.expiresAt, record.scope ?? null);
  }

  async deleteAccessTokens(resource: string): Promise<void> {
    this.#db.prepare('DELETE FROM access_tokens WHERE resource = ?').run(resource);
  }

  async putPendingConsent(p: PendingConsent): Promise<void> {
    const sealed = p.codeVerifier ? this.#sealer.seal(p.codeVerifier.reveal(), aad.codeVerifier(p.state, p.resource)) : null;
    this.#db.transaction(() => {
      // Abandoned consents pile up otherwise: clear the expired ones on every new one.
      this.#db.prepare('DELETE FROM pending_consents WHERE expires_at <= ?').run(this.#now());
      this.#db
        .prepare(`INSERT INTO pending_consents (state, resource, sealed_code_verifier, redirect_uri, created_at, expires_at)
          VALUES (?, ?, ?, ?, ?, ?)`)
        .run(p.state, p.resource, sealed, p.redirectUri, p.createdAt, p.expiresAt);
    }).immediate();
  }

  async takePendingConsent(state: string): Promise<PendingConsent | undefined> {
    const row = this.#db.transaction(() => {
      const r = this.#db.prepare('SELECT * FROM pending_consents WHERE state = ?').get(state) as ConsentRow | undefined;
      if (r) this.#db.prepare('DELETE FROM pending_consents WHERE state = ?').run(state);
      return r;
    }).immediate();
    // An expired consent is refused like an unknown one (and is gone now either way).
    if (!row || row.expires_at <= this.#now()) return undefined;
    return {
      state: row.state,
      resource: row.resource,
      ...(row.sealed_code_verifier !== null
        ? { codeVerifier: new Secret(this.#sealer.unseal(row.sealed_code_verifier, aad.codeVerifier(row.state, row.resource))) }
        : {}),
      redirectUri: row.redirect_uri,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
    };
  }

  async sealedKeyTags(): Promise<string[]> {
    return (this.#db.prepare(SEALED_KEY_TAGS_SQL).all() as { tag: string }[]).map((r) => r.tag);
  }

  async resealAll(next: Sealer): Promise<number> {
    return this.#db.transaction(() => {
      let count = 0;
      for (const c of SEALED_COLUMNS) {
        const rows = this.#db.prepare(`SELECT ${[...c.keys, c.column].join(', ')} FROM ${c.table} WHERE ${c.column} IS NOT NULL`).all() as Record<string, string>[];
        const update = this.#db.prepare(`UPDATE ${c.table} SET ${c.column} = ? WHERE ${c.keys.map((k) => `${k} = ?`).join(' AND ')}`);
        for (const row of rows) {
          update.run(resealValue(this.#sealer, next, c, row), ...c.keys.map((k) => row[k]));
          count++;
        }
      }
      return count;
    }).immediate();
  }

  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }

  // --- mailbox triggers ---

  async putTrigger(definition: TriggerDefinition): Promise<void> {
    const t = this.#now();
    this.#db
      .prepare(`INSERT INTO triggers (name, resource, definition, paused, pause_reason, created_at, updated_at) VALUES (?, ?, ?, 0, NULL, ?, ?)
        ON CONFLICT (name) DO UPDATE SET resource = excluded.resource, definition = excluded.definition, updated_at = excluded.updated_at`)
      .run(definition.name, definition.resource, JSON.stringify(serializeTriggerDefinition(definition)), t, t);
  }

  async getTrigger(name: string): Promise<TriggerRecord | undefined> {
    const row = this.#db.prepare('SELECT * FROM triggers WHERE name = ?').get(name) as TriggerRow | undefined;
    return row ? this.#triggerRecord(row) : undefined;
  }

  async listTriggers(): Promise<TriggerRecord[]> {
    const rows = this.#db.prepare('SELECT * FROM triggers ORDER BY name').all() as TriggerRow[];
    return rows.map((r) => this.#triggerRecord(r));
  }

  async deleteTrigger(name: string): Promise<boolean> {
    return this.#db.transaction(() => {
      for (const table of TRIGGER_TABLES) {
        this.#db.prepare(`DELETE FROM ${table} WHERE trigger_name = ?`).run(name);
      }
      return this.#db.prepare('DELETE FROM triggers WHERE name = ?').run(name).changes > 0;
    }).immediate();
  }

  async setTriggerPaused(name: string, paused: boolean, reason?: string): Promise<boolean> {
    return this.#db.prepare('UPDATE triggers SET paused = ?, pause_reason = ?, updated_at = ? WHERE name = ?')
      .run(paused ? 1 : 0, paused ? reason ?? null : null, this.#now(), name).changes > 0;
  }

  async putTriggerSecret(name: string, value: Secret): Promise<void> {
    const sealed = this.#sealer.seal(value.reveal(), aad.triggerSecret(name));
    this.#db
      .prepare(`INSERT INTO trigger_secrets (trigger_name, sealed, updated_at) VALUES (?, ?, ?)
        ON CONFLICT (trigger_name) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at`)
      .run(name, sealed, this.#now());
  }

  async getTriggerSecret(name: string): Promise<Secret | undefined> {
    const row = this.#db.prepare('SELECT sealed FROM trigger_secrets WHERE trigger_name = ?').get(name) as { sealed: string } | undefined;
    return row ? new Secret(this.#sealer.unseal(row.sealed, aad.triggerSecret(name))) : undefined;
  }

  async getTriggerCheckpoint(name: string): Promise<TriggerCheckpoint | undefined> {
    const row = this.#db.prepare('SELECT uid_validity, last_uid, dedupe_up_to_uid, sync_state, updated_at FROM trigger_checkpoints WHERE trigger_name = ?')
      .get(name) as { uid_validity: string | null; last_uid: number | null; dedupe_up_to_uid: number | null; sync_state: string | null; updated_at: number } | undefined;
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
    this.#writeCheckpoint(name, cp);
  }

  async listTriggerUidls(name: string): Promise<string[]> {
    const rows = this.#db.prepare('SELECT uidl FROM trigger_uidls WHERE trigger_name = ?').all(name) as { uidl: string }[];
    return rows.map((r) => r.uidl);
  }

  async addTriggerUidls(name: string, uidls: readonly string[]): Promise<void> {
    const t = this.#now();
    const insert = this.#db.prepare('INSERT INTO trigger_uidls (trigger_name, uidl, seen_at) VALUES (?, ?, ?) ON CONFLICT (trigger_name, uidl) DO NOTHING');
    this.#db.transaction(() => {
      for (const u of uidls) insert.run(name, u, t);
    }).immediate();
  }

  async pruneTriggerUidls(name: string, keep: readonly string[]): Promise<void> {
    const wanted = new Set(keep);
    const del = this.#db.prepare('DELETE FROM trigger_uidls WHERE trigger_name = ? AND uidl = ?');
    this.#db.transaction(() => {
      const rows = this.#db.prepare('SELECT uidl FROM trigger_uidls WHERE trigger_name = ?').all(name) as { uidl: string }[];
      for (const r of rows) if (!wanted.has(r.uidl)) del.run(name, r.uidl);
    }).immediate();
  }

  async wasMessageIdDelivered(name: string, messageId: string): Promise<boolean> {
    return this.#db.prepare('SELECT 1 AS hit FROM trigger_message_ids WHERE trigger_name = ? AND message_id = ?').get(name, messageId) !== undefined;
  }

  async recordDelivery(o: DeliveryOutcome): Promise<DeliveryRecord> {
    return this.#db.transaction((): DeliveryRecord => {
      const t = this.#now();
      const deliveredAt = o.status === 'delivered' ? t : null;
      this.#db
        .prepare(`INSERT INTO trigger_deliveries (id, trigger_name, message_key, message_id, subject, source, status, attempts, last_error,
            after_action, created_at, updated_at, delivered_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)
          ON CONFLICT (trigger_name, message_key) DO UPDATE SET message_id = excluded.message_id, subject = excluded.subject,
            source = excluded.source, status = excluded.status, attempts = excluded.attempts, last_error = excluded.last_error,
            updated_at = excluded.updated_at, delivered_at = excluded.delivered_at`)
        .run(o.id, o.trigger, o.messageKey, o.messageId ?? null, o.subject ?? null, JSON.stringify(o.source), o.status, o.attempts,
          o.lastError ?? null, t, t, deliveredAt);
      if (o.advance && 'imap' in o.advance) {
        const cp = this.#db.prepare('SELECT uid_validity, last_uid, dedupe_up_to_uid FROM trigger_checkpoints WHERE trigger_name = ?')
          .get(o.trigger) as { uid_validity: string | null; last_uid: number | null; dedupe_up_to_uid: number | null } | undefined;
        const sameFolderState = cp?.uid_validity === o.advance.imap.uidValidity;
        const lastUid = Math.max(sameFolderState ? cp?.last_uid ?? 0 : 0, o.advance.imap.uid);
        this.#writeCheckpoint(o.trigger, {
          uidValidity: o.advance.imap.uidValidity, lastUid,
          ...(sameFolderState && cp?.dedupe_up_to_uid != null ? { dedupeUpToUid: cp.dedupe_up_to_uid } : {}),
        });
      } else if (o.advance) {
        this.#db.prepare('INSERT INTO trigger_uidls (trigger_name, uidl, seen_at) VALUES (?, ?, ?) ON CONFLICT (trigger_name, uidl) DO NOTHING')
          .run(o.trigger, o.advance.uidl, t);
      }
      if (o.status === 'delivered' && o.messageId) {
        this.#db.prepare(`INSERT INTO trigger_message_ids (trigger_name, message_id, delivered_at) VALUES (?, ?, ?)
            ON CONFLICT (trigger_name, message_id) DO UPDATE SET delivered_at = excluded.delivered_at`)
          .run(o.trigger, o.messageId, t);
        // The Message-ID memory only serves the UIDVALIDITY rule: a bounded window is enough.
        this.#db.prepare('DELETE FROM trigger_message_ids WHERE trigger_name = ? AND delivered_at < ?').run(o.trigger, t - MESSAGE_ID_MEMORY_MS);
      }
      const row = this.#db.prepare('SELECT * FROM trigger_deliveries WHERE trigger_name = ? AND message_key = ?').get(o.trigger, o.messageKey) as DeliveryRow;
      if (o.status === 'dead' && o.raw && o.raw.length <= DEAD_LETTER_SOURCE_MAX_BYTES) {
        this.#db.prepare(`INSERT INTO trigger_dead_letter_sources (delivery_id, trigger_name, raw, size, created_at)
            VALUES (?, ?, ?, ?, ?) ON CONFLICT (delivery_id) DO UPDATE SET raw = excluded.raw, size = excluded.size`)
          .run(row.id, o.trigger, o.raw.toString('base64'), o.raw.length, t);
      } else if (o.status === 'delivered') {
        this.#db.prepare('DELETE FROM trigger_dead_letter_sources WHERE delivery_id = ?').run(row.id);
      }
      return deliveryRecord(row);
    }).immediate();
  }

  async setDeliveryAfterAction(id: string, result: { ok: true } | { ok: false; error: string }): Promise<void> {
    this.#db.prepare('UPDATE trigger_deliveries SET after_action = ?, updated_at = ? WHERE id = ?')
      .run(result.ok ? 'ok' : `failed: ${result.error}`, this.#now(), id);
  }

  async getDelivery(id: string): Promise<DeliveryRecord | undefined> {
    const row = this.#db.prepare('SELECT * FROM trigger_deliveries WHERE id = ?').get(id) as DeliveryRow | undefined;
    return row ? deliveryRecord(row) : undefined;
  }

  async getDeliverySource(id: string): Promise<Buffer | undefined> {
    const row = this.#db.prepare('SELECT raw FROM trigger_dead_letter_sources WHERE delivery_id = ?')
      .get(id) as { raw: string } | undefined;
    return row ? Buffer.from(row.raw, 'base64') : undefined;
  }

  async findDelivery(trigger: string, messageKey: string): Promise<DeliveryRecord | undefined> {
    const row = this.#db.prepare('SELECT * FROM trigger_deliveries WHERE trigger_name = ? AND message_key = ?').get(trigger, messageKey) as DeliveryRow | undefined;
    return row ? deliveryRecord(row) : undefined;
  }

  async listDeliveries(trigger: string, opts: { status?: DeliveryStatus; limit?: number } = {}): Promise<DeliveryRecord[]> {
    const limit = Math.max(1, Math.min(opts.limit ?? 100, 10_000));
    const rows = (opts.status
      ? this.#db.prepare('SELECT * FROM trigger_deliveries WHERE trigger_name = ? AND status = ? ORDER BY updated_at DESC, created_at DESC LIMIT ?').all(trigger, opts.status, limit)
      : this.#db.prepare('SELECT * FROM trigger_deliveries WHERE trigger_name = ? ORDER BY updated_at DESC, created_at DESC LIMIT ?').all(trigger, limit)) as DeliveryRow[];
    return rows.map(deliveryRecord);
  }

  async addTriggerEvent(name: string, kind: string, message: string): Promise<void> {
    this.#db.prepare('INSERT INTO trigger_events (trigger_name, kind, message, at) VALUES (?, ?, ?, ?)').run(name, kind, message, this.#now());
    this.#db.prepare(PRUNE_TRIGGER_EVENTS.replace(/\$\d/g, '?')).run(name, name, TRIGGER_EVENTS_KEPT);
  }

  async listTriggerEvents(name: string, limit = 100): Promise<TriggerEvent[]> {
    const rows = this.#db.prepare('SELECT trigger_name, kind, message, at FROM trigger_events WHERE trigger_name = ? ORDER BY at DESC LIMIT ?')
      .all(name, Math.max(1, Math.min(limit, 10_000))) as { trigger_name: string; kind: string; message: string; at: number }[];
    return rows.map((r) => ({ trigger: r.trigger_name, kind: r.kind, message: r.message, at: r.at }));
  }

  // --- coordination: on SQLite (one host, usually one process) a mutex in this process ---

  async withResourceLock<T>(resource: string, work: () => Promise<T>): Promise<T> {
    // A database lock cannot be held across the awaits of an HTTP request without blocking
    // every other writer (busy_timeout), so SQLite serialises here; other processes on the same
    // file still cannot overwrite a newer refresh token (compareAndSetTokenState).
    const previous = this.#locks.get(resource) ?? Promise.resolve();
    const run = previous.then(work, work);
    const tail = run.catch(() => undefined);
    this.#locks.set(resource, tail);
    void tail.then(() => { if (this.#locks.get(resource) === tail) this.#locks.delete(resource); });
    return run;
  }

  async heartbeat(instanceId: string, ttlMs: number): Promise<void> {
    const t = this.#now();
    this.#db.transaction(() => {
      this.#db.prepare(`INSERT INTO instances (id, started_at, heartbeat_at, expires_at) VALUES (?, ?, ?, ?)
          ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at`)
        .run(instanceId, t, t, t + ttlMs);
      this.#db.prepare('DELETE FROM instances WHERE expires_at < ?').run(t - INSTANCE_MEMORY_MS);
    }).immediate();
  }

  async removeInstance(instanceId: string): Promise<void> {
    this.#db.prepare('DELETE FROM instances WHERE id = ?').run(instanceId);
  }

  async listLiveInstances(): Promise<string[]> {
    const rows = this.#db.prepare('SELECT id FROM instances WHERE expires_at > ? ORDER BY id').all(this.#now()) as { id: string }[];
    return rows.map((r) => r.id);
  }

  async acquireLeases(req: LeaseRequest): Promise<string[]> {
    // IMMEDIATE: the write lock is held from the first read, so acquisitions are serialised.
    return this.#db.transaction((): string[] => {
      const t = this.#now();
      const upsert = this.#db.prepare(`INSERT INTO leases (trigger_name, mailbox, owner, expires_at, acquired_at) VALUES (?, ?, NULL, 0, NULL)
        ON CONFLICT (trigger_name) DO UPDATE SET mailbox = excluded.mailbox`);
      for (const c of req.candidates) upsert.run(c.name, c.mailbox);
      const held = (this.#db.prepare('SELECT COUNT(*) AS n FROM leases WHERE owner = ? AND expires_at > ?').get(req.owner, t) as { n: number }).n;
      const room = req.max - held;
      if (room <= 0) return [];
      const live = this.#db.prepare('SELECT mailbox, COUNT(*) AS n FROM leases WHERE owner IS NOT NULL AND expires_at > ? GROUP BY mailbox')
        .all(t) as { mailbox: string; n: number }[];
      const wanted = new Set(req.candidates.map((c) => c.name));
      const free = (this.#db.prepare('SELECT trigger_name AS name, mailbox FROM leases WHERE owner IS NULL OR expires_at <= ? ORDER BY trigger_name')
        .all(t) as { name: string; mailbox: string }[]).filter((f) => wanted.has(f.name));
      const picked = chooseLeases(free, new Map(live.map((l) => [l.mailbox, l.n])), room, req.perMailboxLimit);
      const take = this.#db.prepare('UPDATE leases SET owner = ?, expires_at = ?, acquired_at = ? WHERE trigger_name = ?');
      for (const name of picked) take.run(req.owner, t + req.ttlMs, t, name);
      return picked;
    }).immediate();
  }

  async renewLeases(owner: string, ttlMs: number): Promise<string[]> {
    const t = this.#now();
    const rows = this.#db.prepare('UPDATE leases SET expires_at = ? WHERE owner = ? AND expires_at > ? RETURNING trigger_name')
      .all(t + ttlMs, owner, t) as { trigger_name: string }[];
    return rows.map((r) => r.trigger_name).sort();
  }

  async releaseLeases(owner: string, names?: readonly string[]): Promise<void> {
    const release = this.#db.prepare('UPDATE leases SET owner = NULL, expires_at = 0 WHERE owner = ? AND trigger_name = ?');
    this.#db.transaction(() => {
      if (names) for (const n of names) release.run(owner, n);
      else this.#db.prepare('UPDATE leases SET owner = NULL, expires_at = 0 WHERE owner = ?').run(owner);
    }).immediate();
  }

  async listLeases(): Promise<LeaseRecord[]> {
    const t = this.#now();
    const rows = this.#db.prepare('SELECT trigger_name AS name, mailbox, owner, expires_at, acquired_at FROM leases ORDER BY trigger_name').all() as LeaseRow[];
    return rows.map((r) => leaseRecord(r, t));
  }

  async putCredential(r: CredentialRow): Promise<void> {
    this.#db.prepare(`INSERT INTO server_credentials (id, kind, label, prefix, hash, created_at, last_used_at, scopes) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, label = excluded.label, prefix = excluded.prefix, hash = excluded.hash,
        created_at = excluded.created_at, last_used_at = excluded.last_used_at, scopes = excluded.scopes`)
      .run(r.id, r.kind, r.label, r.prefix, r.hash, r.createdAt, r.lastUsedAt ?? null, r.scopes ?? null);
  }

  async getCredential(id: string): Promise<CredentialRow | undefined> {
    const row = this.#db.prepare('SELECT * FROM server_credentials WHERE id = ?').get(id) as CredentialDbRow | undefined;
    return row ? credentialFromRow(row) : undefined;
  }

  async listCredentials(kind: string): Promise<CredentialRow[]> {
    return (this.#db.prepare('SELECT * FROM server_credentials WHERE kind = ? ORDER BY created_at, id').all(kind) as CredentialDbRow[]).map(credentialFromRow);
  }

  async deleteCredential(id: string): Promise<boolean> {
    return this.#db.prepare('DELETE FROM server_credentials WHERE id = ?').run(id).changes > 0;
  }

  async touchCredential(id: string, at: number): Promise<void> {
    this.#db.prepare('UPDATE server_credentials SET last_used_at = ? WHERE id = ?').run(at, id);
  }

  #writeCheckpoint(name: string, cp: TriggerCheckpointInput): void {
    this.#db
      .prepare(`INSERT INTO trigger_checkpoints (trigger_name, uid_validity, last_uid, dedupe_up_to_uid, sync_state, updated_at) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (trigger_name) DO UPDATE SET uid_validity = excluded.uid_validity, last_uid = excluded.last_uid,
          dedupe_up_to_uid = excluded.dedupe_up_to_uid, sync_state = excluded.sync_state, updated_at = excluded.updated_at`)
      .run(name, cp.uidValidity ?? null, cp.lastUid ?? null, cp.dedupeUpToUid ?? null, cp.syncState ?? null, this.#now());
  }

  #triggerRecord(row: TriggerRow): TriggerRecord {
    return triggerRecordFromRow(row);
  }

  #parseResource(name: string, settings: string): Resource {
    return resourceFromSettings(name, settings);
  }

  #tokenState(resource: string, row: TokenRow): TokenState {
    return tokenStateFromRow(this.#sealer, resource, row);
  }

}

/** Rows of a trigger besides its definition, removed with it (its lease too). */
const TRIGGER_TABLES = [
  'trigger_secrets', 'trigger_checkpoints', 'trigger_uidls', 'trigger_message_ids', 'trigger_deliveries',
  'trigger_dead_letter_sources', 'trigger_events', 'leases',
];

/** Heartbeat rows of instances gone for a day are removed (a crashed instance leaves one). */
const INSTANCE_MEMORY_MS = 86_400_000;
