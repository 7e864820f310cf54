import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { ConfigError, StoreError } from '../errors.js';

/**
 * Sealing secrets at rest with AES-256-GCM. A sealed value is base64 text of
 *   version (1 byte) | key id (8 bytes) | IV (12 bytes) | auth tag (16 bytes) | ciphertext
 * The key id (an HMAC of the key, so it reveals nothing of it) tells "this was sealed with
 * another key" apart from "these bytes were changed". The additional authenticated data binds
 * the value to its row (e.g. `secret|receive|client_secret`): a sealed value copied to another
 * row or resource fails to open.
 */
export interface Sealer {
  /** Encrypts `plaintext`, bound to `aad` (which row it belongs to); base64 text. */
  seal(plaintext: string, aad: string): string;
  /**
   * Decrypts a sealed value of the same row.
   * @throws StoreError `SEAL_WRONG_KEY` (sealed with another key) or `SEAL_TAMPERED` (changed, or moved to another row).
   */
  unseal(sealed: string, aad: string): string;
  /** The first KEY_TAG_CHARS characters of every value this key seals (version and key id). */
  readonly keyTag: string;
}

const VERSION = 1;
const KEY_ID_LEN = 8;
const IV_LEN = 12;
const TAG_LEN = 16;
const HEADER_LEN = 1 + KEY_ID_LEN + IV_LEN + TAG_LEN;
export const KEY_LENGTH = 32;
/** Version + key id are 9 bytes: exactly the first 12 base64 characters of a sealed value. */
export const KEY_TAG_CHARS = 12;

/**
 * A {@link Sealer} over a 32-byte key: AES-256-GCM with the row's identity as additional data.
 * @param key - 32 random bytes (e.g. `randomBytes(32)`, or MAILBRIDGE_KEY decoded)
 * @throws ConfigError `KEY_INVALID` when the key is not 32 bytes.
 */
export function createSealer(key: Buffer): Sealer {
  if (key.length !== KEY_LENGTH) {
    throw new ConfigError({ code: 'KEY_INVALID', field: 'MAILBRIDGE_KEY', message: `the sealing key is ${key.length} bytes, AES-256 needs ${KEY_LENGTH}`, hint: 'generate one with `openssl rand -base64 32`' });
  }
  const keyId = createHmac('sha256', key).update('mailbridge key id').digest().subarray(0, KEY_ID_LEN);
  return {
    keyTag: Buffer.concat([Buffer.from([VERSION]), keyId]).toString('base64'),
    seal(plaintext, aad) {
      const iv = randomBytes(IV_LEN);
      const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_LEN });
      cipher.setAAD(Buffer.from(aad, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return Buffer.concat([Buffer.from([VERSION]), keyId, iv, cipher.getAuthTag(), body]).toString('base64');
    },
    unseal(sealed, aad) {
      const raw = Buffer.from(sealed, 'base64');
      if (raw.length < HEADER_LEN || raw[0] !== VERSION) throw tampered(aad, 'unknown format');
      if (!raw.subarray(1, 1 + KEY_ID_LEN).equals(keyId)) {
        throw new StoreError({
          code: 'SEAL_WRONG_KEY',
          message: `a stored secret (${aad}) was sealed with a different key`,
          hint: 'the key changed: restore the MAILBRIDGE_KEY (or the key file in the mailbridge home) it was sealed with, or remove the resource and add it again',
        });
      }
      const iv = raw.subarray(1 + KEY_ID_LEN, 1 + KEY_ID_LEN + IV_LEN);
      const tag = raw.subarray(1 + KEY_ID_LEN + IV_LEN, HEADER_LEN);
      const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_LEN });
      decipher.setAAD(Buffer.from(aad, 'utf8'));
      decipher.setAuthTag(tag);
      try {
        return Buffer.concat([decipher.update(raw.subarray(HEADER_LEN)), decipher.final()]).toString('utf8');
      } catch (e) {
        throw tampered(aad, 'authentication tag mismatch', e);
      }
    },
  };
}

function tampered(aad: string, why: string, cause?: unknown): StoreError {
  return new StoreError({
    code: 'SEAL_TAMPERED',
    message: `a stored secret (${aad}) failed its integrity check (${why}): it was changed or moved`,
    hint: 'restore the database from a backup, or set the secret again (`mailbridge resource edit NAME --client-secret-stdin`, or consent again for a token)',
    ...(cause === undefined ? {} : { cause }),
  });
}
