/**
 * What the one SQL store (sql/store.ts) needs from a database: four verbs and a lock. SQLite
 * (better-sqlite3, synchronous) and PostgreSQL (pg, asynchronous) each implement it once
 * (store/sqlite.ts, store/postgres.ts); every statement of the store is written once above it.
 *
 * Statements use `?` placeholders, in order; the PostgreSQL driver numbers them ($1, $2, …).
 * A `?` inside a quoted literal is left alone, so no statement needs to care.
 */
export interface SqlQueries {
  /** Every row the statement returns (SELECT, or a write with RETURNING). */
  all<R extends object>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** The first row, or undefined. */
  get<R extends object>(sql: string, params?: readonly unknown[]): Promise<R | undefined>;
  /** A statement that returns no rows; how many rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

export interface TransactionOptions {
  /**
   * Serialises this transaction with every other one that names the same lock, across
   * processes and instances. PostgreSQL takes a transaction-scoped advisory lock; SQLite's
   * transactions are IMMEDIATE (one writer at a time on the file), which already serialises them.
   */
  lock?: string;
}

export interface SqlDriver extends SqlQueries {
  readonly dialect: SqlDialect;
  /**
   * Runs `work` in one transaction: committed when it resolves, rolled back when it throws.
   * Inside, use only `tx` (not the driver): on SQLite the driver's own queries wait until the
   * transaction ends, so a query through it from inside would wait forever.
   */
  transaction<T>(work: (tx: SqlQueries) => Promise<T>, opts?: TransactionOptions): Promise<T>;
  /**
   * Runs `work` while holding the lock `scope`/`key`: at most one holder at a time among every
   * user of the database (PostgreSQL: an advisory lock on a connection of its own, dropped by the
   * server if this process dies; SQLite, the single-host store: within this process). Work done
   * inside uses the store as usual.
   */
  withLock<T>(scope: string, key: string, work: () => Promise<T>): Promise<T>;
  /**
   * The queries of heartbeats and leases. PostgreSQL gives them connections of their own, so that
   * a burst of mail work cannot delay a lease renewal past its expiry; SQLite returns itself.
   */
  readonly coordination: SqlDriver;
  close(): Promise<void>;
}

/** The few places where the two databases' SQL truly differs, as fragments to splice in. */
export interface SqlDialect {
  readonly name: 'sqlite' | 'postgres';
  /**
   * After ORDER BY on text: byte order. SQLite's default collation (BINARY) is byte order;
   * PostgreSQL's default follows the database locale, so it needs `COLLATE "C"`.
   */
  readonly byteOrder: string;
  /**
   * Appended to a SELECT whose rows the transaction will write: PostgreSQL's row lock. SQLite has
   * no row locks (and no such clause): its IMMEDIATE transaction already holds the write lock.
   */
  readonly forUpdate: string;
  /** FOR UPDATE that skips rows another transaction is writing (PostgreSQL); nothing on SQLite. */
  readonly forUpdateSkipLocked: string;
}

/** `(?, ?, ?)` for `n` values: an IN list or one VALUES row. */
export function placeholders(n: number): string {
  return `(${Array.from({ length: n }, () => '?').join(', ')})`;
}

/**
 * Splits a list so one statement never binds more than `size` of it: both databases cap the
 * number of parameters of a statement (SQLite 32766, PostgreSQL 65535).
 */
export function chunks<T>(list: readonly T[], size = 500): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}
