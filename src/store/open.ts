import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { ensureHome, loadSealingKey } from './key.js';
import { createSealer } from './seal.js';
import { openSqliteStore } from './sqlite.js';
import type { Store } from './store.js';

/**
 * The one place that decides which Store to use: SQLite at `${home}/mailbridge.db` by default,
 * or what MAILBRIDGE_DATABASE_URL names (`sqlite:PATH`; PostgreSQL is not in this build yet).
 */
export async function openStore(opts: { home: string; env: NodeJS.ProcessEnv }): Promise<Store> {
  const path = databasePath(opts);
  ensureHome(opts.home);
  const sealer = createSealer(loadSealingKey(opts));
  return openSqliteStore({ path, sealer });
}

function databasePath(opts: { home: string; env: NodeJS.ProcessEnv }): string {
  const url = opts.env.MAILBRIDGE_DATABASE_URL?.trim();
  if (!url) return join(opts.home, 'mailbridge.db');
  if (/^postgres(ql)?:\/\//i.test(url)) {
    throw new ConfigError({
      code: 'STORE_UNAVAILABLE',
      field: 'MAILBRIDGE_DATABASE_URL',
      message: 'PostgreSQL is not available in this build yet',
      hint: 'unset MAILBRIDGE_DATABASE_URL to use the embedded SQLite store',
    });
  }
  const sqlite = /^sqlite:(?:\/\/)?(.+)$/i.exec(url);
  if (sqlite?.[1]) return sqlite[1];
  throw new ConfigError({
    code: 'CONFIG_INVALID',
    field: 'MAILBRIDGE_DATABASE_URL',
    message: `unsupported database URL scheme in MAILBRIDGE_DATABASE_URL`,
    hint: 'use sqlite:/path/to/mailbridge.db, or unset it for the default SQLite file',
  });
}
