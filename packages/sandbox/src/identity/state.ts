import { createHash, randomBytes } from 'node:crypto';
import {
  consentKeys, parsePermissionList, type Permission,
} from './resources.js';
import type { IdentitySeed, SeedApp, SeedUser } from './seed.js';

/** A directory user as the emulator keeps it. */
export interface User extends SeedUser {
  objectId: string;
  displayName: string;
  /**
   * When an admin revoked the user's sessions, and the issue sequence number then: tokens
   * with a sequence number up to it are revoked (a counter, not the clock, so a frozen test
   * clock cannot revoke tokens issued after the revocation).
   */
  revokedAtMs?: number;
  revokedUpToSeq?: number;
}

/** An app registration, with its permission strings parsed once. */
export interface App extends SeedApp {
  delegated: Permission[];
  application: Permission[];
}

/** An authorization request waiting for a person (sign-in, then consent). */
export interface PendingLogin {
  id: string;
  kind: 'authorize' | 'device';
  clientId: string;
  /** Permissions asked for (after `.default` expansion). */
  permissions: Permission[];
  oidc: Set<string>;
  forceConsent: boolean;
  loginHint?: string;
  username?: string;
  /** authorize only */
  redirectUri?: string;
  responseMode?: 'query' | 'form_post' | 'fragment';
  state?: string;
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: 'S256' | 'plain';
  endpointVersion: 'v1' | 'v2';
  /** v1 `resource` */
  resource?: string;
  /** device only */
  deviceCode?: string;
  createdMs: number;
}

export interface AuthorizationCode {
  code: string;
  clientId: string;
  username: string;
  redirectUri: string;
  permissions: Permission[];
  oidc: Set<string>;
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: 'S256' | 'plain';
  resource?: string;
  expiresMs: number;
  redeemed: boolean;
}

export interface RefreshTokenRecord {
  token: string;
  clientId: string;
  username: string;
  /** The scopes of the original request: a refresh without `scope` asks for these again. */
  permissions: Permission[];
  oidc: Set<string>;
  issuedMs: number;
  seq: number;
  revoked: boolean;
}

export interface DeviceCodeRecord {
  deviceCode: string;
  userCode: string;
  clientId: string;
  permissions: Permission[];
  oidc: Set<string>;
  endpointVersion: 'v1' | 'v2';
  resource?: string;
  expiresMs: number;
  status: 'pending' | 'approved' | 'declined' | 'redeemed';
  username?: string;
}

/** Opaque random strings, as Microsoft's codes and refresh tokens are (not JWTs). */
export function opaque(bytes = 48): string {
  return randomBytes(bytes).toString('base64url');
}

/** A stable GUID-shaped id derived from a name, so seeds without ids stay reproducible. */
export function derivedGuid(name: string): string {
  const h = createHash('sha256').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** Nine upper-case letters and digits, like Microsoft's user codes (no 0/O/1/I to avoid typos). */
function userCode(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  return Array.from(randomBytes(9), (b) => alphabet[b % alphabet.length]).join('');
}

/** Everything the emulated directory knows and everything it has issued. */
export class IdentityState {
  readonly users = new Map<string, User>();
  readonly apps = new Map<string, App>();
  /** `${username}|${clientId}` → consent keys (see consentKeys). */
  readonly consents = new Map<string, Set<string>>();
  readonly pending = new Map<string, PendingLogin>();
  readonly codes = new Map<string, AuthorizationCode>();
  readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  readonly deviceCodes = new Map<string, DeviceCodeRecord>();
  /** Access tokens we signed, by `uti`: lets introspection honour revocation to the millisecond. */
  readonly accessTokens = new Map<string, { username?: string; issuedMs: number; seq: number }>();
  #seq = 0;
  tokenRequests = 0;
  tokenRequestsByGrant: Record<string, number> = {};

  constructor(readonly seed: IdentitySeed) {
    for (const u of seed.users) this.upsertUser(u);
    for (const a of seed.apps) this.upsertApp(a);
    for (const c of seed.consents) this.grantConsent(c.username, c.clientId, parsePermissionList(c.scopes, 'delegated'));
  }

  upsertUser(u: SeedUser): User {
    const existing = this.users.get(u.username.toLowerCase());
    const user: User = {
      ...u,
      objectId: u.objectId ?? existing?.objectId ?? derivedGuid(u.username.toLowerCase()),
      displayName: u.displayName ?? u.username.split('@')[0] ?? u.username,
      ...(existing?.revokedAtMs !== undefined ? { revokedAtMs: existing.revokedAtMs } : {}),
      ...(existing?.revokedUpToSeq !== undefined ? { revokedUpToSeq: existing.revokedUpToSeq } : {}),
    };
    this.users.set(u.username.toLowerCase(), user);
    return user;
  }

  user(username: string | undefined): User | undefined {
    return username === undefined ? undefined : this.users.get(username.toLowerCase());
  }

  upsertApp(a: SeedApp): App {
    const app: App = {
      ...a,
      delegated: parsePermissionList(a.delegatedPermissions, 'delegated'),
      application: parsePermissionList(a.applicationPermissions, 'application'),
    };
    this.apps.set(a.clientId.toLowerCase(), app);
    return app;
  }

  app(clientId: string | undefined): App | undefined {
    return clientId === undefined ? undefined : this.apps.get(clientId.toLowerCase());
  }

  grantConsent(username: string, clientId: string, permissions: Permission[]): void {
    const key = `${username.toLowerCase()}|${clientId.toLowerCase()}`;
    const set = this.consents.get(key) ?? new Set<string>();
    for (const p of permissions) for (const k of consentKeys(p)) set.add(k);
    this.consents.set(key, set);
  }

  /** Remove some (or all, when `permissions` is absent) of a user's consent to an app. */
  revokeConsent(username: string, clientId: string, permissions?: Permission[]): void {
    const key = `${username.toLowerCase()}|${clientId.toLowerCase()}`;
    if (!permissions) {
      this.consents.delete(key);
      return;
    }
    const set = this.consents.get(key);
    for (const p of permissions) for (const k of consentKeys(p)) set?.delete(k);
  }

  /** Has the user (or an admin, for everyone) consented to this delegated permission? */
  hasConsent(username: string, app: App, p: Permission): boolean {
    const granted = this.consents.get(`${username.toLowerCase()}|${app.clientId.toLowerCase()}`);
    const keys = consentKeys(p);
    if (granted && keys.some((k) => granted.has(k))) return true;
    return app.adminConsentDelegated && app.delegated.some((d) => consentKeys(d).some((k) => keys.includes(k)));
  }

  /** Revoke every refresh token and session of a user (Entra "Revoke sessions"); returns how many RTs. */
  revokeUser(username: string, nowMs: number): number {
    const user = this.user(username);
    if (user) {
      user.revokedAtMs = nowMs;
      user.revokedUpToSeq = this.#seq;
    }
    let n = 0;
    for (const rt of this.refreshTokens.values()) {
      if (rt.username.toLowerCase() === username.toLowerCase() && !rt.revoked) {
        rt.revoked = true;
        n += 1;
      }
    }
    return n;
  }

  newDeviceCode(init: Omit<DeviceCodeRecord, 'deviceCode' | 'userCode' | 'status'>): DeviceCodeRecord {
    const rec: DeviceCodeRecord = { ...init, deviceCode: opaque(), userCode: userCode(), status: 'pending' };
    this.deviceCodes.set(rec.deviceCode, rec);
    return rec;
  }

  deviceCodeByUserCode(code: string): DeviceCodeRecord | undefined {
    const wanted = code.replace(/[\s-]/g, '').toUpperCase();
    for (const rec of this.deviceCodes.values()) if (rec.userCode === wanted) return rec;
    return undefined;
  }

  /** The next issue sequence number (every access and refresh token gets one). */
  nextSeq(): number {
    this.#seq += 1;
    return this.#seq;
  }

  /** Continue numbering after `seq` (state restored from disk: new tokens must not look revoked). */
  resumeSeqAfter(seq: number): void {
    this.#seq = Math.max(this.#seq, seq);
  }

  /** Was something issued with this sequence number (or, unknown, at this time) revoked since? */
  isRevoked(user: User, seq: number | undefined, issuedMs: number): boolean {
    if (user.revokedAtMs === undefined) return false;
    return seq !== undefined ? seq <= (user.revokedUpToSeq ?? 0) : issuedMs <= user.revokedAtMs;
  }

  countTokenRequest(grantType: string): void {
    this.tokenRequests += 1;
    this.tokenRequestsByGrant[grantType] = (this.tokenRequestsByGrant[grantType] ?? 0) + 1;
  }
}
