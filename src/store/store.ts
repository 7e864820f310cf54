import type { Resource, RefreshTokenStatus } from '../config/resource.js';
import type { Secret } from '../secret.js';

/**
 * The one persistence interface. SQLite (embedded default) and PostgreSQL implement it;
 * which one is used is decided once, by configuration (store/open.ts). Every method is
 * async so both fit. Implementations seal every Secret with AES-256-GCM before it touches
 * disk and unseal it on read; callers only ever see Secret objects.
 */
export interface Store {
  // --- resources (non-secret settings) ---
  putResource(resource: Resource): Promise<void>;
  getResource(name: string): Promise<Resource | undefined>;
  listResources(): Promise<Resource[]>;
  /** Removes the resource with its secrets, tokens and pending consents. */
  deleteResource(name: string): Promise<boolean>;

  // --- secrets of a resource (client secret, basic password, certificate key passphrase) ---
  putSecret(resource: string, kind: SecretKind, value: Secret): Promise<void>;
  getSecret(resource: string, kind: SecretKind): Promise<Secret | undefined>;

  // --- the refresh token and its status, one per resource ---
  getTokenState(resource: string): Promise<TokenState | undefined>;
  /**
   * Atomically replace the token state if its version is still `expectedVersion`
   * (optimistic concurrency: a rotated refresh token is never overwritten by an older one).
   * Returns the stored state with its new version, or undefined if the version moved on.
   */
  compareAndSetTokenState(resource: string, expectedVersion: number, next: TokenStateInput): Promise<TokenState | undefined>;

  // --- cached access tokens, one per (resource, audience) ---
  getAccessToken(resource: string, audience: string): Promise<AccessTokenRecord | undefined>;
  putAccessToken(resource: string, record: AccessTokenRecord): Promise<void>;
  deleteAccessTokens(resource: string): Promise<void>;

  // --- consents in flight: state → PKCE verifier, taken exactly once ---
  putPendingConsent(p: PendingConsent): Promise<void>;
  /** Returns and deletes the pending consent for this state; undefined if unknown or used. */
  takePendingConsent(state: string): Promise<PendingConsent | undefined>;

  close(): Promise<void>;
}

export type SecretKind = 'client_secret' | 'password';

export interface TokenState {
  refreshToken?: Secret;
  status: RefreshTokenStatus;
  /** Why the status is what it is (AADSTS code and Microsoft's text, never a token). */
  statusReason?: string;
  statusCode?: string;
  /** When the current refresh token was issued (ms since epoch). */
  refreshTokenIssuedAt?: number;
  /** Last time a refresh with it succeeded (ms since epoch): drives the 90-day warning. */
  refreshTokenLastUsedAt?: number;
  /** Scopes granted at consent, as the token endpoint reported them. */
  grantedScope?: string;
  /** Bumped on every write; starts at 1. 0 means "no row yet" for compareAndSet. */
  version: number;
  updatedAt: number;
}
export type TokenStateInput = Omit<TokenState, 'version' | 'updatedAt'>;

export interface AccessTokenRecord {
  audience: string;
  token: Secret;
  /** ms since epoch. */
  expiresAt: number;
  scope?: string;
}

export interface PendingConsent {
  state: string;
  resource: string;
  codeVerifier?: Secret;
  redirectUri: string;
  createdAt: number;
  /** ms since epoch; expired consents are refused like unknown ones. */
  expiresAt: number;
}
