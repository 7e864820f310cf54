import { isMailbridgeError } from '../../errors.js';

/**
 * What a failed upstream login means for the legacy client. The client only learns the class
 * (in its protocol's words: IMAP `NO [UNAVAILABLE]` / `NO [AUTHENTICATIONFAILED]`, RFC 5530;
 * POP3 `-ERR [SYS/TEMP]` / `-ERR [AUTH]`, RFC 3206); the code, message and fix go to the log,
 * where the operator reads e.g. "refresh token revoked → run `mailbridge consent RESOURCE`".
 */
export interface UpstreamFailure {
  /** unavailable: try again later (network, server, token endpoint); auth: the upstream login itself was refused. */
  kind: 'unavailable' | 'auth';
  code: string;
  message: string;
  hint?: string;
}

/** Codes that say the upstream (mail server or token endpoint) could not be reached or is busy, not that it refused. */
const UNAVAILABLE = new Set([
  'AUTH_TEMPORARILY_UNAVAILABLE',
  'CONNECTION_DROPPED',
  'CONNECTION_REFUSED',
  'HOST_NOT_FOUND',
  'PROTOCOL_VIOLATION',
  'SANDBOX_NOT_RUNNING',
  'THROTTLED',
  'TIMEOUT',
  'TLS_CERT_EXPIRED',
  'TLS_HOSTNAME_MISMATCH',
  'TLS_UNTRUSTED',
  'TLS_WRONG_MODE',
  'TOKEN_ENDPOINT_HOST_NOT_FOUND',
  'TOKEN_ENDPOINT_THROTTLED',
  'TOKEN_ENDPOINT_TLS_FAILED',
  'TOKEN_ENDPOINT_UNAVAILABLE',
  'TOKEN_ENDPOINT_UNREACHABLE',
  'TOKEN_STATE_BUSY',
]);

export function classifyUpstreamFailure(e: unknown): UpstreamFailure {
  if (isMailbridgeError(e)) {
    return {
      kind: UNAVAILABLE.has(e.code) ? 'unavailable' : 'auth',
      code: e.code,
      message: e.message,
      ...(e.hint ? { hint: e.hint } : {}),
    };
  }
  return { kind: 'unavailable', code: 'GATEWAY_UPSTREAM_ERROR', message: e instanceof Error ? e.message : String(e) };
}
