import { randomUUID } from 'node:crypto';

/**
 * Microsoft's error JSON for the authorize/token/devicecode endpoints, byte for byte in shape:
 * clients (MSAL, ours) parse `error`, `error_codes` and `suberror`, and people read the
 * `error_description` with its `\r\n`-separated Trace ID / Correlation ID / Timestamp trailer.
 */
export interface AadErrorBody {
  error: string;
  error_description: string;
  error_codes: number[];
  timestamp: string;
  trace_id: string;
  correlation_id: string;
  error_uri: string;
  suberror?: string;
  claims?: string;
}

/** Thrown by endpoint code; the server turns it into the HTTP answer. */
export class OAuthError extends Error {
  readonly status: number;
  readonly error: string;
  readonly aadsts: number;
  readonly text: string;
  readonly suberror?: string;
  readonly claims?: string;
  readonly headers: Record<string, string>;

  constructor(d: {
    error: string;
    aadsts: number;
    text: string;
    /** 400 unless told; `invalid_client` defaults to 401 as the real service answers. */
    status?: number;
    suberror?: string;
    claims?: string;
    headers?: Record<string, string>;
  }) {
    super(`AADSTS${d.aadsts}: ${d.text}`);
    this.error = d.error;
    this.aadsts = d.aadsts;
    this.text = d.text;
    this.status = d.status ?? (d.error === 'invalid_client' ? 401 : 400);
    if (d.suberror !== undefined) this.suberror = d.suberror;
    if (d.claims !== undefined) this.claims = d.claims;
    this.headers = d.headers ?? {};
  }

  /**
   * The JSON body, stamped with `nowMs` (the emulator's clock, so tests can pin it). Entra
   * echoes the request's `client-request-id` as `correlation_id`, and `trace_id` is the
   * `x-ms-request-id` it answers with; both are random when not given.
   */
  body(nowMs: number, ids: { traceId?: string; correlationId?: string } = {}): AadErrorBody {
    const timestamp = formatAadTimestamp(nowMs);
    const traceId = ids.traceId ?? randomUUID();
    const correlationId = ids.correlationId ?? randomUUID();
    return {
      error: this.error,
      error_description: `AADSTS${this.aadsts}: ${this.text}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
      error_codes: [this.aadsts],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
      error_uri: `https://login.microsoftonline.com/error?code=${this.aadsts}`,
      ...(this.suberror ? { suberror: this.suberror } : {}),
      ...(this.claims ? { claims: this.claims } : {}),
    };
  }
}

/** `YYYY-MM-DD HH:MM:SSZ`, the format of Microsoft's `timestamp` field. */
export function formatAadTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}

/** AADSTS900144: a required body parameter is missing. */
export function missingParameter(name: string): OAuthError {
  return new OAuthError({
    error: 'invalid_request',
    aadsts: 900144,
    text: `The request body must contain the following parameter: '${name}'.`,
  });
}

/** AADSTS9002313: the request could not be understood at all. */
export function malformedRequest(detail?: string): OAuthError {
  return new OAuthError({
    error: 'invalid_request',
    aadsts: 9002313,
    text: `Invalid request. Request is malformed or invalid.${detail ? ` ${detail}` : ''}`,
  });
}

/** AADSTS700016: no such application in the tenant. */
export function applicationNotFound(clientId: string, tenant: string): OAuthError {
  return new OAuthError({
    error: 'unauthorized_client',
    aadsts: 700016,
    text:
      `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application ` +
      'has not been installed by the administrator of the tenant or consented to by any user in the tenant. ' +
      'You may have sent your authentication request to the wrong tenant.',
  });
}

/** AADSTS65001: the user (or an admin) has not consented to what is asked. */
export function consentRequired(clientId: string, appName: string): OAuthError {
  return new OAuthError({
    error: 'invalid_grant',
    suberror: 'consent_required',
    aadsts: 65001,
    text:
      `The user or administrator has not consented to use the application with ID '${clientId}' named '${appName}'. ` +
      'Send an interactive authorization request for this user and resource.',
  });
}

/** AADSTS500011: the resource part of a scope or `resource` names no service in the tenant. */
export function resourceNotFound(resource: string, tenant: string): OAuthError {
  return new OAuthError({
    error: 'invalid_resource',
    aadsts: 500011,
    text:
      `The resource principal named ${resource} was not found in the tenant named ${tenant}. This can happen if the ` +
      'application has not been installed by the administrator of the tenant or consented to by any user in the tenant. ' +
      'You might have sent your authentication request to the wrong tenant.',
  });
}

/** AADSTS70011: a scope the resource does not define. */
export function invalidScope(scope: string): OAuthError {
  return new OAuthError({
    error: 'invalid_scope',
    aadsts: 70011,
    text: `The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`,
  });
}
