import {
  chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeFileSync, writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
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

/** Where the sealing key came from: MAILBRIDGE_KEY or the key file's path (for messages). */
export interface SealingKey {
  key: Buffer;
  source: string;
}

export function keyFilePath(home: string): string {
  return join(home, 'key');
}

/**
 * The sealing key: MAILBRIDGE_KEY (base64 of 32 bytes) when set, so that containers and several
 * hosts can share it; otherwise `${home}/key`. Undefined when neither exists: whether a new key
 * may be made depends on the store (open.ts), so nothing is created here.
 */
export function findSealingKey(opts: { home: string; env: NodeJS.ProcessEnv }): SealingKey | undefined {
  const fromEnv = opts.env.MAILBRIDGE_KEY;
  if (fromEnv !== undefined && fromEnv !== '') return { key: decodeKey(fromEnv.trim(), 'MAILBRIDGE_KEY'), source: 'MAILBRIDGE_KEY' };
  const path = keyFilePath(opts.home);
  if (!existsSync(path)) return undefined;
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    throw new StoreError({ code: 'KEY_FILE_EXPOSED', field: 'key', message: `the key file ${path} is readable by others (mode ${mode.toString(8)})`, hint: `run chmod 600 ${path}` });
  }
  return { key: decodeKey(readFileSync(path, 'utf8').trim(), path), source: path };
}

/** Writes a new key file (0600). 'wx' fails if one exists, so two processes starting at once never overwrite a key. */
export function createKeyFile(home: string, key: Buffer): void {
  ensureHome(home);
  const path = keyFilePath(home);
  try {
    writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new StoreError({ code: code === 'EEXIST' ? 'KEY_FILE_EXISTS' : 'KEY_FILE_UNWRITABLE', message: `cannot create the key file ${path}`,
      hint: 'check the permissions of MAILBRIDGE_HOME, or set MAILBRIDGE_KEY', cause: e });
  }
}

/** Replaces a file with a key durably: a 0600 temp file, fsync, rename (then the folder fsync'd). */
export function writeKeyFileAtomically(path: string, key: Buffer): void {
  const temp = `${path}.${process.pid}.tmp`;
  const fd = openSync(temp, 'w', 0o600);
  try {
    writeSync(fd, `${key.toString('base64')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
  const dir = openSync(dirname(path), 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

/** A base64 key of KEY_LENGTH bytes, checked strictly. */
export function decodeKey(text: string, source: string): Buffer {
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
