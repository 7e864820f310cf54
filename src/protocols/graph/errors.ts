import { z } from 'zod';
import { ProtocolError, type ErrorCode } from '../../errors.js';
import { ERROR_FAMILY, redactServerLine, sendAsHint, type Operation } from '../errors.js';

/**
 * Graph's error JSON (microsoft.md §5.7) as typed ProtocolErrors with the fix. Exchange's
 * Outlook workload answers with PascalCase Exchange codes (ErrorItemNotFound…), Graph's own
 * layer with camelCase ones (itemNotFound…): both are read. Every error keeps the
 * `request-id` and `client-request-id`, which Microsoft support asks for.
 */

const graphErrorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string().optional(),
    innerError: z.object({
      code: z.string().optional(),
      date: z.string().optional(),
      'request-id': z.string().optional(),
      'client-request-id': z.string().optional(),
    }).loose().optional(),
  }).loose(),
});

export interface GraphErrorContext {
  method: string;
  /** Path and query only (never a token-bearing upload URL's query). */
  path: string;
  host: string;
  operation: Operation;
}

export interface GraphFailure {
  status: number;
  /** The response body as text (parsed here when it is Graph's error JSON). */
  body: string;
  /** Response headers, lower-case names. */
  headers: Record<string, string | undefined>;
  clientRequestId: string;
}

interface Diagnosis {
  code: ErrorCode;
  message: string;
  hint: string;
}

const ACCESS_POLICY = /AccessPolicy|Access to OData is disabled/i;

/** The Graph error code (or the HTTP status when the body is not Graph's JSON) → cause and fix. */
function diagnose(status: number, graphCode: string | undefined, text: string): Diagnosis {
  const code = graphCode ?? '';
  const said = text ? `: ${text}` : '';
  if (code === 'InvalidAuthenticationToken' || (status === 401 && !code) || code === 'unauthenticated') {
    return {
      code: 'GRAPH_AUTH_INVALID',
      message: `Microsoft Graph refused the access token${said}`,
      hint: 'the token must be for https://graph.microsoft.com with Mail.* permissions: check the resource scope, then run `mailbridge token refresh RESOURCE` (or `mailbridge auth RESOURCE` if consent changed)',
    };
  }
  if (code === 'ErrorAccessDenied' && ACCESS_POLICY.test(text)) {
    return {
      code: 'GRAPH_APP_ACCESS_POLICY',
      message: `an ApplicationAccessPolicy of the tenant keeps this app out of the mailbox${said}`,
      hint: 'ask the Exchange administrator to add the mailbox to the policy\'s group (New-/Set-ApplicationAccessPolicy -AccessRight RestrictAccess -PolicyScopeGroupId …) or to remove the policy; check with Test-ApplicationAccessPolicy',
    };
  }
  if (code === 'ErrorAccessDenied' || code === 'accessDenied' || code === 'Authorization_RequestDenied' || (status === 403 && !code)) {
    return {
      code: 'GRAPH_ACCESS_DENIED',
      message: `Microsoft Graph denied access${said}`,
      hint: 'grant the app the Graph permission this needs (Mail.ReadWrite to change mail, Mail.Send to send; application permissions need admin consent) and, for another user\'s mailbox, FullAccess or an app-only token; then run `mailbridge auth RESOURCE`',
    };
  }
  if (code === 'ErrorSendAsDenied') {
    return {
      code: 'GRAPH_SEND_AS_DENIED',
      message: `the signed-in mailbox may not send as this From address (Graph ErrorSendAsDenied)${said}`,
      hint: sendAsHint(undefined, undefined),
    };
  }
  if (code === 'ErrorQuotaExceeded' || code === 'ErrorQuotaExceededOnDelete') {
    return {
      code: 'GRAPH_MAILBOX_FULL',
      message: `the mailbox is over its storage quota${said}`,
      hint: 'free space (empty Deleted Items, move old mail to an archive) or raise the quota (Set-Mailbox -ProhibitSendReceiveQuota), then retry',
    };
  }
  if (code === 'ErrorMessageSizeExceeded') {
    return {
      code: 'GRAPH_MESSAGE_TOO_LARGE',
      message: `the message is larger than the mailbox may send or receive${said}`,
      hint: 'send smaller or fewer attachments (Exchange Online allows 35 MB by default, 150 MB at most), or raise the limit: Set-Mailbox -MaxSendSize 150MB',
    };
  }
  if (code === 'ErrorInvalidUser' || code === 'ErrorNonExistentMailbox') {
    return {
      code: 'GRAPH_USER_NOT_FOUND',
      message: `the mailbox named by the resource's user does not exist in this tenant${said}`,
      hint: 'check the user of the resource (`mailbridge resource edit RESOURCE --user ADDRESS`, the mailbox\'s primary SMTP address or UPN); a new mailbox can take a while to appear',
    };
  }
  if (code === 'ErrorItemNotFound' || code === 'itemNotFound' || code === 'ErrorInvalidIdMalformed' || (status === 404 && !code)) {
    return {
      code: 'GRAPH_ITEM_NOT_FOUND',
      message: `the item or folder does not exist (any more)${said}`,
      hint: 'a moved message gets a new id: list the folder again (`mailbridge list RESOURCE --folder F`) and use the id shown there',
    };
  }
  if (code === 'InefficientFilter') {
    return {
      code: 'GRAPH_INEFFICIENT_FILTER',
      message: `Graph refused the filter and sort order${said}`,
      hint: 'properties in $orderby must also appear first in $filter, in the same order; simplify the filter or drop the sort',
    };
  }
  if (code === 'MailboxNotEnabledForRESTAPI' || code === 'MailboxNotSupportedForRESTAPI') {
    return {
      code: 'GRAPH_MAILBOX_NOT_ENABLED',
      message: `the mailbox cannot be reached through Graph${said}`,
      hint: 'the user has no Exchange Online mailbox (no licence, on-premises or soft-deleted): assign an Exchange Online licence, or use an EWS resource for an on-premises mailbox',
    };
  }
  if (status === 429 || code === 'ApplicationThrottled' || code === 'TooManyRequests' || code === 'activityLimitReached') {
    return {
      code: 'GRAPH_THROTTLED',
      message: `Microsoft Graph is throttling this app for the mailbox${said}`,
      hint: 'retry after the Retry-After delay; Exchange allows 4 concurrent requests and 10,000 requests per 10 minutes per app and mailbox',
    };
  }
  if (status === 410 || code === 'syncStateNotFound' || code === 'resyncRequired' || code === 'SyncStateNotFound') {
    return {
      code: 'GRAPH_SYNC_RESET',
      message: `the delta token is no longer valid${said}`,
      hint: 'start a full synchronisation again (delta without a token); mailbridge does this itself for delta sync',
    };
  }
  if (code === 'ErrorMimeContentInvalidBase64String') {
    return { code: 'GRAPH_MIME_INVALID', message: `Graph could not read the MIME message${said}`, hint: 'send the RFC 5322 message base64-encoded with Content-Type: text/plain' };
  }
  if (status === 503 || status === 502 || status === 504 || code === 'serviceNotAvailable') {
    return { code: 'GRAPH_UNAVAILABLE', message: `Microsoft Graph is unavailable (HTTP ${status})${said}`, hint: 'retry in a minute; large pages can time out: ask for fewer items per page' };
  }
  return {
    code: 'GRAPH_REQUEST_FAILED',
    message: `Microsoft Graph answered HTTP ${status}${code ? ` ${code}` : ''}${said}`,
    hint: 'read the Graph error code and request-id in the error details; if it names a permission or a limit, fix that on the tenant side',
  };
}

/** Parses Graph's error JSON, or undefined when the body is something else. */
export function parseGraphErrorBody(body: string): z.infer<typeof graphErrorSchema>['error'] | undefined {
  try {
    const r = graphErrorSchema.safeParse(JSON.parse(body));
    return r.success ? r.data.error : undefined;
  } catch {
    return undefined;
  }
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  if (!/[a-z]/i.test(v)) return undefined;
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

/** A failed Graph response as a typed ProtocolError carrying request-id and client-request-id. */
export function graphErrorFromResponse(ctx: GraphErrorContext, f: GraphFailure): ProtocolError {
  const parsed = parseGraphErrorBody(f.body);
  const text = redactServerLine(parsed?.message ?? f.body.trim()).slice(0, 300);
  const d = diagnose(f.status, parsed?.code, text);
  const requestId = parsed?.innerError?.['request-id'] ?? f.headers['request-id'];
  const clientRequestId = parsed?.innerError?.['client-request-id'] ?? f.headers['client-request-id'] ?? f.clientRequestId;
  const retryAfterMs = parseRetryAfter(f.headers['retry-after']);
  return new ProtocolError({
    code: d.code,
    message: d.message,
    hint: d.hint,
    details: {
      family: ERROR_FAMILY[ctx.operation],
      protocol: 'graph',
      host: ctx.host,
      status: f.status,
      ...(parsed?.code ? { graphCode: parsed.code } : {}),
      ...(requestId ? { requestId } : {}),
      clientRequestId,
      request: `${ctx.method} ${ctx.path}`,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    },
  });
}

const TLS_UNTRUSTED = new Set(['SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_UNTRUSTED']);

/** A socket or TLS failure on the way to Graph. */
export function graphTransportError(ctx: GraphErrorContext, clientRequestId: string, err: unknown): ProtocolError {
  const code = typeof (err as { code?: unknown })?.code === 'string' ? (err as { code: string }).code : '';
  const msg = err instanceof Error ? err.message : String(err);
  const d: Diagnosis = TLS_UNTRUSTED.has(code)
    ? { code: 'TLS_UNTRUSTED', message: `the TLS certificate of ${ctx.host} is not signed by a trusted CA`, hint: 'for a private or test server set tls.caFile to its CA certificate (PEM)' }
    : code === 'ERR_TLS_CERT_ALTNAME_INVALID'
      ? { code: 'TLS_HOSTNAME_MISMATCH', message: `the TLS certificate of ${ctx.host} is for another host name`, hint: 'use the host name the certificate names (https://graph.microsoft.com)' }
      : code === 'ECONNREFUSED'
        ? { code: 'CONNECTION_REFUSED', message: `nothing accepts connections on ${ctx.host}`, hint: 'check the resource\'s base URL (server.host), e.g. https://graph.microsoft.com' }
        : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? { code: 'HOST_NOT_FOUND', message: `the host name of ${ctx.host} does not resolve`, hint: 'check server.host for typos and that DNS works here' }
          : code === 'ETIMEDOUT' || code === 'GRAPH_TIMEOUT'
            ? { code: 'TIMEOUT', message: `${ctx.host} did not answer in time`, hint: 'retry; if it keeps happening the network or the service is overloaded' }
            : { code: 'CONNECTION_DROPPED', message: `the connection to ${ctx.host} failed: ${msg}`, hint: 'retry; nothing of the interrupted request was kept' };
  return new ProtocolError({
    code: d.code, message: d.message, hint: d.hint, cause: err,
    details: { family: ERROR_FAMILY[ctx.operation], protocol: 'graph', host: ctx.host, clientRequestId, request: `${ctx.method} ${ctx.path}` },
  });
}
