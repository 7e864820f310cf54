import { randomBytes } from 'node:crypto';
import { renameSync, rmSync } from 'node:fs';
import { ConfigError, StoreError } from '../errors.js';
import { decodeKey, findSealingKey, keyFilePath, writeKeyFileAtomically } from './key.js';
import { openStore } from './open.js';
import { createSealer, KEY_LENGTH } from './seal.js';

export interface RotationResult {
  /** How many sealed values were sealed again. */
  resealed: number;
  /** The key file that now holds the new key, when the key lives in a file. */
  keyFile?: string;
}

/**
 * `mailbridge key rotate`: every sealed value of the store is unsealed with the current key and
 * sealed with a new one in ONE transaction (all or nothing). With a key file, the new key is
 * written durably to `key.new` first and renamed over `key` once the transaction committed, so
 * a crash at any point leaves a key that opens the store (open.ts names the `mv` if it was
 * between the two). With MAILBRIDGE_KEY, the new key comes from the caller (stdin), who then
 * sets it on every instance. Refused while a service instance is live on the store: it would
 * go on sealing with the old key.
 */
export async function rotateSealingKey(o: {
  home: string;
  env: NodeJS.ProcessEnv;
  newKeyText?: string;
}): Promise<RotationResult> {
  const current = findSealingKey(o);
  if (!current) {
    throw new ConfigError({
      code: 'KEY_MISSING',
      message: 'there is no sealing key to rotate (MAILBRIDGE_KEY is unset and no key file exists)',
      hint: 'nothing is sealed yet: the first command that stores a secret creates the key',
    });
  }
  const fromEnv = current.source === 'MAILBRIDGE_KEY';
  if (fromEnv && o.newKeyText === undefined) {
    throw new ConfigError({
      code: 'KEY_NEW_REQUIRED',
      field: 'MAILBRIDGE_KEY',
      message: 'the key comes from MAILBRIDGE_KEY, which mailbridge cannot change',
      hint:
        'pipe a new key into `mailbridge key rotate --new-key-stdin` (e.g. from `openssl rand -base64 32`), ' +
        'then set MAILBRIDGE_KEY to it everywhere',
    });
  }
  const next = o.newKeyText !== undefined ? decodeKey(o.newKeyText.trim(), 'the new key') : randomBytes(KEY_LENGTH);
  if (next.equals(current.key)) {
    throw new ConfigError({
      code: 'KEY_UNCHANGED',
      message: 'the new key is the current key',
      hint: 'generate a new one with `openssl rand -base64 32`',
    });
  }
  const store = await openStore(o);
  try {
    const live = await store.listLiveInstances();
    if (live.length > 0) {
      throw new StoreError({
        code: 'KEY_ROTATE_BUSY',
        message: `${live.length} mailbridge service instance(s) are running on this store (${live.join(', ')})`,
        hint:
          'stop every `mailbridge serve` on this store first ' +
          '(a crashed one is forgotten once its heartbeat expires), then rotate',
      });
    }
    if (fromEnv) return { resealed: await store.resealAll(createSealer(next)) };
    const pending = `${keyFilePath(o.home)}.new`;
    writeKeyFileAtomically(pending, next);
    let resealed: number;
    try {
      resealed = await store.resealAll(createSealer(next));
    } catch (e) {
      rmSync(pending, { force: true });
      throw e;
    }
    renameSync(pending, current.source);
    return { resealed, keyFile: current.source };
  } finally {
    await store.close();
  }
}
