import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { OAuthError } from './errors.js';

/**
 * Fault injection: make the emulator fail the way Microsoft does, for one user and/or app,
 * N times or until cleared, so a test can prove a client's handling of each failure.
 */
export const faultKinds = [
  'refresh_token_expired', // AADSTS700082 (refresh_token grant only)
  'refresh_token_revoked', // AADSTS50173, or AADSTS70008 with aadsts: 70008 (refresh_token grant only)
  'invalid_client_secret', // AADSTS7000215
  'client_secret_expired', // AADSTS7000222
  'consent_required', // AADSTS65001
  'mfa_required', // AADSTS50076 interaction_required with claims
  'conditional_access_blocked', // AADSTS53003
  'throttled', // HTTP 429 + Retry-After
  'server_error', // HTTP 500/503, AADSTS90033 body or plain text
  'slow', // only delays (delayMs)
] as const;

export const faultSpecSchema = z.object({
  kind: z.enum(faultKinds),
  /** Only for this user (case-insensitive); any user when absent. */
  username: z.string().optional(),
  /** Only for this app. */
  clientId: z.string().optional(),
  /** Only for this grant type (token endpoint), e.g. `refresh_token`. */
  grantType: z.string().optional(),
  /** Where it applies; the token endpoint unless told. */
  endpoint: z.enum(['token', 'devicecode', 'introspect']).default('token'),
  /** Apply N times then disappear (one transient failure: times 1). Forever when absent. */
  times: z.number().int().positive().optional(),
  /** Wait this long before answering (alone with kind `slow`, or before another fault). */
  delayMs: z.number().int().min(0).max(120_000).default(0),
  /** HTTP status for `server_error` (500 or 503, default 503) and `throttled` (default 429). */
  status: z.number().int().min(400).max(599).optional(),
  retryAfterSeconds: z.number().int().min(0).default(5),
  /** Override the AADSTS number (e.g. 70008 for `refresh_token_revoked`, 90055 for `throttled`). */
  aadsts: z.number().int().positive().optional(),
  /** `server_error`: answer a plain-text body instead of AADSTS JSON (like a failing front door). */
  plain: z.boolean().default(false),
});

export type FaultSpec = z.infer<typeof faultSpecSchema>;
export type FaultSpecInput = z.input<typeof faultSpecSchema>;
export interface Fault extends FaultSpec {
  id: string;
  /** How many times it has fired. */
  fired: number;
}

/** What a request is, for matching faults. */
export interface FaultTarget {
  endpoint: FaultSpec['endpoint'];
  username?: string;
  clientId?: string;
  grantType?: string;
}

/** A plain-text failure (no AADSTS JSON), for `server_error` with `plain`. */
export class PlainHttpFailure extends Error {
  constructor(readonly status: number, readonly text: string) {
    super(text);
  }
}

export class FaultRegistry {
  readonly #faults: Fault[] = [];

  add(spec: FaultSpecInput): Fault {
    const fault: Fault = { ...faultSpecSchema.parse(spec), id: randomUUID(), fired: 0 };
    this.#faults.push(fault);
    return fault;
  }

  list(): Fault[] {
    return this.#faults.map((f) => ({ ...f }));
  }

  remove(id: string): boolean {
    const i = this.#faults.findIndex((f) => f.id === id);
    if (i >= 0) this.#faults.splice(i, 1);
    return i >= 0;
  }

  clear(): void {
    this.#faults.length = 0;
  }

  /** The first fault matching the request, counted as fired (and dropped once spent). */
  take(target: FaultTarget): Fault | undefined {
    const fault = this.#faults.find((f) => matches(f, target));
    if (!fault) return undefined;
    fault.fired += 1;
    if (fault.times !== undefined && fault.fired >= fault.times) this.remove(fault.id);
    return fault;
  }
}

function matches(f: Fault, t: FaultTarget): boolean {
  if (f.endpoint !== t.endpoint) return false;
  if (f.username && f.username.toLowerCase() !== t.username?.toLowerCase()) return false;
  if (f.clientId && f.clientId.toLowerCase() !== t.clientId?.toLowerCase()) return false;
  if (f.grantType && f.grantType !== t.grantType) return false;
  // Refresh-token faults only make sense on a refresh.
  if ((f.kind === 'refresh_token_expired' || f.kind === 'refresh_token_revoked') && t.grantType !== 'refresh_token') return false;
  return true;
}

/** The failure a fault stands for, after its delay; undefined for `slow` (carry on normally). */
export async function applyFault(f: Fault, ctx: { clientId?: string; resource?: string }): Promise<void> {
  if (f.delayMs > 0) await new Promise((r) => setTimeout(r, f.delayMs));
  const clientId = ctx.clientId ?? '(unknown)';
  switch (f.kind) {
    case 'slow':
      return;
    case 'refresh_token_expired':
      throw new OAuthError({
        error: 'invalid_grant',
        aadsts: f.aadsts ?? 700082,
        text: 'The refresh token has expired due to inactivity. The token was issued on 2025-01-01T00:00:00.0000000Z and was inactive for 90.00:00:00.',
      });
    case 'refresh_token_revoked':
      throw (f.aadsts ?? 50173) === 70008
        ? new OAuthError({
            error: 'invalid_grant',
            aadsts: 70008,
            text: 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.',
          })
        : new OAuthError({
            error: 'invalid_grant',
            aadsts: f.aadsts ?? 50173,
            text: "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '2025-01-01T00:00:00.0000000Z' and the TokensValidFrom date (before which tokens are not valid) for this user is '2025-01-02T00:00:00.0000000Z'.",
          });
    case 'invalid_client_secret':
      throw new OAuthError({
        error: 'invalid_client',
        aadsts: f.aadsts ?? 7000215,
        text: `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`,
      });
    case 'client_secret_expired':
      throw new OAuthError({
        error: 'invalid_client',
        aadsts: f.aadsts ?? 7000222,
        text: `The provided client secret keys for app '${clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
      });
    case 'consent_required':
      throw new OAuthError({
        error: 'invalid_grant',
        suberror: 'consent_required',
        aadsts: f.aadsts ?? 65001,
        text: `The user or administrator has not consented to use the application with ID '${clientId}'. Send an interactive authorization request for this user and resource.`,
      });
    case 'mfa_required':
      throw new OAuthError({
        error: 'interaction_required',
        aadsts: f.aadsts ?? 50076,
        suberror: 'basic_action',
        text: `Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '${ctx.resource ?? '00000002-0000-0ff1-ce00-000000000000'}'.`,
        claims: JSON.stringify({ access_token: { capolids: { essential: true, values: ['6d0e6d3f-0000-4000-8000-00000000ca01'] } } }),
      });
    case 'conditional_access_blocked':
      throw new OAuthError({
        error: 'invalid_grant',
        aadsts: f.aadsts ?? 53003,
        text: 'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.',
      });
    case 'throttled':
      throw new OAuthError({
        error: 'temporarily_unavailable',
        aadsts: f.aadsts ?? 50196,
        status: f.status ?? 429,
        text: 'The server terminated an operation because it encountered a client request loop. Please contact your app vendor.',
        headers: { 'Retry-After': String(f.retryAfterSeconds) },
      });
    case 'server_error': {
      const status = f.status ?? 503;
      if (f.plain) throw new PlainHttpFailure(status, status === 503 ? 'Service Unavailable' : 'Internal Server Error');
      throw new OAuthError({
        error: status === 503 ? 'temporarily_unavailable' : 'server_error',
        aadsts: f.aadsts ?? 90033,
        status,
        text: 'A transient error has occurred. Please try again.',
        ...(status === 503 ? { headers: { 'Retry-After': String(f.retryAfterSeconds) } } : {}),
      });
    }
  }
}
