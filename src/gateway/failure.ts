import { isMailbridgeError } from '../errors.js';

/**
 * What a failed upstream delivery means for the spooled message: try again later (throttling,
 * network, 4xx, 5xx server errors of Graph, a token that needs consent again) or give up and
 * bounce (a 5xx SMTP reply, a Graph 4xx other than 401/429). The status is RFC 3463's, for the DSN.
 * Exchange's quota reply is a 5xx that only means "not now" (microsoft.md §3.7), so it is transient.
 */
export interface DeliveryFailure {
  kind: 'transient' | 'permanent';
  /** RFC 3463 status: 4.x.x or 5.x.x. */
  status: string;
  /** For the log and the DSN's Diagnostic-Code (`smtp; 550 5.1.10 …` or `graph; 403 ErrorSendAsDenied`). */
  diagnostic: string;
  /** Honour the server's Retry-After when it gave one. */
  retryAfterMs?: number;
  /** The mailbridge error code, when there was one. */
  code?: string;
}

const REPLY = /^(\d)(\d\d)[ -](?:(\d\.\d{1,3}\.\d{1,3})\s)?/;
const QUOTA = /SubmissionQuotaExceeded|quota exceeded|5\.2\.25[1-5]/i;
const TRANSIENT_CODES = new Set([
  'CONNECTION_REFUSED',
  'CONNECTION_DROPPED',
  'TIMEOUT',
  'HOST_NOT_FOUND',
  'GRAPH_THROTTLED',
  'GRAPH_UNAVAILABLE',
  'GRAPH_UPLOAD_STALLED',
  'SANDBOX_NOT_RUNNING',
  'TOKEN_ENDPOINT_UNREACHABLE',
  'SMTP_AUTH_FAILED',
  'GRAPH_AUTH_INVALID',
  'RESOURCE_NOT_FOUND',
]);

export function classifyFailure(e: unknown): DeliveryFailure {
  if (!isMailbridgeError(e)) {
    const msg = e instanceof Error ? e.message : String(e);
    return { kind: 'transient', status: '4.4.1', diagnostic: `x-mailbridge; ${msg.slice(0, 200)}` };
  }
  const d = e.details;
  const line = typeof d.serverResponse === 'string' ? d.serverResponse : undefined;
  const status = typeof d.status === 'number' ? d.status : undefined;
  const retryAfterMs = typeof d.retryAfterMs === 'number' ? d.retryAfterMs : undefined;
  const base = { code: e.code, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
  if (line) {
    const m = REPLY.exec(line);
    const diagnostic = `smtp; ${line.slice(0, 300)}`;
    if (m) {
      const cls = m[1];
      const enhanced = m[3] ?? `${cls}.0.0`;
      if (QUOTA.test(line)) return { ...base, kind: 'transient', status: `4${enhanced.slice(1)}`, diagnostic };
      // A refused login is about our token, not the message: hold it until consent is renewed (or it expires).
      if (/^53[05]$/.test(`${cls}${m[2]}`) || e.code === 'SMTP_AUTH_FAILED')
        return { ...base, kind: 'transient', status: '4.7.0', diagnostic };
      if (cls === '4') return { ...base, kind: 'transient', status: enhanced, diagnostic };
      if (cls === '5') return { ...base, kind: 'permanent', status: enhanced, diagnostic };
    }
  }
  if (status !== undefined) {
    const graphCode = typeof d.graphCode === 'string' ? d.graphCode : String(status);
    const diagnostic = `x-graph; ${status} ${graphCode}${typeof d.requestId === 'string' ? ` request-id ${d.requestId}` : ''}`;
    if (status === 401 || status === 408 || status === 429 || status >= 500)
      return { ...base, kind: 'transient', status: status === 429 ? '4.7.0' : '4.4.1', diagnostic };
    if (status === 413 || e.code === 'GRAPH_MESSAGE_TOO_LARGE')
      return { ...base, kind: 'permanent', status: '5.3.4', diagnostic };
    if (e.code === 'GRAPH_SEND_AS_DENIED' || status === 403)
      return { ...base, kind: 'permanent', status: '5.7.1', diagnostic };
    if (e.code === 'GRAPH_MAILBOX_FULL') return { ...base, kind: 'permanent', status: '5.2.2', diagnostic };
    return { ...base, kind: 'permanent', status: '5.0.0', diagnostic };
  }
  const diagnostic = `x-mailbridge; ${e.code}: ${e.message.slice(0, 200)}`;
  // Token failures (AuthError: consent revoked, refresh token expired) hold the message: after
  // `mailbridge auth RESOURCE` it goes out; only the spool's age limit turns them into a bounce.
  if (
    TRANSIENT_CODES.has(e.code) ||
    e.name === 'AuthError' ||
    e.code.startsWith('AADSTS') ||
    e.code.startsWith('OAUTH_')
  ) {
    return { ...base, kind: 'transient', status: '4.4.1', diagnostic };
  }
  if (e.name === 'ConfigError') return { ...base, kind: 'permanent', status: '5.3.0', diagnostic };
  return { ...base, kind: 'transient', status: '4.0.0', diagnostic };
}
