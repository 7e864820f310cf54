import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { StoreError } from '../errors.js';
import { Secret } from '../secret.js';

const scrypt = promisify(scryptCb) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

/**
 * The service's own credentials: API keys and the console password, kept as hashes in the
 * `server_credentials` table (migration 3) of the mailbridge database. API keys carry 256
 * random bits, so one SHA-256 is enough and lookups stay cheap; the console password is a
 * person's choice, so it gets a salted scrypt hash.
 */
export interface ApiKeyInfo {
  id: string;
  label: string;
  /** The first characters of the key (`mbk_1a2b3c4d`), to tell keys apart; never enough to use one. */
  prefix: string;
  createdAt: number;
  lastUsedAt?: number;
}

export interface CredentialStore {
  /** The new key is returned once; only its hash is kept. */
  createApiKey(label: string): Promise<{ info: ApiKeyInfo; key: Secret }>;
  listApiKeys(): Promise<ApiKeyInfo[]>;
  deleteApiKey(id: string): Promise<boolean>;
  /** The key's record when `presented` is a live key (and notes its use). */
  verifyApiKey(presented: string): Promise<ApiKeyInfo | undefined>;
  hasConsolePassword(): Promise<boolean>;
  setConsolePassword(password: Secret): Promise<void>;
  verifyConsolePassword(presented: string): Promise<boolean>;
  close(): Promise<void>;
}

interface Row {
  id: string;
  kind: string;
  label: string;
  prefix: string;
  hash: string;
  created_at: number;
  last_used_at: number | null;
}

const KEY_RE = /^mbk_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$/;
export const MIN_PASSWORD_LENGTH = 10;

/**
 * Opens the credential table of a mailbridge SQLite database that openSqliteStore has already
 * migrated (the Store interface has no credential methods yet, so the service keeps its own
 * connection to the same file; WAL and busy_timeout make that safe).
 */
export function openSqliteCredentials(path: string, opts: { now?: () => number } = {}): CredentialStore {
  const now = opts.now ?? Date.now;
  let db: Database.Database;
  try {
    db = new Database(path, { fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    db.prepare('SELECT 1 FROM server_credentials LIMIT 1').get();
  } catch (e) {
    throw new StoreError({ code: 'STORE_OPEN_FAILED', message: `cannot open the service credentials in ${path}: ${(e as Error).message}`,
      hint: 'open the store first (it applies migration 3), and point the service at the same database file', cause: e });
  }
  const info = (r: Row): ApiKeyInfo => ({ id: r.id, label: r.label, prefix: r.prefix, createdAt: r.created_at, ...(r.last_used_at !== null ? { lastUsedAt: r.last_used_at } : {}) });
  return {
    async createApiKey(label) {
      const id = randomBytes(4).toString('hex');
      const key = `mbk_${id}_${randomBytes(32).toString('base64url')}`;
      const prefix = `mbk_${id}`;
      db.prepare('INSERT INTO server_credentials (id, kind, label, prefix, hash, created_at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(id, 'api_key', label, prefix, sha256(key), now());
      return { info: { id, label, prefix, createdAt: now() }, key: new Secret(key) };
    },
    async listApiKeys() {
      return (db.prepare("SELECT * FROM server_credentials WHERE kind = 'api_key' ORDER BY created_at").all() as Row[]).map(info);
    },
    async deleteApiKey(id) {
      return db.prepare("DELETE FROM server_credentials WHERE kind = 'api_key' AND id = ?").run(id).changes > 0;
    },
    async verifyApiKey(presented) {
      const m = KEY_RE.exec(presented);
      if (!m) return undefined;
      const row = db.prepare("SELECT * FROM server_credentials WHERE kind = 'api_key' AND id = ?").get(m[1]) as Row | undefined;
      if (!row || !sameHex(row.hash, sha256(presented))) return undefined;
      db.prepare('UPDATE server_credentials SET last_used_at = ? WHERE id = ?').run(now(), row.id);
      return info({ ...row, last_used_at: now() });
    },
    async hasConsolePassword() {
      return db.prepare("SELECT 1 FROM server_credentials WHERE kind = 'console_password'").get() !== undefined;
    },
    async setConsolePassword(password) {
      const value = password.reveal();
      if (value.length < MIN_PASSWORD_LENGTH) {
        throw new StoreError({ code: 'CONSOLE_PASSWORD_WEAK', field: 'password', message: `the console password must have at least ${MIN_PASSWORD_LENGTH} characters`,
          hint: 'choose a longer password (a passphrase of a few words works well)' });
      }
      const salt = randomBytes(16);
      const hash = `scrypt$${salt.toString('base64')}$${(await scrypt(value, salt, 32)).toString('base64')}`;
      db.transaction(() => {
        db.prepare("DELETE FROM server_credentials WHERE kind = 'console_password'").run();
        db.prepare('INSERT INTO server_credentials (id, kind, label, prefix, hash, created_at) VALUES (?, ?, ?, ?, ?, ?)')
          .run('console_password', 'console_password', 'console', '', hash, now());
      })();
    },
    async verifyConsolePassword(presented) {
      const row = db.prepare("SELECT hash FROM server_credentials WHERE kind = 'console_password'").get() as { hash: string } | undefined;
      const [, salt, expected] = row?.hash.split('$') ?? [];
      if (!salt || !expected) return false;
      const got = await scrypt(presented, Buffer.from(salt, 'base64'), 32);
      const want = Buffer.from(expected, 'base64');
      return got.length === want.length && timingSafeEqual(got, want);
    },
    async close() {
      db.close();
    },
  };
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
