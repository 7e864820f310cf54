import { setTimeout as sleepMs } from 'node:timers/promises';
import { z } from 'zod';
import { aadstsCode, AuthError, ConfigError, isMailbridgeError, oauthErrorCode, type ErrorCode } from '../errors.js';
import type { Logger } from '../log.js';
import { formatBytes, READ_LIMITS, readCapped, ReadLimitExceeded } from '../limits.js';
import { netFetch } from '../net/fetch.js';
import { Secret } from '../secret.js';
import { hintForOAuthError, lookupAadsts, normaliseAadstsCode } from './errors-catalogue.js';

/**
 * The wire side of the token and device-code endpoints (RFC 6749 §3.2, §5.1, §5.2):
 * POST a form, parse Microsoft's v2 or v1 answer, keep its error fields, and retry what is
 * worth retrying (network, 5xx, 429 with Retry-After) a bounded number of times with
 * growing delays, never in a tight loop, and never longer than a total budget. What no
 * retry can fix (an untrusted certificate, a host name that does not exist) fails at once.
 */
export interface RetryPolicy {
  /** Total tries, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** A Retry-After longer than this is not waited for: the failure is reported instead. */
  maxRetryAfterMs: number;
  /** One try's time limit. */
  timeoutMs: number;
  /** All tries and the waits between them together: a silent endpoint cannot hold a command for minutes. */
  totalTimeoutMs: number;
  /** After this long without an answer, `onWait` hears about it (the CLI shows it on a TTY). */
  progressAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 8_000, maxRetryAfterMs: 60_000, timeoutMs: 30_000,
  totalTimeoutMs: 60_000, progressAfterMs: 3_000,
};

/** A token request that has been waiting a while: which host, which try. */
export interface TokenWait {
  host: string;
  attempt: number;
  maxAttempts: number;
}

/** What a token endpoint request may be given (the fetch, clock, retry policy, CA file…); all optional. */
export interface TokenEndpointDeps {
  /** The fetch used for the token endpoint (default: netFetch, through the proxy the URL calls for). */
  fetch?: typeof fetch;
  logger?: Logger;
  /** The clock (ms since the epoch); tests pass a fake one. */
  now?: () => number;
  retry?: Partial<RetryPolicy>;
  /** Named in hints (`mailbridge auth NAME`). */
  resourceName?: string;
  /** Told when a try has taken longer than `progressAfterMs`, and of every later try. */
  onWait?: (wait: TokenWait) => void;
  /** The resource's tls.caFile: trusted for the identity platform too (when no `fetch` is given). */
  caFile?: string;
  /** The resource's proxy setting (when no `fetch` is given; absent: HTTPS_PROXY / NO_PROXY decide). */
  proxy?: string;
}

/**
 * The total wait from `MAILBRIDGE_TOKEN_TIMEOUT` (seconds, default 60): a person on a slow
 * link may allow more, a script that must fail fast less.
 */
export function retryPolicyFromEnv(env: NodeJS.ProcessEnv): Partial<RetryPolicy> {
  const raw = env.MAILBRIDGE_TOKEN_TIMEOUT;
  if (raw === undefined || raw.trim() === '') return {};
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 3600) {
    throw new ConfigError({ code: 'CONFIG_INVALID', field: 'MAILBRIDGE_TOKEN_TIMEOUT',
      message: `MAILBRIDGE_TOKEN_TIMEOUT=${raw} is not a number of seconds between 1 and 3600`,
      hint: 'give the total wait for a token request in seconds, e.g. MAILBRIDGE_TOKEN_TIMEOUT=120, or unset it for 60' });
  }
  const totalTimeoutMs = Math.round(seconds * 1000);
  return { totalTimeoutMs, timeoutMs: Math.min(DEFAULT_RETRY.timeoutMs, totalTimeoutMs) };
}

/** The one line a person sees while a token request waits. */
export function describeTokenWait(w: TokenWait): string {
  return `waiting for ${w.host}, try ${w.attempt} of ${w.maxAttempts}`;
}

/** A successful token response (RFC 6749 §5.1), with every token a Secret. */
export interface TokenResponse {
  accessToken: Secret;
  tokenType: string;
  /** ms since epoch. */
  expiresAt: number;
  scope?: string;
  refreshToken?: Secret;
  idToken?: Secret;
  /** v1 responses name the resource the token is for. */
  resource?: string;
}

/** v1 sends numbers as strings; v2 as numbers. Accept both, strictly digits. */
const numeric = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]);

const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().default('Bearer'),
  expires_in: numeric.optional(),
  ext_expires_in: numeric.optional(),
  expires_on: numeric.optional(),
  not_before: numeric.optional(),
  scope: z.string().optional(),
  resource: z.string().optional(),
  refresh_token: z.string().min(1).optional(),
  id_token: z.string().min(1).optional(),
});

const errorResponseSchema = z.object({
  error: z.string().min(1),
  error_description: z.string().optional(),
  error_codes: z.array(z.number()).optional(),
  timestamp: z.string().optional(),
  trace_id: z.string().optional(),
  correlation_id: z.string().optional(),
  error_uri: z.string().optional(),
  /** Conditional Access step-up challenge, passed back on the next /authorize. */
  claims: z.string().optional(),
});
export type TokenErrorBody = z.infer<typeof errorResponseSchema>;

/** A refusal or failure of the token endpoint, with Microsoft's fields kept for support. */
export class TokenEndpointError extends AuthError {
  /** OAuth `error` (`invalid_grant`…), or `network_error` / `invalid_response` of ours. */
  readonly oauthError: string;
  readonly aadsts?: string;
  readonly traceId?: string;
  readonly correlationId?: string;
  readonly httpStatus?: number;
  /** Network, 5xx, throttling: the grant itself may be fine. */
  readonly transient: boolean;

  constructor(f: {
    oauthError: string; aadsts?: string; description?: string; traceId?: string; correlationId?: string;
    timestamp?: string; httpStatus?: number; transient: boolean; attempts?: number; retryAfterMs?: number | undefined;
    claims?: string; cause?: unknown;
    code?: ErrorCode; message?: string; hint?: string; resourceName?: string;
  }) {
    const entry = f.aadsts ? lookupAadsts(f.aadsts) : undefined;
    const summary = f.description ? firstLine(f.description) : f.oauthError;
    super({
      code: f.code ?? aadstsCode(f.aadsts) ?? oauthErrorCode(f.oauthError),
      message: (f.message ?? (entry ? `${entry.message} (Microsoft: ${f.oauthError})` : `token endpoint refused the request: ${summary}`))
        // Support (Microsoft's and the tenant admin's sign-in logs) finds a failure by these.
        + (f.traceId || f.correlationId ? ` [trace ID ${f.traceId ?? '-'}, correlation ID ${f.correlationId ?? '-'}]` : ''),
      hint: (f.hint ?? entry?.hint ?? hintForOAuthError(f.oauthError)).replaceAll('RESOURCE', f.resourceName ?? 'RESOURCE'),
      ...(f.cause === undefined ? {} : { cause: f.cause }),
      details: {
        error: f.oauthError,
        ...(f.aadsts ? { aadsts: f.aadsts } : {}),
        ...(f.traceId ? { traceId: f.traceId } : {}),
        ...(f.correlationId ? { correlationId: f.correlationId } : {}),
        ...(f.timestamp ? { timestamp: f.timestamp } : {}),
        ...(f.httpStatus ? { httpStatus: f.httpStatus } : {}),
        ...(f.attempts ? { attempts: f.attempts } : {}),
        ...(f.retryAfterMs !== undefined ? { retryAfterMs: f.retryAfterMs } : {}),
        ...(f.claims ? { claims: f.claims } : {}),
        ...(f.description ? { description: firstLine(f.description) } : {}),
      },
    });
    this.oauthError = f.oauthError;
    if (f.aadsts) this.aadsts = f.aadsts;
    if (f.traceId) this.traceId = f.traceId;
    if (f.correlationId) this.correlationId = f.correlationId;
    if (f.httpStatus) this.httpStatus = f.httpStatus;
    this.transient = f.transient;
  }
}

function firstLine(description: string): string {
  return description.split(/\r?\n/)[0]?.trim() ?? description;
}

/** Microsoft error JSON → fields; the AADSTS code from error_codes, else from the description. */
export function parseTokenError(httpStatus: number, body: unknown, resourceName?: string): TokenEndpointError {
  const parsed = errorResponseSchema.safeParse(body);
  const transientStatus = httpStatus === 429 || httpStatus >= 500;
  if (!parsed.success) {
    return new TokenEndpointError({ oauthError: 'invalid_response', httpStatus, transient: transientStatus,
      ...(resourceName ? { resourceName } : {}),
      description: `HTTP ${httpStatus} without an OAuth error body` });
  }
  const b = parsed.data;
  const fromCodes = b.error_codes?.[0];
  const aadsts = fromCodes !== undefined ? normaliseAadstsCode(fromCodes)
    : b.error_description && /^AADSTS\d+/.test(b.error_description) ? normaliseAadstsCode(b.error_description) : undefined;
  const traceId = b.trace_id ?? /Trace ID: ([\w-]+)/.exec(b.error_description ?? '')?.[1];
  const correlationId = b.correlation_id ?? /Correlation ID: ([\w-]+)/.exec(b.error_description ?? '')?.[1];
  return new TokenEndpointError({
    oauthError: b.error,
    ...(aadsts ? { aadsts } : {}),
    ...(b.error_description ? { description: b.error_description } : {}),
    ...(traceId ? { traceId } : {}),
    ...(correlationId ? { correlationId } : {}),
    ...(b.timestamp ? { timestamp: b.timestamp } : {}),
    ...(b.claims ? { claims: b.claims } : {}),
    httpStatus,
    ...(resourceName ? { resourceName } : {}),
    transient: transientStatus || b.error === 'temporarily_unavailable',
  });
}

/** RFC 6749 §5.1 success (v2 numbers, or v1 strings with expires_on) → TokenResponse. */
export function parseTokenResponse(body: unknown, now: number): TokenResponse {
  const parsed = tokenResponseSchema.safeParse(body);
  if (!parsed.success) {
    throw new AuthError({
      code: 'TOKEN_RESPONSE_INVALID',
      message: `the token endpoint answered 200 without a usable token (${parsed.error.issues[0]?.path.join('.') ?? 'body'}: ${parsed.error.issues[0]?.message ?? 'invalid'})`,
      hint: 'check that the token URL points at the identity platform (…/oauth2/v2.0/token)',
    });
  }
  const b = parsed.data;
  // v1 gives an absolute expires_on; prefer it. Without either, assume Microsoft's usual
  // hour rather than "never", so we refresh instead of using a dead token.
  const expiresAt = b.expires_on !== undefined ? b.expires_on * 1000 : now + (b.expires_in ?? 3600) * 1000;
  return {
    accessToken: new Secret(b.access_token),
    tokenType: b.token_type,
    expiresAt,
    ...(b.scope !== undefined ? { scope: b.scope } : {}),
    ...(b.resource !== undefined ? { resource: b.resource } : {}),
    ...(b.refresh_token ? { refreshToken: new Secret(b.refresh_token) } : {}),
    ...(b.id_token ? { idToken: new Secret(b.id_token) } : {}),
  };
}

/** Delay before try `attempt + 1`: exponential with jitter, or what Retry-After asks. */
function backoffMs(policy: RetryPolicy, attempt: number): number {
  const exp = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(exp / 2 + Math.random() * (exp / 2));
}

function retryAfterMs(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * POST an x-www-form-urlencoded body and return the JSON of a 2xx answer. Errors come back
 * as TokenEndpointError; transient ones only after the retries are spent.
 */
export async function postForm(url: string, params: Record<string, string>, deps: TokenEndpointDeps = {}): Promise<unknown> {
  const policy = { ...DEFAULT_RETRY, ...deps.retry };
  const doFetch = deps.fetch ?? netFetch({ ...(deps.caFile ? { caFile: deps.caFile } : {}), ...(deps.proxy ? { proxy: deps.proxy } : {}) });
  const now = deps.now ?? Date.now;
  const log = deps.logger;
  const endpoint = url.split('?')[0] ?? url;
  const host = new URL(url).host;
  // Real elapsed time, not the injectable clock: the budget is about a person waiting.
  const started = performance.now();
  const elapsed = (): number => performance.now() - started;
  let last: TokenEndpointError | undefined;
  let attempt = 0;
  let retryAfter: number | undefined;
  while (attempt < policy.maxAttempts) {
    const budget = policy.totalTimeoutMs - elapsed();
    if (budget <= 0) break;
    attempt++;
    let wait: number | undefined;
    const waiting = { host, attempt, maxAttempts: policy.maxAttempts };
    const progress = deps.onWait
      ? setTimeout(() => deps.onWait?.(waiting), Math.max(0, policy.progressAfterMs - elapsed()))
      : undefined;
    try {
      log?.debug({ event: 'oauth_request', endpoint, grant_type: params.grant_type, attempt }, 'token endpoint request');
      const res = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams(params).toString(),
        signal: AbortSignal.timeout(Math.max(1, Math.floor(Math.min(policy.timeoutMs, budget)))),
      });
      const text = await readTokenAnswer(res);
      let json: unknown;
      try { json = text.length > 0 ? JSON.parse(text) : undefined; } catch { json = undefined; }
      if (res.ok) {
        if (json === undefined) {
          throw new AuthError({ code: 'TOKEN_RESPONSE_INVALID', message: `the token endpoint answered HTTP ${res.status} without JSON`,
            hint: 'check that the token URL points at the identity platform (…/oauth2/v2.0/token)' });
        }
        return json;
      }
      last = parseTokenError(res.status, json, deps.resourceName);
      const quiet = last.oauthError === 'authorization_pending' || last.oauthError === 'slow_down';
      // info, not warn: the caller gets the error with these ids; the CLI prints it as one line.
      log?.[quiet ? 'debug' : 'info']({ event: 'oauth_error', endpoint, attempt, httpStatus: res.status, error: last.oauthError,
        aadsts: last.aadsts, trace_id: last.traceId, correlation_id: last.correlationId }, 'token endpoint error');
      if (!last.transient) throw last;
      wait = retryAfterMs(res.headers.get('retry-after'), now());
      retryAfter = wait;
    } catch (e) {
      // Our own verdicts (a proxy that refuses, an unreadable CA file) are final, not a network blip.
      if (e instanceof AuthError || isMailbridgeError(e)) throw e;
      // fetch failed (DNS, refused, reset, timeout, TLS): the endpoint said nothing about the grant.
      const permanent = permanentNetworkFailure(e, host);
      log?.info({ event: 'oauth_network_error', endpoint, attempt, reason: describeNetworkError(e), permanent: permanent !== undefined },
        'token endpoint unreachable');
      if (permanent) throw new TokenEndpointError({ oauthError: 'network_error', transient: false, cause: e, attempts: attempt, ...permanent });
      last = new TokenEndpointError({ oauthError: 'network_error', transient: true, cause: e,
        code: 'TOKEN_ENDPOINT_UNREACHABLE', message: `cannot reach the token endpoint ${endpoint}: ${describeNetworkError(e)}`,
        hint: 'check the network and the token URL; the stored refresh token was kept' });
    } finally {
      clearTimeout(progress);
    }
    if (attempt === policy.maxAttempts) break;
    if (wait !== undefined && wait > policy.maxRetryAfterMs) break;
    const pause = Math.max(wait ?? 0, backoffMs(policy, attempt));
    if (elapsed() + pause >= policy.totalTimeoutMs) break;
    await sleepMs(pause);
  }
  throw exhausted(last, attempt, { retryAfterMs: retryAfter, policy, now: now() });
}

const TLS_FAILURE = /^(CERT_|UNABLE_TO_|SELF_SIGNED|DEPTH_ZERO|ERR_TLS_|ERR_SSL_|ERR_CERT)/;

/**
 * Failures no retry can fix: the certificate is not trusted (or not for this host), or the
 * host name does not exist (ENOTFOUND). EAI_AGAIN ("try again") stays transient: it is the
 * resolver being unreachable, which passes.
 */
function permanentNetworkFailure(e: unknown, host: string): { code: ErrorCode; message: string; hint: string } | undefined {
  const code = causeCode(e);
  if (code && TLS_FAILURE.test(code)) {
    const wrongName = code === 'ERR_TLS_CERT_ALTNAME_INVALID';
    return {
      code: 'TOKEN_ENDPOINT_TLS_FAILED',
      message: `the TLS certificate of the token endpoint ${host} is ${wrongName ? 'for another host name' : 'not trusted'} (${code})`,
      hint: wrongName
        ? 'use the host name the certificate names in the token URL (--authority, --cloud)'
        : 'for a private or test identity endpoint, trust its CA: NODE_EXTRA_CA_CERTS=/path/ca.pem mailbridge … '
          + '(the sandbox\'s CA: `mailbridge sandbox export-ca ca.pem`); otherwise a TLS-inspecting proxy is in the way',
    };
  }
  if (code === 'ENOTFOUND' || code === 'EAI_NONAME') {
    return {
      code: 'TOKEN_ENDPOINT_HOST_NOT_FOUND',
      message: `the host name of the token endpoint ${host} does not resolve (${code})`,
      hint: 'check the token URL for typos (--authority, --cloud, --token-url) and that DNS works here',
    };
  }
  return undefined;
}

/** undici wraps the socket error: `TypeError: fetch failed` with the errno or TLS code on `cause`. */
function causeCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let depth = 0; depth < 4 && cur instanceof Error; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && code.length > 0) return code;
    cur = cur.cause;
  }
  return undefined;
}

function exhausted(
  last: TokenEndpointError | undefined, attempts: number, o: { retryAfterMs: number | undefined; policy: RetryPolicy; now: number },
): TokenEndpointError {
  const tries = `${attempts} ${attempts === 1 ? 'try' : 'tries'}`;
  const budget = `MAILBRIDGE_TOKEN_TIMEOUT (now ${Math.round(o.policy.totalTimeoutMs / 1000)} s)`;
  if (last === undefined || last.oauthError === 'network_error') {
    return new TokenEndpointError({ oauthError: 'network_error', transient: true, attempts, cause: last?.cause,
      code: 'TOKEN_ENDPOINT_UNREACHABLE', message: `${last?.message ?? 'the token endpoint did not answer'} (after ${tries})`,
      hint: `${last?.hint ?? 'check the network and the token URL; the stored refresh token was kept'}; a slow endpoint may need a longer wait: ${budget}` });
  }
  const throttled = last.httpStatus === 429;
  const asked = o.retryAfterMs;
  const askedLong = asked !== undefined && asked > o.policy.maxRetryAfterMs;
  const at = asked !== undefined ? new Date(o.now + asked).toISOString().replace(/\.\d{3}Z$/, 'Z') : undefined;
  const wait = asked !== undefined ? `: Microsoft asked to wait ${formatSeconds(asked)} (Retry-After)` : '';
  return new TokenEndpointError({
    oauthError: last.oauthError, transient: true, attempts, retryAfterMs: asked,
    ...(last.aadsts ? { aadsts: last.aadsts } : {}),
    ...(last.traceId ? { traceId: last.traceId } : {}),
    ...(last.correlationId ? { correlationId: last.correlationId } : {}),
    ...(last.httpStatus ? { httpStatus: last.httpStatus } : {}),
    code: throttled ? 'TOKEN_ENDPOINT_THROTTLED' : 'TOKEN_ENDPOINT_UNAVAILABLE',
    message: throttled
      ? `the token endpoint is throttling requests (HTTP 429, ${tries})${wait}`
      : `the token endpoint is failing (HTTP ${last.httpStatus ?? '?'}, ${tries})${wait}`,
    hint: (askedLong
      ? `mailbridge waits up to ${formatSeconds(o.policy.maxRetryAfterMs)} by itself, so it stopped: run the command again after ${at}`
      : at ? `run the command again after ${at}` : 'retry in a few minutes')
      + '; the stored refresh token was kept and its status is unchanged (triggers retry by themselves)',
  });
}

function formatSeconds(ms: number): string {
  const s = Math.ceil(ms / 1000);
  return s >= 120 ? `${s} s (${Math.round(s / 60)} min)` : `${s} s`;
}

function describeNetworkError(e: unknown): string {
  if (e instanceof Error) {
    const cause = e.cause instanceof Error ? `: ${e.cause.message}` : '';
    return `${e.name === 'TimeoutError' ? 'timed out' : e.message}${cause}`;
  }
  return String(e);
}

/** The answer's text, at most READ_LIMITS.tokenResponseBytes: a token endpoint never needs more. */
async function readTokenAnswer(res: Response): Promise<string> {
  if (!res.body) return '';
  try {
    const length = res.headers.get('content-length');
    const body = await readCapped(res.body, READ_LIMITS.tokenResponseBytes, 'the token endpoint answer', length);
    return body.toString('utf8');
  } catch (e) {
    if (!(e instanceof ReadLimitExceeded)) throw e;
    throw new AuthError({
      code: 'TOKEN_RESPONSE_TOO_LARGE',
      message: `the token endpoint answered HTTP ${res.status} with more than ${formatBytes(e.limit)}; reading stopped`,
      hint: 'check that the token URL points at the identity platform (…/oauth2/v2.0/token); '
        + 'the stored refresh token was kept',
    });
  }
}

/** POST to the token endpoint and parse the tokens. */
export async function requestToken(url: string, params: Record<string, string>, deps: TokenEndpointDeps = {}): Promise<TokenResponse> {
  const json = await postForm(url, params, deps);
  return parseTokenResponse(json, (deps.now ?? Date.now)());
}

/**
 * Microsoft's v1 endpoints are `/{tenant}/oauth2/authorize|token|devicecode` without `/v2.0/`
 * (microsoft.md 1.5): they take `resource`, not `scope`. Other providers' URLs never match.
 */
export function isV1Endpoint(url: string): boolean {
  return /\/oauth2\/(authorize|token|devicecode)\/?$/.test(new URL(url).pathname);
}
