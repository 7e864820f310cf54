import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { ensureHome, loadSealingKey } from './key.js';
import { openPostgresStore } from './postgres.js';
import { createSealer } from './seal.js';
import { openSqliteStore } from './sqlite.js';
import type { Store } from './store.js';

/** Which database MAILBRIDGE_DATABASE_URL names; nothing else in the code base asks. */
export type DatabaseTarget = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

/**
 * The one place that decides which Store to use: SQLite at `${home}/mailbridge.db` by default,
 * or what MAILBRIDGE_DATABASE_URL names: `sqlite:PATH`, or `postgres://…` / `postgresql://…`
 * for several instances sharing one PostgreSQL database. The sealing key comes from the home
 * (or MAILBRIDGE_KEY) either way: every instance of a cluster needs the same key.
 */
export async function openStore(opts: { home: string; env: NodeJS.ProcessEnv }): Promise<Store> {
  const target = databaseTarget(opts);
  ensureHome(opts.home);
  const sealer = createSealer(loadSealingKey(opts));
  return target.kind === 'postgres' ? openPostgresStore({ url: target.url, sealer }) : openSqliteStore({ path: target.path, sealer });
}

/** Which database `openStore` would use for these options: PostgreSQL when MAILBRIDGE_DATABASE_URL is set, else SQLite in the home. */
export function databaseTarget(opts: { home: string; env: NodeJS.ProcessEnv }): DatabaseTarget {
  const url = opts.env.MAILBRIDGE_DATABASE_URL?.trim();
  if (!url) return { kind: 'sqlite', path: join(opts.home, 'mailbridge.db') };
  if (/^postgres(ql)?:\/\//i.test(url)) return { kind: 'postgres', url };
  const sqlite = /^sqlite:(?:\/\/)?(.+)$/i.exec(url);
  if (sqlite?.[1]) return { kind: 'sqlite', path: sqlite[1] };
  throw new ConfigError({
    code: 'CONFIG_INVALID',
    field: 'MAILBRIDGE_DATABASE_URL',
    message: `unsupported database URL scheme in MAILBRIDGE_DATABASE_URL`,
    hint: 'use postgres://user:password@host:5432/database, sqlite:/path/to/mailbridge.db, or unset it for the default SQLite file',
  });
}
