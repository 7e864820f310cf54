import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, StoreError } from '../errors.js';
import { KEY_LENGTH } from './seal.js';

/** Creates the mailbridge home (0700: it holds the database and the key) if it is missing. */
export function ensureHome(home: string): void {
  try {
    mkdirSync(home, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new StoreError({ code: 'HOME_UNWRITABLE', message: `cannot create ${home}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, hint: 'set MAILBRIDGE_HOME to a folder you can write', cause: e });
  }
}

/**
 * The sealing key: MAILBRIDGE_KEY (base64 of 32 bytes) when set, so that containers and several
 * hosts can share it; otherwise `${home}/key`, created once with mode 0600.
 */
export function loadSealingKey(opts: { home: string; env: NodeJS.ProcessEnv }): Buffer {
  const fromEnv = opts.env.MAILBRIDGE_KEY;
  if (fromEnv !== undefined && fromEnv !== '') return decodeKey(fromEnv.trim(), 'MAILBRIDGE_KEY');
  ensureHome(opts.home);
  const path = join(opts.home, 'key');
  try {
    // 'wx' fails if the file exists, so two processes starting at once never overwrite a key.
    writeFileSync(path, `${randomBytes(KEY_LENGTH).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new StoreError({ code: 'KEY_FILE_UNWRITABLE', message: `cannot create the key file ${path}`, hint: 'check the permissions of MAILBRIDGE_HOME, or set MAILBRIDGE_KEY', cause: e });
    }
  }
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new StoreError({ code: 'KEY_FILE_EXPOSED', field: 'key', message: `the key file ${path} is readable by others (mode ${mode.toString(8)})`, hint: `run chmod 600 ${path}` });
  }
  return decodeKey(readFileSync(path, 'utf8').trim(), path);
}

function decodeKey(text: string, source: string): Buffer {
  const key = Buffer.from(text, 'base64');
  // Buffer.from ignores junk; re-encoding catches a value that was not base64 at all.
  const canonical = key.toString('base64').replace(/=+$/, '');
  if (key.length !== KEY_LENGTH || canonical !== text.replace(/=+$/, '')) {
    throw new ConfigError({
      code: 'KEY_INVALID',
      field: source === 'MAILBRIDGE_KEY' ? 'MAILBRIDGE_KEY' : 'key',
      message: `${source} is not the base64 of ${KEY_LENGTH} bytes (got ${key.length} bytes)`,
      hint: 'generate one with `openssl rand -base64 32`',
    });
  }
  return key;
}

/** Files holding sealed data are for the owner only; SQLite's -wal/-shm copy the db's mode. */
export function restrictFile(path: string): void {
  try {
    chmodSync(path, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
