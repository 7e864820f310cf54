import { createHash } from 'node:crypto';
import pg from 'pg';
import { StoreError } from '../errors.js';
import { MIGRATIONS_TABLE, pendingMigrations } from './migrations.js';
import type { Sealer } from './seal.js';
import type { SqlDialect, SqlDriver, SqlQueries, TransactionOptions } from './sql/driver.js';
import { createSqlStore } from './sql/store.js';
import type { Store } from './store.js';

/** Options of {@link openPostgresStore}. */
export interface PostgresStoreOptions {
  /** postgres://user[:password]@host[:port]/database[?sslmode=…] */
  url: string;
  /** Seals secrets and tokens before they are written (see `createSealer`). */
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

/**
 * Advisory lock keys: one namespace (the first int) per purpose, the second from a hash of the
 * key (0 for a lock without one). These numbers are shared by every instance of a cluster, old
 * and new versions alike: never change them.
 */
const LOCK_NS: Readonly<Record<string, number>> = { migrations: 0x6d62_0001, token: 0x6d62_0002, leases: 0x6d62_0003 };

/**
 * The Store on PostgreSQL, for several identical instances sharing one database: the same
 * statements (sql/) and schema (migrations.ts) as SQLite. Where SQLite takes its write lock
 * with an IMMEDIATE transaction, this takes row locks (the dialect's FOR UPDATE) or makes the
 * statement itself atomic; cross-instance mutual exclusion (token refresh, lease acquisition,
 * migrations) uses advisory locks, which PostgreSQL drops by itself when the holder's
 * connection dies.
 *
 * @throws StoreError `STORE_OPEN_FAILED` when the server cannot be reached or the schema cannot be migrated.
 * @example
 * ```ts
 * const store = await openPostgresStore({ url: 'postgres://mb:secret@db:5432/mailbridge', sealer });
 * ```
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
  const pools = [pool, lockPool, coordPool];
  for (const p of pools) p.on('error', () => undefined); // an idle client's error surfaces on its next use
  const now = opts.now ?? Date.now;
  const closeAll = async () => {
    await Promise.all(pools.map((p) => p.end())).catch(() => undefined);
  };
  const lockTimeoutMs = opts.lockTimeoutMs ?? 60_000;
  const coordination = new PostgresDriver(coordPool, lockPool, lockTimeoutMs, closeAll);
  const db = new PostgresDriver(pool, lockPool, lockTimeoutMs, closeAll, coordination);
  try {
    await migrate(db, now);
  } catch (e) {
    await closeAll();
    throw new StoreError({
      code: 'STORE_OPEN_FAILED',
      message: `cannot open the PostgreSQL database ${redactUrl(opts.url)}: ${(e as Error).message}`,
      hint: 'check MAILBRIDGE_DATABASE_URL (host, port, user, password, database) and that the server accepts connections from here',
      cause: e,
    });
  }
  return createSqlStore({ db, sealer: opts.sealer, now });
}

/** BIGINT (oid 20) as a JS number: every BIGINT column holds ms timestamps, counts or versions. */
function getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  if (oid === 20) return (v: string) => Number(v);
  return pg.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown;
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

async function migrate(db: SqlDriver, now: () => number): Promise<void> {
  // Instances starting together must not race on CREATE TABLE: one migrates, the others wait.
  await db.transaction(
    async (tx) => {
      await tx.run(MIGRATIONS_TABLE);
      const row = await tx.get<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations');
      for (const m of pendingMigrations(row?.v ?? 0)) {
        for (const sql of m.statements) await tx.run(sql);
        await tx.run('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)', [m.version, now()]);
      }
    },
    { lock: 'migrations' },
  );
}

const POSTGRES: SqlDialect = {
  name: 'postgres',
  byteOrder: 'COLLATE "C"',
  forUpdate: 'FOR UPDATE',
  forUpdateSkipLocked: 'FOR UPDATE SKIP LOCKED',
};

/** pg behind the SqlDriver: `?` placeholders numbered once per statement text. */
class PostgresDriver implements SqlDriver {
  readonly dialect = POSTGRES;
  readonly coordination: SqlDriver;
  readonly #pool: pg.Pool;
  readonly #lockPool: pg.Pool;
  readonly #lockTimeoutMs: number;
  readonly #close: () => Promise<void>;

  constructor(
    pool: pg.Pool,
    lockPool: pg.Pool,
    lockTimeoutMs: number,
    close: () => Promise<void>,
    coordination?: SqlDriver,
  ) {
    this.#pool = pool;
    this.#lockPool = lockPool;
    this.#lockTimeoutMs = lockTimeoutMs;
    this.#close = close;
    this.coordination = coordination ?? this;
  }

  async all<R extends object>(sql: string, params?: readonly unknown[]): Promise<R[]> {
    return queries(this.#pool).all<R>(sql, params);
  }

  async get<R extends object>(sql: string, params?: readonly unknown[]): Promise<R | undefined> {
    return queries(this.#pool).get<R>(sql, params);
  }

  async run(sql: string, params?: readonly unknown[]): Promise<number> {
    return queries(this.#pool).run(sql, params);
  }

  async transaction<T>(work: (tx: SqlQueries) => Promise<T>, opts: TransactionOptions = {}): Promise<T> {
    return withTx(this.#pool, async (c) => {
      if (opts.lock !== undefined) await c.query('SELECT pg_advisory_xact_lock($1, 0)', [lockNamespace(opts.lock)]);
      return work(queries(c));
    });
  }

  async withLock<T>(scope: string, key: string, work: () => Promise<T>): Promise<T> {
    // A transaction-scoped advisory lock on a dedicated connection: held while `work` runs
    // (its queries go through the main pool), released at COMMIT/ROLLBACK, and by the server
    // if this process dies, so a crashed instance never keeps the others waiting.
    return withTx(this.#lockPool, async (c) => {
      await c.query(`SET LOCAL lock_timeout = ${Math.max(1, Math.floor(this.#lockTimeoutMs))}`);
      try {
        await c.query('SELECT pg_advisory_xact_lock($1, $2)', [lockNamespace(scope), lockKey(key)]);
      } catch (e) {
        throw new StoreError({
          code: 'STORE_LOCK_TIMEOUT',
          message: `another instance held the ${scope} lock of ${key} for over ${this.#lockTimeoutMs} ms`,
          hint: "an instance is stuck refreshing (token endpoint unreachable?); retry, or check the other instances' logs",
          cause: e,
        });
      }
      return work();
    });
  }

  async close(): Promise<void> {
    await this.#close();
  }
}

/** The three verbs over a pool or one client (a transaction's). */
function queries(q: pg.Pool | pg.PoolClient): SqlQueries {
  return {
    all: async <R extends object>(sql: string, params?: readonly unknown[]) =>
      (await q.query(numbered(sql), params as unknown[] | undefined)).rows as R[],
    get: async <R extends object>(sql: string, params?: readonly unknown[]) =>
      (await q.query(numbered(sql), params as unknown[] | undefined)).rows[0] as R | undefined,
    run: async (sql: string, params?: readonly unknown[]) =>
      (await q.query(numbered(sql), params as unknown[] | undefined)).rowCount ?? 0,
  };
}

const numberedCache = new Map<string, string>();

/** `?` → `$1`, `$2`, … outside quoted literals and identifiers ('…', "…"). */
function numbered(sql: string): string {
  let out = numberedCache.get(sql);
  if (out !== undefined) return out;
  let n = 0;
  out = sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|\?/g, (m) => (m === '?' ? `$${++n}` : m));
  if (numberedCache.size >= 1000) numberedCache.clear();
  numberedCache.set(sql, out);
  return out;
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
    await c.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw e;
  } finally {
    c.release(broken);
  }
}

/** The first int of an advisory lock: the fixed namespaces above, or one made from the name. */
function lockNamespace(scope: string): number {
  return LOCK_NS[scope] ?? lockKey(`scope:${scope}`);
}

/** A 32-bit key for an advisory lock from a name (stable across instances and versions). */
function lockKey(name: string): number {
  return createHash('sha256').update(name).digest().readInt32BE(0);
}
