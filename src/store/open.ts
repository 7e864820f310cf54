import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, StoreError } from '../errors.js';
import { createKeyFile, ensureHome, findSealingKey, keyFilePath } from './key.js';
import { openPostgresStore } from './postgres.js';
import { createSealer, KEY_LENGTH, type Sealer } from './seal.js';
import { openSqliteStore } from './sqlite.js';
import type { Store } from './store.js';

/** Which database MAILBRIDGE_DATABASE_URL names; nothing else in the code base asks. */
export type DatabaseTarget = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

/**
 * The one place that decides which Store to use: SQLite at `${home}/mailbridge.db` by default,
 * or what MAILBRIDGE_DATABASE_URL names: `sqlite:PATH`, or `postgres://…` / `postgresql://…`
 * for several instances sharing one PostgreSQL database. The sealing key comes from the home
 * (or MAILBRIDGE_KEY) either way: every instance of a cluster needs the same key.
 *
 * It refuses to open a store whose sealed values were sealed with another key, or when no key
 * is found while sealed values exist: a key made up then would seal new secrets with the wrong
 * key next to ones nobody can open any more. A new key file is made only for a store with no
 * sealed value.
 * @param opts - `home`: the mailbridge home (key file, default SQLite file); `env`: MAILBRIDGE_DATABASE_URL, MAILBRIDGE_KEY
 * @throws StoreError `KEY_MISSING` or `KEY_MISMATCH` (sealed values but no key, or another key),
 * `STORE_OPEN_FAILED` (the database cannot be opened or migrated), `HOME_UNWRITABLE`, `KEY_FILE_EXPOSED`.
 * @throws ConfigError `CONFIG_INVALID` (an unsupported MAILBRIDGE_DATABASE_URL) or `KEY_INVALID`.
 * @example
 * ```ts
 * const store = await openStore({ home: '/var/lib/mailbridge', env: process.env });
 * try {
 *   console.log((await store.listResources()).map((r) => r.name));
 * } finally {
 *   await store.close();
 * }
 * ```
 */
export async function openStore(opts: { home: string; env: NodeJS.ProcessEnv }): Promise<Store> {
  const target = databaseTarget(opts);
  ensureHome(opts.home);
  const found = findSealingKey(opts);
  const key = found?.key ?? randomBytes(KEY_LENGTH);
  const sealer = createSealer(key);
  const store = target.kind === 'postgres' ? await openPostgresStore({ url: target.url, sealer }) : openSqliteStore({ path: target.path, sealer });
  try {
    await checkSealingKey(store, sealer, found?.source, opts.home);
    if (!found) createKeyFile(opts.home, key);
  } catch (e) {
    await store.close();
    // Another process made the key file meanwhile: open again with its key.
    if (e instanceof StoreError && e.code === 'KEY_FILE_EXISTS') return openStore(opts);
    throw e;
  }
  return store;
}

async function checkSealingKey(store: Store, sealer: Sealer, source: string | undefined, home: string): Promise<void> {
  const others = (await store.sealedKeyTags()).filter((t) => t !== sealer.keyTag);
  if (others.length === 0) return;
  if (source === undefined) {
    throw new StoreError({
      code: 'KEY_MISSING',
      message: `the store holds sealed secrets and tokens but no sealing key was found (MAILBRIDGE_KEY is unset and ${keyFilePath(home)} does not exist)`,
      hint: `restore the key file ${keyFilePath(home)} (mode 0600) or set MAILBRIDGE_KEY to the key they were sealed with`,
    });
  }
  const pending = `${keyFilePath(home)}.new`;
  // `mailbridge key rotate` commits the re-sealed store, then renames key.new to key: a crash between leaves both.
  const hint = source !== 'MAILBRIDGE_KEY' && existsSync(pending)
    ? `a \`mailbridge key rotate\` was interrupted after re-sealing: run \`mv ${pending} ${source}\``
    : `set ${source === 'MAILBRIDGE_KEY' ? 'MAILBRIDGE_KEY' : `the key file ${source}`} back to the key they were sealed with (every instance on one database needs the same key)`;
  throw new StoreError({
    code: 'KEY_MISMATCH',
    message: `the store's secrets and tokens were sealed with another key than ${source}`,
    hint,
  });
}

/**
 * Which database `openStore` would use for these options: PostgreSQL when MAILBRIDGE_DATABASE_URL is set, else SQLite in the home.
 * @throws ConfigError `CONFIG_INVALID` when MAILBRIDGE_DATABASE_URL has a scheme other than postgres(ql): or sqlite:.
 */
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
