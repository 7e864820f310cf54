import Database from 'better-sqlite3';
import pg from 'pg';
import { StoreError } from '../errors.js';
import type { DatabaseTarget } from './open.js';

/**
 * The few SQL operations a store slice needs, the same over SQLite and PostgreSQL: statements
 * are written once with `?` placeholders (numbered `$n` for PostgreSQL here). The gateway's
 * slice opens its own connection to the database the main Store migrated, so it does not reach
 * into either Store class; when the SqlStore-over-drivers refactor lands this port is what its
 * driver provides.
 */
export interface SqlPort {
  readonly dialect: 'sqlite' | 'postgres';
  all<R>(sql: string, params?: readonly unknown[]): Promise<R[]>;
  /** Runs a write; resolves with the number of rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /** Runs `work` in one transaction (SQLite: BEGIN IMMEDIATE, so the write lock is taken first). */
  tx<T>(work: (q: SqlPort) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const numbered = (sql: string): string => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
};

/** One chain per port: better-sqlite3 is one synchronous connection, so an open transaction must not interleave. */
function serial(): <T>(work: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(work: () => Promise<T>) => {
    const next = tail.then(work, work);
    tail = next.catch(() => undefined);
    return next;
  };
}

export function openSqlitePort(path: string): SqlPort {
  const db = new Database(path);
  db.pragma('busy_timeout = 10000');
  db.pragma('journal_mode = WAL');
  // FULL: a commit is on disk before the gateway answers 250, even across a power cut (NORMAL
  // would survive a killed process but may lose the last commits to a power loss).
  db.pragma('synchronous = FULL');
  const queue = serial();
  const inner = (): SqlPort => ({
    dialect: 'sqlite',
    all: async <R>(sql: string, params: readonly unknown[] = []) => db.prepare(sql).all(...params) as R[],
    run: async (sql, params = []) => db.prepare(sql).run(...params).changes,
    tx: (work) => work(inner()),
    close: async () => undefined,
  });
  const direct = inner();
  return {
    dialect: 'sqlite',
    all: (sql, params) => queue(() => direct.all(sql, params)),
    run: (sql, params) => queue(() => direct.run(sql, params)),
    tx: (work) => queue(async () => {
      db.exec('BEGIN IMMEDIATE');
      try {
        const out = await work(direct);
        db.exec('COMMIT');
        return out;
      } catch (e) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw e;
      }
    }),
    close: async () => {
      await queue(async () => db.close());
    },
  };
}

/** BIGINT (oid 20) as a JS number, as the PostgreSQL Store reads it. */
function getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
  if (oid === 20) return (v: string) => Number(v);
  return pg.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown;
}

export function openPostgresPort(url: string, max = 4): SqlPort {
  const pool = new pg.Pool({ connectionString: url, max, idleTimeoutMillis: 10_000, types: { getTypeParser } });
  pool.on('error', () => undefined); // an idle client's error surfaces on its next use
  const over = (q: pg.Pool | pg.PoolClient): Omit<SqlPort, 'tx' | 'close'> => ({
    dialect: 'postgres',
    all: async <R>(sql: string, params: readonly unknown[] = []) => (await q.query(numbered(sql), [...params])).rows as R[],
    run: async (sql, params = []) => (await q.query(numbered(sql), [...params])).rowCount ?? 0,
  });
  return {
    ...over(pool),
    async tx(work) {
      const c = await pool.connect();
      let broken = false;
      try {
        await c.query('BEGIN');
        const port: SqlPort = { ...over(c), tx: (w) => w(port), close: async () => undefined };
        const out = await work(port);
        await c.query('COMMIT');
        return out;
      } catch (e) {
        await c.query('ROLLBACK').catch(() => { broken = true; });
        throw e;
      } finally {
        c.release(broken);
      }
    },
    close: () => pool.end(),
  };
}

/** A port to the database `openStore` opened (after it applied the migrations). */
export function openSqlPort(target: DatabaseTarget): SqlPort {
  try {
    return target.kind === 'postgres' ? openPostgresPort(target.url) : openSqlitePort(target.path);
  } catch (e) {
    throw new StoreError({
      code: 'STORE_OPEN_FAILED',
      message: `cannot open the database for the gateway: ${(e as Error).message}`,
      hint: 'check MAILBRIDGE_DATABASE_URL and that the database file is writable',
      cause: e,
    });
  }
}
