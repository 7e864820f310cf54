import { closeSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { resourceSchema, REFRESH_TOKEN_STATUSES, type Resource } from '../config/resource.js';
import { StoreError } from '../errors.js';
import { Secret } from '../secret.js';
import { restrictFile } from './key.js';
import { MIGRATIONS, MIGRATIONS_TABLE } from './migrations.js';
import type { Sealer } from './seal.js';
import type {
  AccessTokenRecord, PendingConsent, SecretKind, Store, TokenState, TokenStateInput,
} from './store.js';
import { z } from 'zod';
import { serializeTriggerDefinition, triggerDefinitionSchema, type TriggerDefinition } from '../triggers/definition.js';
import type {
  DeliveryOutcome, DeliveryRecord, DeliverySource, DeliveryStatus, TriggerCheckpoint, TriggerCheckpointInput, TriggerEvent, TriggerRecord,
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
    const current = row.v ?? 0;
    for (const m of MIGRATIONS) {
      if (m.version <= current) continue;
      for (const sql of m.statements) db.exec(sql);
      db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(m.version, now());
    }
  }).immediate();
}

/** Additional authenticated data: which row a sealed value belongs to. */
const aad = {
  secret: (resource: string, kind: SecretKind) => `secret|${resource}|${kind}`,
  refreshToken: (resource: string) => `refresh_token|${resource}`,
  accessToken: (resource: string, audience: string) => `access_token|${resource}|${audience}`,
  codeVerifier: (state: string, resource: string) => `code_verifier|${state}|${resource}`,
};

interface TokenRow {
  version: number;
  status: string;
  status_code: string | null;
  status_reason: string | null;
  sealed_refresh_token: string | null;
  refresh_token_issued_at: number | null;
  refresh_token_last_used_at: number | null;
  granted_scope: string | null;
  updated_at: number;
}

interface ConsentRow {
  state: string;
  resource: string;
  sealed_code_verifier: string | null;
  redirect_uri: string;
  created_at: number;
  expires_at: number;
}

class SqliteStore implements Store {
  readonly #db: Database.Database;
  readonly #sealer: Sealer;
  readonly #now: () => number;

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
      for (const table of ['secrets', 'token_states', 'access_tokens', 'pending_consents']) {
        this.#db.prepare(`DELETE FROM ${table} WHERE resource = ?`).run(name);
      }
      return this.#db.prepare('DELETE FROM resources WHERE name = ?').run(name).changes > 0;
    }).immediate();
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
      .get(resource, audience) as { sealed_token: string; expires_at: number; scope: string | null } | undefined;
    if (!row) return undefined;
    return {
      audience,
      token: new Secret(this.#sealer.unseal(row.sealed_token, aad.accessToken(resource, audience))),
      expiresAt: row.expires_at,
      ...(row.scope !== null ? { scope: row.scope } : {}),
    };
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
      for (const table of ['trigger_secrets', 'trigger_checkpoints', 'trigger_uidls', 'trigger_message_ids', 'trigger_deliveries', 'trigger_events']) {
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
    const sealed = this.#sealer.seal(value.reveal(), aadTriggerSecret(name));
    this.#db
      .prepare(`INSERT INTO trigger_secrets (trigger_name, sealed, updated_at) VALUES (?, ?, ?)
        ON CONFLICT (trigger_name) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at`)
      .run(name, sealed, this.#now());
  }

  async getTriggerSecret(name: string): Promise<Secret | undefined> {
    const row = this.#db.prepare('SELECT sealed FROM trigger_secrets WHERE trigger_name = ?').get(name) as { sealed: string } | undefined;
    return row ? new Secret(this.#sealer.unseal(row.sealed, aadTriggerSecret(name))) : undefined;
  }

  async getTriggerCheckpoint(name: string): Promise<TriggerCheckpoint | undefined> {
    const row = this.#db.prepare('SELECT uid_validity, last_uid, dedupe_up_to_uid, updated_at FROM trigger_checkpoints WHERE trigger_name = ?')
      .get(name) as { uid_validity: string | null; last_uid: number | null; dedupe_up_to_uid: number | null; updated_at: number } | undefined;
    if (!row) return undefined;
    return {
      ...(row.uid_validity !== null ? { uidValidity: row.uid_validity } : {}),
      ...(row.last_uid !== null ? { lastUid: row.last_uid } : {}),
      ...(row.dedupe_up_to_uid !== null ? { dedupeUpToUid: row.dedupe_up_to_uid } : {}),
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
  }

  async listTriggerEvents(name: string, limit = 100): Promise<TriggerEvent[]> {
    const rows = this.#db.prepare('SELECT trigger_name, kind, message, at FROM trigger_events WHERE trigger_name = ? ORDER BY at DESC LIMIT ?')
      .all(name, Math.max(1, Math.min(limit, 10_000))) as { trigger_name: string; kind: string; message: string; at: number }[];
    return rows.map((r) => ({ trigger: r.trigger_name, kind: r.kind, message: r.message, at: r.at }));
  }

  #writeCheckpoint(name: string, cp: TriggerCheckpointInput): void {
    this.#db
      .prepare(`INSERT INTO trigger_checkpoints (trigger_name, uid_validity, last_uid, dedupe_up_to_uid, updated_at) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (trigger_name) DO UPDATE SET uid_validity = excluded.uid_validity, last_uid = excluded.last_uid,
          dedupe_up_to_uid = excluded.dedupe_up_to_uid, updated_at = excluded.updated_at`)
      .run(name, cp.uidValidity ?? null, cp.lastUid ?? null, cp.dedupeUpToUid ?? null, this.#now());
  }

  #triggerRecord(row: TriggerRow): TriggerRecord {
    let json: unknown;
    try {
      json = JSON.parse(row.definition);
    } catch (e) {
      throw corruptTrigger(row.name, e);
    }
    const parsed = triggerDefinitionSchema.safeParse(json);
    if (!parsed.success) throw corruptTrigger(row.name, parsed.error);
    return {
      definition: parsed.data,
      paused: row.paused !== 0,
      ...(row.pause_reason !== null ? { pauseReason: row.pause_reason } : {}),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  #parseResource(name: string, settings: string): Resource {
    let json: unknown;
    try {
      json = JSON.parse(settings);
    } catch (e) {
      throw corrupt(name, e);
    }
    const parsed = resourceSchema.safeParse(json);
    if (!parsed.success) throw corrupt(name, parsed.error);
    return parsed.data;
  }

  #tokenState(resource: string, row: TokenRow): TokenState {
    const status = (REFRESH_TOKEN_STATUSES as readonly string[]).includes(row.status) ? (row.status as TokenState['status']) : 'Missing';
    return {
      ...(row.sealed_refresh_token !== null
        ? { refreshToken: new Secret(this.#sealer.unseal(row.sealed_refresh_token, aad.refreshToken(resource))) }
        : {}),
      status,
      ...(row.status_reason !== null ? { statusReason: row.status_reason } : {}),
      ...(row.status_code !== null ? { statusCode: row.status_code } : {}),
      ...(row.refresh_token_issued_at !== null ? { refreshTokenIssuedAt: row.refresh_token_issued_at } : {}),
      ...(row.refresh_token_last_used_at !== null ? { refreshTokenLastUsedAt: row.refresh_token_last_used_at } : {}),
      ...(row.granted_scope !== null ? { grantedScope: row.granted_scope } : {}),
      version: row.version,
      updatedAt: row.updated_at,
    };
  }
}

function corrupt(name: string, cause: unknown): StoreError {
  return new StoreError({ code: 'STORE_CORRUPT', message: `the stored settings of resource "${name}" cannot be read`, hint: `remove it (mailbridge resource remove ${name}) and add it again, or restore a backup`, cause });
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

// --- mailbox triggers ---

/** How long delivered Message-IDs are remembered for the UIDVALIDITY rule (90 days). */
const MESSAGE_ID_MEMORY_MS = 90 * 86_400_000;

const aadTriggerSecret = (name: string) => `trigger_secret|${name}`;

interface TriggerRow {
  name: string;
  resource: string;
  definition: string;
  paused: number;
  pause_reason: string | null;
  created_at: number;
  updated_at: number;
}

interface DeliveryRow {
  id: string;
  trigger_name: string;
  message_key: string;
  message_id: string | null;
  subject: string | null;
  source: string;
  status: string;
  attempts: number;
  last_error: string | null;
  after_action: string | null;
  created_at: number;
  updated_at: number;
  delivered_at: number | null;
}

const deliverySourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('imap'), folder: z.string(), uidValidity: z.string(), uid: z.number().int() }),
  z.object({ kind: z.literal('pop3'), uidl: z.string() }),
]);
const DELIVERY_STATUSES: readonly DeliveryStatus[] = ['delivered', 'failed', 'dead'];

function deliveryRecord(row: DeliveryRow): DeliveryRecord {
  let source: DeliverySource;
  try {
    source = deliverySourceSchema.parse(JSON.parse(row.source));
  } catch (e) {
    throw new StoreError({ code: 'STORE_CORRUPT', message: `delivery ${row.id} of trigger "${row.trigger_name}" has an unreadable message reference`,
      hint: 'remove the trigger and add it again, or restore a backup', cause: e });
  }
  return {
    id: row.id,
    trigger: row.trigger_name,
    messageKey: row.message_key,
    ...(row.message_id !== null ? { messageId: row.message_id } : {}),
    ...(row.subject !== null ? { subject: row.subject } : {}),
    source,
    status: (DELIVERY_STATUSES as readonly string[]).includes(row.status) ? (row.status as DeliveryStatus) : 'failed',
    attempts: row.attempts,
    ...(row.last_error !== null ? { lastError: row.last_error } : {}),
    ...(row.after_action !== null ? { afterAction: row.after_action } : {}),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    ...(row.delivered_at !== null ? { deliveredAt: row.delivered_at } : {}),
  };
}

function corruptTrigger(name: string, cause: unknown): StoreError {
  return new StoreError({ code: 'STORE_CORRUPT', message: `the stored definition of trigger "${name}" cannot be read`,
    hint: `remove it (mailbridge trigger remove ${name}) and add it again, or restore a backup`, cause });
}
