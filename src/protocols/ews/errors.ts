/**
 * What an EWS server says, as typed ProtocolErrors with the fix: response codes
 * (`ErrorAccessDenied`, `ErrorServerBusy`…), SOAP faults, HTTP 401 with `x-ms-diagnostics`
 * (microsoft.md 4.3b), 403 when the tenant blocks EWS (4.4), and transport failures. Every
 * error carries the integration platform's family, the EWS response code or HTTP status and
 * the server's own words (never a token).
 */
import { z } from 'zod';
import { ProtocolError, type ErrorCode } from '../../errors.js';
import { ERROR_FAMILY, redactServerLine, type Operation } from '../errors.js';

export interface EwsErrorContext {
  url: string;
  operation: Operation;
  /** The EWS operation (FindItem, CreateItem…). */
  soapAction: string;
  mailbox?: string;
  resource?: string;
}

interface Diagnosis {
  code: ErrorCode;
  message: string;
  hint: string;
}

const MIGRATE_HINT = (resource?: string) =>
  `move the resource to Microsoft Graph: \`mailbridge resource migrate ${resource ?? 'NAME'} --to graph\` (Exchange Online turns EWS off from 2026-10-01 and shuts it down on 2027-04-01)`;

function make(ctx: EwsErrorContext, d: Diagnosis, extra: Record<string, unknown>, cause?: unknown): ProtocolError {
  return new ProtocolError({
    code: d.code,
    message: d.message,
    hint: d.hint,
    ...(cause !== undefined ? { cause } : {}),
    details: {
      family: ERROR_FAMILY[ctx.operation],
      protocol: 'ews',
      url: ctx.url,
      soapAction: ctx.soapAction,
      ...(ctx.mailbox ? { mailbox: ctx.mailbox } : {}),
      ...extra,
    },
  });
}

/** An EWS response code (from a ResponseMessage or a SOAP fault's detail) as a typed error. */
export function errorFromResponseCode(ctx: EwsErrorContext, responseCode: string, messageText: string, extra: Record<string, unknown> = {}): ProtocolError {
  const mailbox = ctx.mailbox ?? 'the mailbox';
  const server = messageText ? `: ${redactServerLine(messageText).slice(0, 200)}` : '';
  const d = ((): Diagnosis => {
    switch (responseCode) {
      case 'ErrorAccessDenied':
        return {
          code: 'EWS_ACCESS_DENIED',
          message: `EWS refused access to ${mailbox} (ErrorAccessDenied)${server}`,
          hint: 'delegated: sign in as the mailbox owner or get FullAccess on it (Add-MailboxPermission); app-only: grant full_access_as_app with admin consent and check any application access policy that scopes the app to certain mailboxes',
        };
      case 'ErrorInvalidExchangeImpersonationHeaderData':
      case 'ErrorImpersonationFailed':
      case 'ErrorImpersonateUserDenied':
        return {
          code: 'EWS_IMPERSONATION_INVALID',
          message: `EWS refused to act as ${mailbox} (${responseCode})${server}`,
          hint: 'an app-only token must name an existing mailbox: set the resource user to the mailbox\'s primary SMTP address, and give the app full_access_as_app (admin consent) or ApplicationImpersonation',
        };
      case 'ErrorNonExistentMailbox':
      case 'ErrorMailboxMoveInProgress':
        return {
          code: 'EWS_MAILBOX_NOT_FOUND',
          message: `EWS found no mailbox ${mailbox} (${responseCode})${server}`,
          hint: 'check the resource user: it must be the mailbox\'s primary SMTP address',
        };
      case 'ErrorItemNotFound':
        return {
          code: 'EWS_ITEM_NOT_FOUND',
          message: `the item is not in ${mailbox} (ErrorItemNotFound)`,
          hint: 'it was moved or deleted (a move gives an item a new id at Exchange): list the folder again with `mailbridge list RESOURCE` and use a current id',
        };
      case 'ErrorInvalidIdMalformed':
      case 'ErrorInvalidIdEmpty':
      case 'ErrorInvalidIdNotAnItemAttachmentId':
      case 'ErrorInvalidIdReturnedByResolveNames':
        return {
          code: 'EWS_ID_MALFORMED',
          message: `EWS could not read the id (${responseCode})`,
          hint: 'use an id exactly as `mailbridge list RESOURCE` prints it (EWS item ids are long base64 strings; IMAP UIDs do not work here)',
        };
      case 'ErrorFolderNotFound':
        return {
          code: 'EWS_FOLDER_NOT_FOUND',
          message: `EWS found no such folder in ${mailbox} (ErrorFolderNotFound)`,
          hint: 'list the folders with `mailbridge folders RESOURCE` and use one of those names',
        };
      case 'ErrorServerBusy':
      case 'ErrorExceededConnectionCount':
      case 'ErrorExceededFindCountLimit':
      case 'ErrorExceededSubscriptionCount':
        return {
          code: 'EWS_SERVER_BUSY',
          message: `Exchange is throttling this client (${responseCode})${server}`,
          hint: 'retry after the back-off the server asked for; make fewer concurrent EWS requests (Exchange Online allows 27 per user) and page smaller',
        };
      case 'ErrorMailboxStoreUnavailable':
      case 'ErrorMailboxDataArrayEmpty':
        return {
          code: 'EWS_MAILBOX_UNAVAILABLE',
          message: `the mailbox database of ${mailbox} is not reachable right now (${responseCode})`,
          hint: 'retry in a few minutes: the mailbox is being moved or its database is failing over',
        };
      case 'ErrorSendAsDenied':
        return {
          code: 'EWS_SEND_AS_DENIED',
          message: `${mailbox} may not send as the From address (ErrorSendAsDenied)`,
          hint: 'grant Send As on the From mailbox (Add-RecipientPermission <from> -Trustee <user> -AccessRights SendAs), or send with From equal to the mailbox',
        };
      case 'ErrorQuotaExceeded':
        return { code: 'EWS_QUOTA_EXCEEDED', message: `${mailbox} is over its storage quota (ErrorQuotaExceeded)`, hint: 'empty Deleted Items or archive mail, or raise the quota' };
      case 'ErrorSchemaValidation':
      case 'ErrorInvalidRequest':
      case 'ErrorInvalidServerVersion':
        return {
          code: 'EWS_REQUEST_INVALID',
          message: `the server rejected the request as invalid (${responseCode})${server}`,
          hint: 'the server may be older than Exchange 2016; report this with the server response in the error details',
        };
      default:
        return {
          code: 'EWS_ERROR',
          message: `EWS ${ctx.soapAction} failed (${responseCode})${server}`,
          hint: 'read the response code in the error details; if it names a permission or a limit, fix that on the Exchange side',
        };
    }
  })();
  return make(ctx, d, { responseCode, ...(messageText ? { serverResponse: redactServerLine(messageText) } : {}), ...extra });
}

/**
 * `x-ms-diagnostics: 2000008;reason="The token has expired.";error_category="invalid_token"`
 * → its number, reason and category.
 */
export function parseDiagnostics(header: string | undefined): { code?: string; reason?: string; category?: string } {
  if (!header) return {};
  const code = /^\s*(\d+)/.exec(header)?.[1];
  const reason = /reason="([^"]*)"/.exec(header)?.[1];
  const category = /error_category="([^"]*)"/.exec(header)?.[1];
  return { ...(code ? { code } : {}), ...(reason ? { reason } : {}), ...(category ? { category } : {}) };
}

export interface HttpFailure {
  status: number;
  headers: Record<string, string | undefined>;
  body: string;
}

/** HTTP 401 after the one retry with a fresh token: the token itself is refused. */
export function unauthorizedError(ctx: EwsErrorContext, res: HttpFailure): ProtocolError {
  const diag = parseDiagnostics(res.headers['x-ms-diagnostics']);
  const extra = { httpStatus: 401, ...(diag.code ? { diagnostics: diag.code } : {}), ...(diag.reason ? { serverResponse: redactServerLine(diag.reason) } : {}), ...requestId(res) };
  const d = ((): Diagnosis => {
    if (diag.code === '2000008' || /expired/i.test(diag.reason ?? '')) {
      return {
        code: 'EWS_TOKEN_EXPIRED',
        message: 'EWS refused the access token as expired (x-ms-diagnostics 2000008), even after a refresh',
        hint: 'check the clock of this machine, then run `mailbridge token refresh RESOURCE`; if the refresh token was revoked, run `mailbridge auth RESOURCE` again',
      };
    }
    if (diag.code === '2000003' || diag.category === 'invalid_resource') {
      return {
        code: 'EWS_TOKEN_WRONG_AUDIENCE',
        message: 'EWS refused the access token: it is for another resource (x-ms-diagnostics 2000003, invalid audience)',
        hint: 'put https://outlook.office365.com/EWS.AccessAsUser.All first in the resource scope (app-only: https://outlook.office365.com/.default), then run `mailbridge token refresh RESOURCE`',
      };
    }
    if (diag.code === '2000004' || diag.category === 'invalid_tenant') {
      return {
        code: 'EWS_TENANT_NOT_FOUND',
        message: 'EWS does not know the tenant the access token was issued for (x-ms-diagnostics 2000004)',
        hint: 'set the resource tenant to the mailbox\'s directory (tenant id or domain), then run `mailbridge auth RESOURCE` again',
      };
    }
    if (diag.category === 'invalid_signature' || diag.code === '2000001') {
      return {
        code: 'EWS_TOKEN_INVALID',
        message: `EWS could not validate the access token's signature${diag.code ? ` (x-ms-diagnostics ${diag.code})` : ''}`,
        hint: 'the token comes from another authority than the one Exchange trusts: check the resource\'s authority (cloud) and tenant, then run `mailbridge auth RESOURCE` again',
      };
    }
    if (/EWS.*(disabled|blocked|not enabled)|EWSEnabled|AllowedAppId/i.test(diag.reason ?? '')) return blocked(ctx, diag.reason ?? '');
    return {
      code: 'EWS_UNAUTHORIZED',
      message: `EWS refused the access token (HTTP 401${diag.code ? `, x-ms-diagnostics ${diag.code}` : ''})${diag.reason ? `: ${diag.reason}` : ''}`,
      hint: 'run `mailbridge doctor RESOURCE`: the token must be for https://outlook.office365.com with EWS.AccessAsUser.All (delegated) or full_access_as_app (app-only)',
    };
  })();
  return make({ ...ctx, operation: 'connect' }, d, extra);
}

function blocked(ctx: EwsErrorContext, reason: string): Diagnosis {
  return {
    code: 'EWS_BLOCKED',
    message: `the tenant does not allow this app to use EWS${reason ? `: ${redactServerLine(reason).slice(0, 200)}` : ''}`,
    hint: `${MIGRATE_HINT(ctx.resource)}; until then an administrator can allow the app (Set-OrganizationConfig -EWSEnabled $true -EwsAllowedAppIDs <app id>)`,
  };
}

/** HTTP 403: EWS disabled for the organisation or mailbox, the app not allow-listed, or retired. */
export function forbiddenError(ctx: EwsErrorContext, res: HttpFailure): ProtocolError {
  const diag = parseDiagnostics(res.headers['x-ms-diagnostics']);
  const reason = diag.reason ?? res.body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200);
  return make({ ...ctx, operation: 'connect' }, blocked(ctx, reason), {
    httpStatus: 403, ...(diag.code ? { diagnostics: diag.code } : {}), ...(reason ? { serverResponse: redactServerLine(reason) } : {}), ...requestId(res),
  });
}

/** Any other HTTP status without a SOAP answer. */
export function httpStatusError(ctx: EwsErrorContext, res: HttpFailure): ProtocolError {
  const d: Diagnosis =
    res.status === 404
      ? { code: 'EWS_ENDPOINT_NOT_FOUND', message: `there is no EWS endpoint at ${ctx.url} (HTTP 404)`, hint: 'set the resource server to the Exchange base URL (e.g. https://outlook.office365.com or https://mail.example.com for Exchange Server); /EWS/Exchange.asmx is added' }
      : res.status === 503 || res.status === 502 || res.status === 504
        ? { code: 'EWS_SERVER_BUSY', message: `the EWS server is unavailable or throttling (HTTP ${res.status})`, hint: 'retry later; make fewer concurrent requests' }
        : { code: 'EWS_HTTP_ERROR', message: `EWS answered HTTP ${res.status} to ${ctx.soapAction}`, hint: 'check the server URL and that EWS is enabled on it; the response is in the error details' };
  const excerpt = res.body.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200);
  return make(ctx, d, { httpStatus: res.status, ...(excerpt ? { serverResponse: redactServerLine(excerpt) } : {}), ...requestId(res) });
}

/** The server gave up waiting on its own retries for us: ErrorServerBusy past our budget. */
export function busyError(ctx: EwsErrorContext, responseCode: string, messageText: string, backOffMs: number | undefined, attempts: number): ProtocolError {
  return errorFromResponseCode(ctx, responseCode, messageText, { attempts, ...(backOffMs !== undefined ? { backOffMs } : {}) });
}

/** A reply that is neither a SOAP envelope nor an HTTP error we know. */
export function malformedReplyError(ctx: EwsErrorContext, detail: string, body: string): ProtocolError {
  return make(ctx, {
    code: 'EWS_REPLY_MALFORMED',
    message: `the EWS server sent a reply that is not a ${ctx.soapAction} response (${detail})`,
    hint: 'check that the resource server points at Exchange (the EWS endpoint is /EWS/Exchange.asmx under it)',
  }, { serverResponse: redactServerLine(body.slice(0, 300)) });
}

function requestId(res: HttpFailure): Record<string, string> {
  const id = res.headers['request-id'] ?? res.headers['x-ms-request-id'];
  return id ? { requestId: id } : {};
}

// ----------------------------------------------------------------- transport

const transportSchema = z.object({ code: z.unknown().optional(), message: z.string().optional(), cause: z.unknown().optional() });

const TLS_UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT', 'CERT_UNTRUSTED',
]);

/** Socket and TLS failures of the HTTPS request. */
export function transportError(ctx: EwsErrorContext, err: unknown): ProtocolError {
  const codes: string[] = [];
  const texts: string[] = [];
  let cur: unknown = err;
  for (let i = 0; i < 4 && cur; i++) {
    const p = transportSchema.safeParse(cur);
    if (!p.success) break;
    if (typeof p.data.code === 'string') codes.push(p.data.code);
    if (p.data.message) texts.push(p.data.message);
    cur = p.data.cause;
  }
  const host = safeHost(ctx.url);
  const text = texts.join(' | ');
  const d = ((): Diagnosis => {
    if (codes.some((c) => TLS_UNTRUSTED.has(c)) || /self[- ]signed|unable to verify|local issuer/i.test(text)) {
      return { code: 'TLS_UNTRUSTED', message: `the TLS certificate of ${host} is not signed by a trusted CA`, hint: 'if this is your private or test Exchange server, set tls.caFile to its CA certificate (PEM); for a loopback test server only, tls.insecureLoopback: true' };
    }
    if (codes.includes('ERR_TLS_CERT_ALTNAME_INVALID')) {
      return { code: 'TLS_HOSTNAME_MISMATCH', message: `the TLS certificate of ${host} is for another host name`, hint: 'use the host name the certificate names in the resource server URL' };
    }
    if (codes.includes('CERT_HAS_EXPIRED')) return { code: 'TLS_CERT_EXPIRED', message: `the TLS certificate of ${host} has expired`, hint: 'renew the server certificate' };
    if (codes.includes('ECONNREFUSED')) return { code: 'CONNECTION_REFUSED', message: `nothing accepts connections at ${host}`, hint: 'check the resource server URL (scheme, host and port) and that no firewall blocks it' };
    if (codes.includes('ENOTFOUND') || codes.includes('EAI_AGAIN')) return { code: 'HOST_NOT_FOUND', message: `the host name ${host} does not resolve`, hint: 'check the resource server URL for typos and that DNS works here' };
    if (codes.includes('ETIMEDOUT') || codes.includes('EWS_TIMEOUT')) return { code: 'TIMEOUT', message: `${host} did not answer in time`, hint: 'retry; if it keeps happening the server or network is overloaded' };
    if (codes.includes('EPROTO') || /wrong version number/i.test(text)) return { code: 'TLS_WRONG_MODE', message: `${host} does not speak TLS on that port`, hint: 'use https:// with the server\'s TLS port (443), or http:// only for a loopback test server' };
    if (codes.some((c) => c === 'ECONNRESET' || c === 'EPIPE') || /socket hang up/i.test(text)) {
      return { code: 'CONNECTION_DROPPED', message: `${host} closed the connection unexpectedly`, hint: 'retry; nothing of the interrupted request was kept' };
    }
    return { code: 'EWS_TRANSPORT_ERROR', message: `the EWS request to ${host} failed: ${texts[0] ?? 'unknown error'}`, hint: 'run `mailbridge doctor RESOURCE` to check the URL, TLS and the token' };
  })();
  return make(ctx, d, codes[0] ? { transportCode: codes[0] } : {}, err);
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
