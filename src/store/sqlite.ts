import { closeSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { StoreError } from '../errors.js';
import { restrictFile } from './key.js';
import { MIGRATIONS_TABLE, pendingMigrations } from './migrations.js';
import type { Sealer } from './seal.js';
import type { SqlDialect, SqlDriver, SqlQueries, TransactionOptions } from './sql/driver.js';
import { createSqlStore } from './sql/store.js';
import type { Store } from './store.js';

/** Options of {@link openSqliteStore}. */
export interface SqliteStoreOptions {
  /** A file path, or ':memory:' for tests. */
  path: string;
  /** Seals secrets and tokens before they are written (see `createSealer`). */
  sealer: Sealer;
  /** Clock in ms (expiry of pending consents); injectable for tests. */
  now?: () => number;
  /** How long a writer waits for another process's lock before failing (ms). */
  busyTimeoutMs?: number;
}

/**
 * The embedded Store, on one SQLite file (or in memory). WAL lets readers and one writer work at
 * once, and busy_timeout makes a second process (CLI next to the service) wait for the lock
 * instead of failing. Every transaction is IMMEDIATE, so the write lock is taken before the
 * first read and two processes cannot both pass the same check. Opening (and migrating) is
 * synchronous, like better-sqlite3.
 *
 * @throws StoreError `STORE_OPEN_FAILED` when the file cannot be opened or migrated.
 * @example
 * ```ts
 * const store = openSqliteStore({ path: ':memory:', sealer: createSealer(randomBytes(32)) });
 * ```
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
    throw new StoreError({
      code: 'STORE_OPEN_FAILED',
      message: `cannot open the database ${opts.path}: ${(e as Error).message}`,
      hint: 'check that the file is a mailbridge database and that you can write its folder',
      cause: e,
    });
  }
  if (onDisk) for (const suffix of ['-wal', '-shm']) restrictFile(`${opts.path}${suffix}`);
  return createSqlStore({ db: new SqliteDriver(db), sealer: opts.sealer, now });
}

/** Synchronous, so that opening the store stays synchronous (the PostgreSQL driver migrates the same list). */
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

const SQLITE: SqlDialect = { name: 'sqlite', byteOrder: '', forUpdate: '', forUpdateSkipLocked: '' };

/** Prepared statements kept per SQL text; the store's statements are a fixed set, this only bounds odd ones. */
const STATEMENT_CACHE_MAX = 500;

/**
 * better-sqlite3 behind the async SqlDriver. Its calls are synchronous, so a transaction's work,
 * which awaits, would let any other query of this process run inside it (and be rolled back
 * with it, or start a second BEGIN): while a transaction is open, the driver's own queries and
 * transactions wait for it to end; only its `tx` runs. Each waits with `while (open) await open`
 * and then runs without awaiting anything first, so nothing slips in between check and query.
 */
class SqliteDriver implements SqlDriver {
  readonly dialect = SQLITE;
  readonly coordination = this;
  readonly #db: Database.Database;
  readonly #statements = new Map<string, Database.Statement>();
  readonly #tx: SqlQueries;
  /** Settles when the open transaction ends; undefined when none is open. */
  #open: Promise<void> | undefined;
  readonly #locks = new Map<string, Promise<unknown>>();

  constructor(db: Database.Database) {
    this.#db = db;
    this.#tx = {
      all: async (sql, params) => this.#all(sql, params),
      get: async <R extends object>(sql: string, params?: readonly unknown[]) =>
        this.#get(sql, params) as R | undefined,
      run: async (sql, params) => this.#run(sql, params),
    };
  }

  async all<R extends object>(sql: string, params?: readonly unknown[]): Promise<R[]> {
    while (this.#open) await this.#open;
    return this.#all<R>(sql, params);
  }

  async get<R extends object>(sql: string, params?: readonly unknown[]): Promise<R | undefined> {
    while (this.#open) await this.#open;
    return this.#get(sql, params) as R | undefined;
  }

  async run(sql: string, params?: readonly unknown[]): Promise<number> {
    while (this.#open) await this.#open;
    return this.#run(sql, params);
  }

  async transaction<T>(work: (tx: SqlQueries) => Promise<T>, _opts?: TransactionOptions): Promise<T> {
    // No await between the last check and taking the slot: two callers must not both pass.
    while (this.#open) await this.#open;
    let end!: () => void;
    this.#open = new Promise((resolve) => (end = resolve));
    try {
      // IMMEDIATE: the write lock (waiting up to busy_timeout for another process) before the
      // first read, which also serialises every transaction that names a lock.
      this.#db.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(this.#tx);
        this.#db.exec('COMMIT');
        return result;
      } catch (e) {
        if (this.#db.inTransaction) this.#db.exec('ROLLBACK');
        throw e;
      }
    } finally {
      this.#open = undefined;
      end();
    }
  }

  async withLock<T>(scope: string, key: string, work: () => Promise<T>): Promise<T> {
    // A database lock cannot be held across the awaits of an HTTP request without blocking
    // every other writer (busy_timeout), so SQLite serialises within this process; other
    // processes on the same file are kept from lost updates by the store's own checks (the
    // token state's compare-and-set).
    const name = `${scope}\u0000${key}`;
    const previous = this.#locks.get(name) ?? Promise.resolve();
    const run = previous.then(work, work);
    const tail = run.catch(() => undefined);
    this.#locks.set(name, tail);
    void tail.then(() => {
      if (this.#locks.get(name) === tail) this.#locks.delete(name);
    });
    return run;
  }

  async close(): Promise<void> {
    while (this.#open) await this.#open;
    if (this.#db.open) this.#db.close();
  }

  #all<R>(sql: string, params: readonly unknown[] | undefined): R[] {
    return this.#statement(sql).all(...(params ?? [])) as R[];
  }

  #get(sql: string, params: readonly unknown[] | undefined): unknown {
    return this.#statement(sql).get(...(params ?? []));
  }

  #run(sql: string, params: readonly unknown[] | undefined): number {
    const statement = this.#statement(sql);
    // A write with RETURNING is a reader to better-sqlite3: run() still executes it.
    return statement.run(...(params ?? [])).changes;
  }

  #statement(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (!statement) {
      if (this.#statements.size >= STATEMENT_CACHE_MAX) this.#statements.clear();
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }
}
