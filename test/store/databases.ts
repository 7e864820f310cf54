/**
 * The two databases the store suite runs on: a fresh SQLite file, or a fresh database in the
 * throwaway PostgreSQL cluster of scripts/pg/start.sh (MAILBRIDGE_TEST_PG_URL; scripts/test.sh
 * starts it). Each test gets its own empty database, opened the way mailbridge opens it.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { openPostgresStore } from '../../src/store/postgres.js';
import { createSealer } from '../../src/store/seal.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';

const run = promisify(execFile);

export type BackendName = 'sqlite' | 'postgres';

export interface TestDatabase {
  backend: BackendName;
  /** What MAILBRIDGE_DATABASE_URL would say: sqlite:PATH or postgres://… */
  url: string;
  open(key: Buffer, opts?: { now?: () => number }): Promise<Store>;
  /** Everything stored, as text to search: SQLite's files; PostgreSQL's tables (psql COPY) and data files. */
  dump(): Promise<string>;
  /** Raw SQL, around the store (to tamper with rows). */
  exec(sql: string): Promise<void>;
  drop(): Promise<void>;
}

/** The PostgreSQL server for the tests, or undefined when it is not running (the test then fails with how to start it). */
export function testPgUrl(): string | undefined {
  const fromEnv = process.env.MAILBRIDGE_TEST_PG_URL;
  if (fromEnv) return fromEnv;
  const file = `${process.env.PG_DIR ?? '/tmp/mbpg'}/pg.env`;
  if (!existsSync(file)) return undefined;
  return /^MAILBRIDGE_TEST_PG_URL=(.+)$/m.exec(readFileSync(file, 'utf8'))?.[1]?.trim();
}

export function requirePgUrl(): string {
  const url = testPgUrl();
  if (!url) throw new Error('PostgreSQL for the tests is not running: start it with `bash scripts/pg/start.sh` and export MAILBRIDGE_TEST_PG_URL from /tmp/mbpg/pg.env (scripts/test.sh does both)');
  return url;
}

export async function freshDatabase(backend: BackendName): Promise<TestDatabase> {
  return backend === 'sqlite' ? freshSqlite() : freshPostgres(requirePgUrl());
}

function freshSqlite(): TestDatabase {
  const path = join(mkdtempSync(join(tmpdir(), 'mb-store-')), 'mailbridge.db');
  return {
    backend: 'sqlite',
    url: `sqlite:${path}`,
    open: async (key, opts = {}) => openSqliteStore({ path, sealer: createSealer(key), ...opts }),
    async dump() {
      return [path, `${path}-wal`, `${path}-shm`].filter((f) => existsSync(f)).map((f) => readFileSync(f).toString('latin1')).join('\n');
    },
    async exec(sql) {
      const { default: Database } = await import('better-sqlite3');
      const db = new Database(path);
      try {
        db.exec(sql);
      } finally {
        db.close();
      }
    },
    async drop() { /* a temp file */ },
  };
}

async function freshPostgres(serverUrl: string): Promise<TestDatabase> {
  const name = `mbt_${randomBytes(6).toString('hex')}`;
  await admin(serverUrl, `CREATE DATABASE ${name}`);
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  return {
    backend: 'postgres',
    url,
    open: (key, opts = {}) => openPostgresStore({ url, sealer: createSealer(key), poolSize: 4, lockPoolSize: 2, ...opts }),
    async dump() {
      // Every table's rows as the server stores them (COPY through psql), then the database's
      // data files and the WAL after a checkpoint: what someone with the disk would read.
      const { stdout: tables } = await run('psql', [url, '-qtAc', "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"]);
      let out = '';
      for (const t of tables.split('\n').filter(Boolean)) out += (await run('psql', [url, '-qc', `COPY ${t} TO STDOUT`], { maxBuffer: 64 << 20 })).stdout;
      out += await pgFiles(url, name);
      return out;
    },
    async exec(sql) {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(sql);
      } finally {
        await c.end();
      }
    },
    async drop() {
      await admin(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

async function admin(serverUrl: string, sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: serverUrl });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** The raw bytes of the database's relation files (and the WAL), when this process can read them. */
async function pgFiles(url: string, dbName: string): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('CHECKPOINT');
    const dataDir = (await c.query<{ d: string }>("SELECT current_setting('data_directory') AS d")).rows[0]?.d;
    const oid = (await c.query<{ oid: number }>('SELECT oid FROM pg_database WHERE datname = $1', [dbName])).rows[0]?.oid;
    if (!dataDir || oid === undefined || !existsSync(join(dataDir, 'base', String(oid)))) return '';
    const wal = (await c.query<{ f: string }>('SELECT pg_walfile_name(pg_current_wal_lsn()) AS f')).rows[0]?.f;
    const { readdirSync } = await import('node:fs');
    const base = join(dataDir, 'base', String(oid));
    const files = [...readdirSync(base).map((f) => join(base, f)), ...(wal ? [join(dataDir, 'pg_wal', wal)] : [])];
    let out = '';
    for (const p of files) {
      try {
        out += readFileSync(p).toString('latin1');
      } catch { /* a file that vanished (vacuum) */ }
    }
    return out;
  } finally {
    await c.end();
  }
}
