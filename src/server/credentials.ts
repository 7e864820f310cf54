import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { StoreError } from '../errors.js';
import { ServerError } from './errors.js';
import { Secret } from '../secret.js';
import type { CredentialRow, CredentialRowStore } from '../store/store.js';
import { API_SCOPES, LEGACY_KEY_SCOPES, type ApiScope } from './scopes.js';

const scrypt = promisify(scryptCb) as (password: string, salt: Buffer, keylen: number) => Promise<Buffer>;

/**
 * The service's own credentials: API keys and the console password, kept as hashes in the
 * `server_credentials` table (migration 3) of the mailbridge store. API keys carry 256
 * random bits, so one SHA-256 is enough and lookups stay cheap; the console password is a
 * person's choice, so it gets a salted scrypt hash.
 */
export interface ApiKeyInfo {
  id: string;
  label: string;
  /** The first characters of the key (`mbk_1a2b3c4d`), to tell keys apart; never enough to use one. */
  prefix: string;
  /** What the key may do (src/server/scopes.ts), chosen when it was created. */
  scopes: ApiScope[];
  createdAt: number;
  lastUsedAt?: number;
  /** When the key stops working (epoch ms); absent: it does not expire. */
  expiresAt?: number;
}

/** The service's API keys and console password, as salted hashes in the store. */
export interface CredentialStore {
  /** The new key is returned once; only its hash is kept. */
  createApiKey(label: string, scopes: readonly ApiScope[], opts?: { expiresAt?: number }): Promise<{ info: ApiKeyInfo; key: Secret }>;
  /** Every API key (never the key itself), oldest first. */
  listApiKeys(): Promise<ApiKeyInfo[]>;
  /** False when there is no such key. */
  deleteApiKey(id: string): Promise<boolean>;
  /**
   * The key's record when `presented` is a live key (and notes its use); undefined when it is
   * no key of this service. A key past its expiry throws ServerError 401 API_KEY_EXPIRED, so
   * its holder learns why and what to do rather than a bare "unauthorized".
   */
  verifyApiKey(presented: string): Promise<ApiKeyInfo | undefined>;
  /** Whether a console password is set. */
  hasConsolePassword(): Promise<boolean>;
  /**
   * Sets (or replaces) the console password; its scrypt hash is kept.
   * @throws StoreError `CONSOLE_PASSWORD_WEAK` when it is shorter than {@link MIN_PASSWORD_LENGTH}.
   */
  setConsolePassword(password: Secret): Promise<void>;
  /** True when `presented` is the console password. */
  verifyConsolePassword(presented: string): Promise<boolean>;
}

const KEY_RE = /^mbk_([0-9a-f]{8})_([A-Za-z0-9_-]{43})$/;
/** The shortest console password accepted. */
export const MIN_PASSWORD_LENGTH = 10;
const CONSOLE_PASSWORD_ID = 'console_password';

/** The credentials over the store: every instance on one database shares keys and password. */
export function createCredentialStore(store: CredentialRowStore, opts: { now?: () => number } = {}): CredentialStore {
  const now = opts.now ?? Date.now;
  const info = (r: CredentialRow): ApiKeyInfo => ({ id: r.id, label: r.label, prefix: r.prefix, scopes: scopesOf(r), createdAt: r.createdAt,
    ...(r.lastUsedAt !== undefined ? { lastUsedAt: r.lastUsedAt } : {}), ...(r.expiresAt !== undefined ? { expiresAt: r.expiresAt } : {}) });
  return {
    async createApiKey(label, scopes, o = {}) {
      const id = randomBytes(4).toString('hex');
      const key = `mbk_${id}_${randomBytes(32).toString('base64url')}`;
      const row: CredentialRow = { id, kind: 'api_key', label, prefix: `mbk_${id}`, hash: sha256(key), createdAt: now(),
        scopes: API_SCOPES.filter((s) => scopes.includes(s)).join(' '), ...(o.expiresAt !== undefined ? { expiresAt: o.expiresAt } : {}) };
      await store.putCredential(row);
      return { info: info(row), key: new Secret(key) };
    },
    async listApiKeys() {
      return (await store.listCredentials('api_key')).map(info);
    },
    async deleteApiKey(id) {
      const row = await store.getCredential(id);
      return row?.kind === 'api_key' ? store.deleteCredential(id) : false;
    },
    async verifyApiKey(presented) {
      const m = KEY_RE.exec(presented);
      if (!m?.[1]) return undefined;
      const row = await store.getCredential(m[1]);
      if (row?.kind !== 'api_key' || !sameHex(row.hash, sha256(presented))) return undefined;
      const at = now();
      if (row.expiresAt !== undefined && row.expiresAt <= at) {
        throw new ServerError(401, { code: 'API_KEY_EXPIRED', message: `the API key ${row.prefix} (${row.label}) expired at ${new Date(row.expiresAt).toISOString()}`,
          hint: 'create a new key in the console under API keys (or POST /api/keys) and use it instead of this one' });
      }
      await store.touchCredential(row.id, at);
      return info({ ...row, lastUsedAt: at });
    },
    async hasConsolePassword() {
      return (await store.getCredential(CONSOLE_PASSWORD_ID)) !== undefined;
    },
    async setConsolePassword(password) {
      const value = password.reveal();
      if (value.length < MIN_PASSWORD_LENGTH) {
        throw new StoreError({ code: 'CONSOLE_PASSWORD_WEAK', field: 'password', message: `the console password must have at least ${MIN_PASSWORD_LENGTH} characters`,
          hint: 'choose a longer password (a passphrase of a few words works well)' });
      }
      const salt = randomBytes(16);
      const hash = `scrypt$${salt.toString('base64')}$${(await scrypt(value, salt, 32)).toString('base64')}`;
      await store.putCredential({ id: CONSOLE_PASSWORD_ID, kind: 'console_password', label: 'console', prefix: '', hash, createdAt: now() });
    },
    async verifyConsolePassword(presented) {
      const row = await store.getCredential(CONSOLE_PASSWORD_ID);
      const [, salt, expected] = row?.hash.split('$') ?? [];
      if (!salt || !expected) return false;
      const got = await scrypt(presented, Buffer.from(salt, 'base64'), 32);
      const want = Buffer.from(expected, 'base64');
      return got.length === want.length && timingSafeEqual(got, want);
    },
  };
}

/** A row's scopes; a key from before scopes (no value) gets LEGACY_KEY_SCOPES, unknown words nothing. */
function scopesOf(r: CredentialRow): ApiScope[] {
  if (r.scopes === undefined) return [...LEGACY_KEY_SCOPES];
  const words = r.scopes.split(' ');
  return API_SCOPES.filter((s) => words.includes(s));
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}
