import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { Secret } from '../secret.js';

/**
 * Gateway passwords, hashed with scrypt (node:crypto; RFC 7914). Kept apart from the token
 * store on purpose: a wrong local password must never touch the upstream tokens (the
 * email-oauth2-proxy pitfall where the password was the key and a typo wiped them).
 * Format: `scrypt$N$r$p$salt$hash` (base64), so the cost can be raised later without a migration.
 */

const COST = { N: 16384, r: 8, p: 1 } as const;
const KEY_BYTES = 32;

function scrypt(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password, salt, keylen, opts, (e, key) => (e ? reject(e) : resolve(key))),
  );
}

export async function hashPassword(password: Secret): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password.reveal(), salt, KEY_BYTES, { ...COST, maxmem: 64 * 1024 * 1024 });
  return `scrypt$${COST.N}$${COST.r}$${COST.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/**
 * Successful checks are remembered for a few minutes by a keyed digest, so a device that opens a
 * session per message does not pay scrypt's cost (tens of ms of CPU) each time. A changed hash
 * (reset password) never matches an old entry; a wrong password always goes through scrypt.
 */
const recent = new Map<string, number>();
const RECENT_MS = 5 * 60_000;
const RECENT_MAX = 10_000;
const processKey = randomBytes(32);

function recentKey(stored: string, password: string): string {
  return createHash('sha256').update(processKey).update(stored).update('\0').update(password).digest('base64');
}

export async function verifyPassword(password: Secret, stored: string): Promise<boolean> {
  const key = recentKey(stored, password.reveal());
  const seen = recent.get(key);
  if (seen !== undefined && Date.now() - seen < RECENT_MS) return true;
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  const salt = Buffer.from(parts[4] ?? '', 'base64');
  const expected = Buffer.from(parts[5] ?? '', 'base64');
  if (!N || !r || !p || expected.length === 0) return false;
  const got = await scrypt(password.reveal(), salt, expected.length, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 });
  const ok = timingSafeEqual(got, expected);
  if (ok) {
    if (recent.size >= RECENT_MAX) recent.clear();
    recent.set(key, Date.now());
  }
  return ok;
}

/** A password for a new device: 24 random characters from a set every keypad and config file takes. */
export function generatePassword(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789';
  const bytes = randomBytes(24);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}
