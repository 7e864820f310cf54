import { recordAttempt } from '../services/attempts.js';
import type { OAuthFlow, RefreshTokenStatus, Resource } from '../config/resource.js';
import { AuthError, ConfigError, isMailbridgeError, type ErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import type { Secret } from '../secret.js';
import type { Store, TokenState, TokenStateInput } from '../store/store.js';
import { audienceServesProtocol, checkTokenFitsProtocol, decodeAccessTokenClaims } from './claims.js';
import { requireOAuth } from './client-auth.js';
import { requestClientCredentialsToken } from './client-credentials.js';
import { refreshStatusEffect, type StatusEffect } from './errors-catalogue.js';
import { refreshAccessToken } from './refresh.js';
import { analyseScope, canonicalResource, GRAPH_RESOURCE, OUTLOOK_RESOURCE, resourceAudience } from './scopes.js';
import { TokenEndpointError, type RetryPolicy, type TokenEndpointDeps, type TokenResponse, type TokenWait } from './token-endpoint.js';
import type { AccessTokenProvider } from './token-provider.js';

/** An access token for one audience, from the cache or fresh from the token endpoint. */
export interface AccessToken {
  token: Secret;
  /** ms since epoch. */
  expiresAt: number;
  audience: string;
  scope?: string;
}

/** What `mailbridge token status` shows of a resource: its refresh token status, cached tokens and warnings. */
export interface TokenStatusReport {
  resource: string;
  flow: OAuthFlow;
  status: RefreshTokenStatus;
  reason?: string;
  /** AADSTS code (or OAuth error) behind a non-Available status. */
  code?: string;
  /** The audience this resource's protocol uses. */
  audience: string;
  accessTokens: { audience: string; expiresAt: number; scope?: string }[];
  refreshTokenIssuedAt?: number;
  refreshTokenLastUsedAt?: number;
  grantedScope?: string;
  warnings: string[];
}

/** Options of {@link TokenManager}. */
export interface TokenManagerOptions {
  store: Store;
  logger?: Logger;
  /** The clock (ms since the epoch); tests pass a fake one. */
  now?: () => number;
  /** The fetch used for the token endpoint (default: the global one). */
  fetch?: typeof fetch;
  retry?: Partial<RetryPolicy>;
  /** Refresh this long before expiry so a token never dies mid-session (default 5 min). */
  refreshAheadMs?: number;
  /** A token request has been waiting a while (the CLI prints it on a TTY). */
  onWait?: (wait: TokenWait) => void;
}

/** What `token status --check` found by asking the token endpoint now. */
export interface TokenCheck {
  ok: boolean;
  /** When the check ran (ms since epoch). */
  at: number;
  /** The refusal or failure, as one line with the fix; absent when ok. */
  error?: { code: string; message: string; hint: string };
  /** A transient failure (network, 5xx, 429) says nothing about the grant: status and tokens were kept. */
  transient?: boolean;
}

/** Options of {@link TokenManager.getAccessToken}. */
export interface GetAccessTokenOptions {
  /** Skip the cache: the server just refused the cached token. */
  forceRefresh?: boolean;
  /** Another audience than the resource's protocol uses (e.g. Graph for an smtp resource's fallback). */
  audience?: string;
  /**
   * Try the token endpoint even when the status says a person must act (Expired, Revoked,
   * ConsentRequired, InvalidClient): `mailbridge token refresh` after fixing the cause.
   * Without it such a resource fails fast, so a dead grant cannot make every caller hit
   * Microsoft in a loop (AADSTS50196).
   */
  retryBlocked?: boolean;
}

const DAY_MS = 86_400_000;
/** Microsoft expires a refresh token after 90 days unused; warn well before. */
const RT_IDLE_WARN_DAYS = 75;
const SECRET_EXPIRY_WARN_DAYS = 30;

/**
 * The token manager: hands out access tokens per (resource, audience) from the store's
 * cache, refreshes ahead of expiry with exactly one request in flight per resource however
 * many callers wait, stores rotated refresh tokens with compare-and-set, and keeps the
 * refresh token status. A transient failure (network, 5xx, 429) never touches the stored
 * refresh token or its status; only a refusal of the grant itself marks it.
 * @example
 * ```ts
 * const tokens = new TokenManager({ store });
 * const { token, expiresAt } = await tokens.getAccessToken('inbox');
 * ```
 */
export class TokenManager {
  readonly store: Store;
  readonly #log: Logger | undefined;
  readonly #now: () => number;
  readonly #fetch: typeof fetch | undefined;
  readonly #retry: Partial<RetryPolicy> | undefined;
  readonly #aheadMs: number;
  readonly #onWait: ((wait: TokenWait) => void) | undefined;
  /** Callers waiting for the same (resource, audience, forced or not) share one promise. */
  readonly #inflight = new Map<string, Promise<AccessToken>>();
  /** The last completed forced refresh per key: late forceRefresh callers reuse its newer token. */
  readonly #lastForced = new Map<string, { startedSeq: number; token: AccessToken }>();
  /** One refresh-token use at a time per resource, across audiences (rotation safety). */
  readonly #resourceLocks = new Map<string, Promise<unknown>>();
  #seq = 0;

  constructor(opts: TokenManagerOptions) {
    this.store = opts.store;
    this.#log = opts.logger;
    this.#now = opts.now ?? Date.now;
    this.#fetch = opts.fetch;
    this.#retry = opts.retry;
    this.#aheadMs = opts.refreshAheadMs ?? 5 * 60_000;
    this.#onWait = opts.onWait;
  }

  /** What the grant modules need to talk to the token endpoint as this manager does. */
  endpointDeps(resourceName?: string): TokenEndpointDeps {
    return {
      now: this.#now,
      ...(this.#fetch ? { fetch: this.#fetch } : {}),
      ...(this.#log ? { logger: this.#log } : {}),
      ...(this.#retry ? { retry: this.#retry } : {}),
      ...(resourceName ? { resourceName } : {}),
      ...(this.#onWait ? { onWait: this.#onWait } : {}),
    };
  }

  /** The manager's clock (ms since the epoch). */
  now(): number {
    return this.#now();
  }

  /**
   * An access token for the resource: the cached one while it has over `refreshAheadMs` left,
   * else one refresh (one at a time per resource, across instances sharing the store) whose
   * rotated refresh token is stored before the access token is handed out.
   * @param name - the resource's name in the store
   * @throws ConfigError `RESOURCE_NOT_FOUND`, or `RESOURCE_NOT_OAUTH` when the resource does not use OAuth 2.0.
   * @throws AuthError with the `REFRESH_TOKEN_*` code of the status when a person must act (consent again…).
   * @throws TokenEndpointError when the token endpoint refuses or cannot be reached.
   * @example
   * ```ts
   * const { token } = await tokens.getAccessToken('outbox');
   * ```
   */
  async getAccessToken(name: string, opts: GetAccessTokenOptions = {}): Promise<AccessToken> {
    const askedSeq = ++this.#seq;
    const resource = await this.resource(name);
    const audience = canonicalResource(opts.audience ?? resourceAudience(resource));
    if (!opts.forceRefresh) {
      const cached = await this.#freshCached(name, audience);
      if (cached) return cached;
    }
    // Forced callers never join an unforced flight: it may hand back the very cached token
    // a server just refused. Both kinds still take turns on the resource lock.
    const key = `${name}\u0000${audience}${opts.forceRefresh ? '\u0000force' : ''}`;
    const last = this.#lastForced.get(key);
    // A forced refresh asked before the last forced refresh started is satisfied by its result.
    if (opts.forceRefresh && last && last.startedSeq > askedSeq && last.token.expiresAt > this.#now()) return last.token;
    const running = this.#inflight.get(key);
    if (running) return running;
    const startedSeq = ++this.#seq;
    // What a forced caller had before waiting: if another instance replaces it meanwhile, that
    // newer token is the answer (see #obtain), not one more refresh.
    const before = opts.forceRefresh ? this.store.getAccessToken(name, audience).then((r) => r?.token.reveal()) : Promise.resolve(undefined);
    const promise = before
      .then((had) => this.#withResourceLock(name, () => this.#obtain(resource, audience, opts, had)))
      .then((token) => {
        if (opts.forceRefresh) this.#lastForced.set(key, { startedSeq, token });
        return token;
      })
      .finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, promise);
    return promise;
  }

  /** For protocols: the resource's usual audience; `forceRefresh` once after a server refusal. */
  provider(name: string): AccessTokenProvider {
    return {
      getAccessToken: async (opts = {}) => (await this.getAccessToken(name, opts.forceRefresh ? { forceRefresh: true } : {})).token,
    };
  }

  /**
   * The OAuth 2.0 resource named `name`.
   * @throws ConfigError `RESOURCE_NOT_FOUND`, or `RESOURCE_NOT_OAUTH` when the resource does not use OAuth 2.0.
   */
  async resource(name: string): Promise<Resource> {
    const resource = await this.store.getResource(name);
    if (!resource) {
      throw new ConfigError({ code: 'RESOURCE_NOT_FOUND', message: `no resource named ${name}`,
        hint: 'list them with `mailbridge resource list`, or add one with `mailbridge resource add`' });
    }
    requireOAuth(resource);
    return resource;
  }

  async #freshCached(name: string, audience: string): Promise<AccessToken | undefined> {
    const rec = await this.store.getAccessToken(name, audience);
    if (!rec || rec.expiresAt - this.#now() <= this.#aheadMs) return undefined;
    return { token: rec.token, expiresAt: rec.expiresAt, audience, ...(rec.scope ? { scope: rec.scope } : {}) };
  }

  /**
   * One refresh-token use at a time per resource: in this process (a chain of promises), and
   * across every instance sharing the store (Store.withResourceLock: a PostgreSQL advisory
   * lock). Whoever gets the lock next re-reads the store, so it sees the token the previous
   * holder obtained and the newest rotated refresh token.
   */
  #withResourceLock<T>(name: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#resourceLocks.get(name) ?? Promise.resolve();
    const locked = () => this.store.withResourceLock(name, work);
    const run = previous.then(locked, locked);
    const tail = run.catch(() => undefined);
    this.#resourceLocks.set(name, tail);
    void tail.then(() => { if (this.#resourceLocks.get(name) === tail) this.#resourceLocks.delete(name); });
    return run;
  }

  async #obtain(resource: Resource, audience: string, opts: GetAccessTokenOptions, hadBefore?: string): Promise<AccessToken> {
    // Another caller (or another instance sharing the store) may have refreshed while we waited.
    // A forced caller takes that token only if it is not the one it had (which a server refused).
    const cached = await this.#freshCached(resource.name, audience);
    if (cached && (!opts.forceRefresh || (hadBefore !== undefined && cached.token.reveal() !== hadBefore))) return cached;
    const oauth = requireOAuth(resource);
    if (oauth.flow === 'client_credentials') return this.#appOnly(resource, audience, opts);
    const state = await this.store.getTokenState(resource.name);
    if (!state?.refreshToken) {
      throw statusError(resource.name, state && state.status !== 'Available' ? state : { status: 'Missing' });
    }
    if (state.status !== 'Available' && !opts.retryBlocked) throw statusError(resource.name, state);
    let response: TokenResponse;
    const own = audience === resourceAudience(resource);
    try {
      response = await refreshAccessToken(resource, this.store, state.refreshToken, audience, this.endpointDeps(resource.name));
    } catch (e) {
      // A refusal for another audience (e.g. Graph never consented) says nothing about the
      // grant for the resource's own protocol, so only its own audience may mark the status.
      if (own) {
        await this.#recordFailure(resource.name, state, e);
        await this.#attempt(resource.name, 'refresh', e);
      }
      throw e;
    }
    const token = await this.#recordRefresh(resource.name, state, response, audience);
    // A new refresh token in the answer replaced the old one: the history shows it as a rotation.
    if (own) await this.#attempt(resource.name, 'refresh', undefined, response.refreshToken !== undefined);
    return token;
  }

  /** Store the rotated refresh token (CAS) and cache the access token. */
  async #recordRefresh(name: string, state: TokenState, response: TokenResponse, audience: string): Promise<AccessToken> {
    const now = this.#now();
    const rotated = response.refreshToken !== undefined;
    const next: TokenStateInput = {
      ...baseState(state),
      status: 'Available',
      ...(rotated ? { refreshToken: response.refreshToken, refreshTokenIssuedAt: now } : {}),
      refreshTokenLastUsedAt: now,
    };
    const saved = await this.store.compareAndSetTokenState(name, state.version, next);
    if (!saved) {
      // Someone else wrote first (another process rotated, or a revoke/new consent). Their
      // state is newer: keep it. Our access token is still valid unless the grant was
      // forgotten or marked meanwhile, in which case we must not hand it out.
      const current = await this.store.getTokenState(name);
      if (!current?.refreshToken || current.status !== 'Available') throw statusError(name, current ?? { status: 'Missing' });
      this.#log?.info({ event: 'token_cas_lost', resource: name }, 'refresh token state changed meanwhile; kept the newer one');
    }
    return this.#cache(name, response, audience);
  }

  async #cache(name: string, response: TokenResponse, audience: string): Promise<AccessToken> {
    const token: AccessToken = {
      token: response.accessToken, expiresAt: response.expiresAt, audience,
      ...(response.scope !== undefined ? { scope: response.scope } : {}),
    };
    await this.store.putAccessToken(name, token);
    this.#log?.debug({ event: 'access_token_cached', resource: name, audience, expiresAt: token.expiresAt }, 'access token obtained');
    return token;
  }

  /** Mark the status only when Microsoft refused the grant itself; never on transient failures. */
  async #recordFailure(name: string, state: TokenState | undefined, e: unknown): Promise<StatusEffect> {
    if (!(e instanceof TokenEndpointError) || e.transient) {
      this.#log?.info({ event: 'token_refresh_transient', resource: name, code: e instanceof AuthError ? e.code : undefined },
        'token refresh failed transiently; refresh token and status kept');
      return 'unchanged';
    }
    const effect = refreshStatusEffect(e.oauthError, e.aadsts);
    e.details.statusEffect = effect;
    if (effect === 'unchanged') return effect;
    const next: TokenStateInput = {
      ...(state ? baseState(state) : {}),
      status: effect,
      statusReason: e.message,
      statusCode: e.aadsts ?? e.oauthError,
    };
    const saved = await this.store.compareAndSetTokenState(name, state?.version ?? 0, next);
    this.#log?.info({ event: 'token_status_changed', resource: name, status: effect, aadsts: e.aadsts, error: e.oauthError,
      trace_id: e.traceId, correlation_id: e.correlationId, saved: saved !== undefined }, 'refresh token status changed');
    return effect;
  }

  /** Client credentials: no refresh token; Available means a token can be had. */
  async #appOnly(resource: Resource, audience: string, opts: GetAccessTokenOptions): Promise<AccessToken> {
    const state = await this.store.getTokenState(resource.name);
    if (state?.status === 'InvalidClient' && !opts.retryBlocked) throw statusError(resource.name, state);
    let response: TokenResponse;
    try {
      response = await requestClientCredentialsToken(resource, this.store, audience, this.endpointDeps(resource.name));
    } catch (e) {
      await this.#recordFailure(resource.name, state, e);
      await this.#attempt(resource.name, 'refresh', e);
      throw e;
    }
    await this.#attempt(resource.name, 'refresh');
    if (state?.status !== 'Available') {
      await this.store.compareAndSetTokenState(resource.name, state?.version ?? 0, {
        status: 'Available', ...(response.scope ? { grantedScope: response.scope } : {}), refreshTokenLastUsedAt: this.#now(),
      });
    }
    return this.#cache(resource.name, response, audience);
  }

  /**
   * After a consent (authorization code or device code): store the refresh token as the
   * newest state, whatever was there, and cache the access token.
   */
  async recordGrant(name: string, response: TokenResponse, audience: string): Promise<AccessToken> {
    const now = this.#now();
    const next: TokenStateInput = response.refreshToken
      ? { status: 'Available', refreshToken: response.refreshToken, refreshTokenIssuedAt: now, refreshTokenLastUsedAt: now,
          ...(response.scope ? { grantedScope: response.scope } : {}) }
      : { status: 'Missing', statusReason: 'the token endpoint returned no refresh token (offline_access was not granted)',
          ...(response.scope ? { grantedScope: response.scope } : {}) };
    await this.#writeState(name, () => next);
    await this.#attempt(name, 'consent');
    return this.#cache(name, response, canonicalResource(audience));
  }

  /**
   * The last attempt with the token endpoint, kept for the console's "as of" line: transient
   * failures too (an unreachable endpoint keeps the grant, but the person should see it failed).
   */
  async #attempt(name: string, action: 'refresh' | 'consent', error?: unknown, rotated = false): Promise<void> {
    await recordAttempt({ store: this.store, logger: this.#log, now: this.#now }, name, 'token', action, error, { rotated });
  }

  /**
   * Forget the tokens locally and set the status to Missing. Microsoft offers no endpoint
   * to revoke one refresh token (only "revoke all sessions" of a user, by an admin or the
   * user in My Account / Graph revokeSignInSessions), so the grant stays valid there until
   * it expires; say so to the user.
   */
  async revoke(name: string): Promise<void> {
    await this.resource(name);
    await this.store.deleteAccessTokens(name);
    await this.#writeState(name, () => ({ status: 'Missing', statusReason: 'tokens forgotten locally by `mailbridge token revoke`' }));
    for (const key of [...this.#lastForced.keys()]) if (key.startsWith(`${name}\u0000`)) this.#lastForced.delete(key);
  }

  /** Write a state that wins over whatever is there (retries the CAS a few times). */
  async #writeState(name: string, make: (current: TokenState | undefined) => TokenStateInput): Promise<TokenState> {
    for (let i = 0; i < 5; i++) {
      const current = await this.store.getTokenState(name);
      const saved = await this.store.compareAndSetTokenState(name, current?.version ?? 0, make(current));
      if (saved) return saved;
    }
    throw new AuthError({ code: 'TOKEN_STATE_BUSY', message: `the token state of ${name} kept changing while saving`,
      hint: 'another process is writing it; retry' });
  }

  /**
   * Ask the token endpoint now (`token status --check`): the stored status is only as fresh
   * as the last refresh, and an admin's revocation shows only when the refresh token is next
   * used. A refusal of the grant marks the status as any refresh would; a transient failure
   * changes nothing, and a success stores the rotated refresh token with compare-and-set, so
   * a good grant is never lost by checking it.
   */
  async check(name: string): Promise<TokenCheck> {
    const at = this.#now();
    try {
      await this.getAccessToken(name, { forceRefresh: true, retryBlocked: true });
      return { ok: true, at };
    } catch (e) {
      if (!isMailbridgeError(e)) throw e;
      const transient = e instanceof TokenEndpointError && e.transient;
      return { ok: false, at, transient, error: { code: e.code, message: e.message, hint: e.hint } };
    }
  }

  /** The status a person reads in `mailbridge token status`, with early warnings. */
  async status(name: string): Promise<TokenStatusReport> {
    const resource = await this.resource(name);
    const oauth = requireOAuth(resource);
    const now = this.#now();
    const state = await this.store.getTokenState(name);
    const audience = resourceAudience(resource);
    const warnings: string[] = [];
    const audiences = [...new Set([audience, OUTLOOK_RESOURCE, GRAPH_RESOURCE])];
    const accessTokens: TokenStatusReport['accessTokens'] = [];
    for (const a of audiences) {
      const rec = await this.store.getAccessToken(name, a);
      if (rec) accessTokens.push({ audience: a, expiresAt: rec.expiresAt, ...(rec.scope ? { scope: rec.scope } : {}) });
    }

    if (oauth.flow !== 'client_credentials') warnings.push(...analyseScope(oauth.scope).warnings);
    const needed = resource.kind === 'graph' ? GRAPH_RESOURCE : OUTLOOK_RESOURCE;
    if (!audienceServesProtocol(audience, resource.kind) && !isNonMicrosoft(resource)) {
      warnings.push(`tokens of this resource are for ${audience}, but ${resource.kind.toUpperCase()} needs ${needed}: put a ${needed} scope first`);
    }
    const cached = await this.store.getAccessToken(name, audience);
    if (cached && cached.expiresAt > now) {
      const fit = checkTokenFitsProtocol(decodeAccessTokenClaims(cached.token), resource.kind, resource.user);
      for (const p of [...fit.problems, ...fit.warnings]) if (!warnings.some((w) => w.includes(p))) warnings.push(p);
    }
    if (state?.refreshToken && state.status === 'Available') {
      const lastUse = state.refreshTokenLastUsedAt ?? state.refreshTokenIssuedAt;
      if (lastUse !== undefined) {
        const idleDays = Math.floor((now - lastUse) / DAY_MS);
        if (idleDays > RT_IDLE_WARN_DAYS) {
          warnings.push(`the refresh token has not been used for ${idleDays} days; Microsoft expires it after 90 days unused: run \`mailbridge token refresh ${name}\``);
        }
      }
    }
    if (oauth.clientAuth === 'secret' && oauth.secretExpiresAt) {
      const at = Date.parse(oauth.secretExpiresAt);
      if (!Number.isNaN(at)) {
        const days = Math.floor((at - now) / DAY_MS);
        if (at <= now) warnings.push(`the client secret expired on ${oauth.secretExpiresAt}: create a new one in Certificates & secrets`);
        else if (days <= SECRET_EXPIRY_WARN_DAYS) warnings.push(`the client secret expires on ${oauth.secretExpiresAt} (in ${days} days): create a new one and store it before then`);
      }
    }
    const status: RefreshTokenStatus = state?.status ?? 'Missing';
    const reason = state?.statusReason
      ?? (status === 'Missing' ? (oauth.flow === 'client_credentials' ? 'no app-only token obtained yet' : 'no consent done yet') : undefined);
    return {
      resource: name, flow: oauth.flow, status,
      ...(reason ? { reason } : {}),
      ...(state?.statusCode ? { code: state.statusCode } : {}),
      audience, accessTokens,
      ...(state?.refreshTokenIssuedAt !== undefined ? { refreshTokenIssuedAt: state.refreshTokenIssuedAt } : {}),
      ...(state?.refreshTokenLastUsedAt !== undefined ? { refreshTokenLastUsedAt: state.refreshTokenLastUsedAt } : {}),
      ...(state?.grantedScope ? { grantedScope: state.grantedScope } : {}),
      warnings,
    };
  }
}

function isNonMicrosoft(resource: Resource): boolean {
  return resource.preset === 'gmail';
}

/** The fields of a state worth carrying into the next one (not version/updatedAt). */
function baseState(s: TokenState): TokenStateInput {
  return {
    status: s.status,
    ...(s.refreshToken ? { refreshToken: s.refreshToken } : {}),
    ...(s.refreshTokenIssuedAt !== undefined ? { refreshTokenIssuedAt: s.refreshTokenIssuedAt } : {}),
    ...(s.refreshTokenLastUsedAt !== undefined ? { refreshTokenLastUsedAt: s.refreshTokenLastUsedAt } : {}),
    ...(s.grantedScope ? { grantedScope: s.grantedScope } : {}),
  };
}

const STATUS_CODE: Record<RefreshTokenStatus, ErrorCode> = {
  Available: 'REFRESH_TOKEN_AVAILABLE', Missing: 'REFRESH_TOKEN_MISSING', Expired: 'REFRESH_TOKEN_EXPIRED',
  Revoked: 'REFRESH_TOKEN_REVOKED', ConsentRequired: 'REFRESH_TOKEN_CONSENT_REQUIRED', InvalidClient: 'REFRESH_TOKEN_INVALID_CLIENT',
};

const STATUS_HINT: Record<RefreshTokenStatus, (name: string) => string> = {
  Available: (n) => `run \`mailbridge token refresh ${n}\``,
  Missing: (n) => `run \`mailbridge auth ${n}\` to sign in and consent`,
  Expired: (n) => `run \`mailbridge auth ${n}\` to sign in again`,
  Revoked: (n) => `run \`mailbridge auth ${n}\` to sign in again`,
  ConsentRequired: (n) => `run \`mailbridge auth ${n}\` and complete the sign-in (consent, MFA or the admin's policy), or ask an administrator to grant consent`,
  InvalidClient: (n) => `fix the app registration or the resource's client secret/certificate, then run \`mailbridge token refresh ${n}\``,
};

/** The error for a resource whose status forbids using its refresh token. */
export function statusError(name: string, state: { status: RefreshTokenStatus; statusReason?: string; statusCode?: string }): AuthError {
  const status = state.status;
  return new AuthError({
    code: STATUS_CODE[status],
    message: `resource ${name}: refresh token status is ${status}${state.statusReason ? ` (${state.statusReason})` : ''}`,
    hint: STATUS_HINT[status](name),
    details: { status, ...(state.statusCode ? { statusCode: state.statusCode } : {}) },
  });
}
