import { z } from 'zod';
import type { Resource } from '../config/resource.js';
import { MailbridgeError, ProtocolError, type ErrorCode } from '../errors.js';
import { proxyErrorFrom } from '../net/errors.js';
import { mailProxyFor, type ProxyRoute } from '../net/proxy.js';

/**
 * Turns what mail servers and sockets say into ProtocolErrors with a code and the fix.
 * Exchange Online answers many causes with one reply (`535 5.7.3`, `AUTHENTICATE failed`), so
 * hints list the usual causes in the order they are met. Every error carries the integration
 * platform's error family (100 connect, 101 disconnect, 102 send, 103 receive) and the exact
 * server line, never a token.
 */

export type MailProtocol = 'imap' | 'pop3' | 'smtp';
const COMMAND_FAILED = { imap: 'IMAP_COMMAND_FAILED', pop3: 'POP3_COMMAND_FAILED', smtp: 'SMTP_COMMAND_FAILED' } as const;
const OTHER_ERROR = { imap: 'IMAP_ERROR', pop3: 'POP3_ERROR', smtp: 'SMTP_ERROR' } as const;
/** What the client was doing: it decides the error family. Login and TLS are part of connect. */
export type Operation = 'connect' | 'disconnect' | 'send' | 'receive';

export const ERROR_FAMILY = { connect: 100, disconnect: 101, send: 102, receive: 103 } as const satisfies Record<Operation, number>;
export type ErrorFamily = (typeof ERROR_FAMILY)[Operation];

export interface ProtocolContext {
  protocol: MailProtocol;
  host: string;
  port: number;
  operation: Operation;
  /** The configured mode, so a wrong-mode hint can name the other one. */
  secure?: 'none' | 'tls' | 'starttls';
  user?: string;
  /** The resource's name, so that hints name the command to run with it. */
  resource?: string;
  /** Set for client-credentials resources: the app logs in, so the fixes are the app's rights. */
  appOnly?: { clientId: string };
  /** The proxy the connection went through: its refusals are named as the proxy's, not the server's. */
  proxy?: ProxyRoute;
}

export interface Diagnosis {
  code: ErrorCode;
  message: string;
  hint: string;
}

/** What a resource adds to a protocol context: its name and, for client credentials, the app. */
export function resourceContext(resource: Resource): Pick<ProtocolContext, 'resource' | 'appOnly' | 'proxy'> {
  const proxy = /^https?:\/\//i.test(resource.server.host) ? undefined : mailProxyFor(resource);
  return {
    resource: resource.name,
    ...(proxy ? { proxy } : {}),
    ...(resource.oauth?.flow === 'client_credentials' ? { appOnly: { clientId: resource.oauth.clientId } } : {}),
  };
}

/** The resource as hints name it; the placeholder only where no resource is known (a bare library call). */
function nameOf(ctx: ProtocolContext): string {
  return ctx.resource ?? 'RESOURCE';
}

function sendTokenHint(ctx: ProtocolContext): string {
  if (ctx.appOnly) return appOnlyHint(ctx, 'SMTP.SendAsApp', 'SendAs');
  return `check that the access token is for https://outlook.office365.com with SMTP.Send (run \`mailbridge doctor ${nameOf(ctx)}\`), ` +
    'that the user name is the mailbox UPN, and that SMTP.Send is consented for the app';
}

/**
 * An app-only login is refused when Exchange does not know the app (no service principal),
 * the app has no right on the mailbox, or no application permission for the protocol:
 * https://learn.microsoft.com/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth#use-client-credentials-grant-flow-to-authenticate-smtp-imap-and-pop-connections
 */
function appOnlyHint(ctx: ProtocolContext, permission: string, right: 'FullAccess' | 'SendAs'): string {
  const app = ctx.appOnly?.clientId ?? '<client id>';
  const mailbox = ctx.user ?? '<mailbox>';
  const grant = right === 'FullAccess'
    ? `Add-MailboxPermission -Identity ${mailbox} -User <service principal object id> -AccessRights FullAccess`
    : `Add-RecipientPermission -Identity ${mailbox} -Trustee <service principal object id> -AccessRights SendAs`;
  return `app-only access needs three things in Exchange Online PowerShell and Entra: the app's service principal ` +
    `(New-ServicePrincipal -AppId ${app} -ObjectId <object id of the Enterprise application>), the mailbox right (${grant}), ` +
    `and the application permission ${permission} (Office 365 Exchange Online) with admin consent; then run \`mailbridge doctor ${nameOf(ctx)}\``;
}

/** The usual ports and modes per protocol, for wrong-mode hints. */
const MODES: Record<MailProtocol, { tls: string; starttls: string }> = {
  imap: { tls: 'port 993 with TLS (secure: tls)', starttls: 'port 143 with STARTTLS (secure: starttls)' },
  pop3: { tls: 'port 995 with TLS (secure: tls)', starttls: 'port 110 with STLS (secure: starttls)' },
  smtp: { tls: 'port 465 with TLS (secure: tls)', starttls: 'port 587 with STARTTLS (secure: starttls)' },
};

type Rule = { protocols: MailProtocol[]; test: RegExp; diagnose: (reply: string, ctx: ProtocolContext) => Diagnosis };

/** Server replies, most specific first. */
const REPLY_RULES: Rule[] = [
  {
    protocols: ['smtp'],
    test: /\b5\.7\.139\b/,
    diagnose: (reply) => {
      if (/for the Tenant/i.test(reply)) {
        return {
          code: 'SMTP_AUTH_DISABLED',
          message: 'SMTP AUTH is disabled for the whole tenant (535 5.7.139)',
          hint: 'enable it for this mailbox with Set-CASMailbox -Identity <mailbox> -SmtpClientAuthenticationDisabled $false (overrides the tenant), or tenant-wide with Set-TransportConfig -SmtpClientAuthenticationDisabled $false; security defaults also block it',
        };
      }
      if (/did not meet the criteria/i.test(reply)) {
        return {
          code: 'SMTP_AUTH_BLOCKED_BY_POLICY',
          message: 'a Conditional Access policy or security defaults refused the SMTP login (535 5.7.139)',
          hint: 'ask the tenant administrator to exclude this app or mailbox from the policy (Entra ID > Conditional Access), or send through Microsoft Graph instead',
        };
      }
      return {
        code: 'SMTP_AUTH_DISABLED',
        message: 'SMTP AUTH is disabled for the mailbox (535 5.7.139)',
        hint: 'enable SMTP AUTH for the mailbox: Set-CASMailbox -Identity <mailbox> -SmtpClientAuthenticationDisabled $false (Exchange Online PowerShell), or in the admin center under the user > Mail > Manage email apps > Authenticated SMTP',
      };
    },
  },
  {
    protocols: ['smtp'],
    test: /\b5\.7\.30\b/,
    diagnose: () => ({
      code: 'SMTP_BASIC_AUTH_DISABLED',
      message: 'the server no longer accepts basic authentication for client submission (550 5.7.30)',
      hint: 'switch the resource to authType oauth2 (XOAUTH2 with SMTP.Send)',
    }),
  },
  {
    protocols: ['smtp'],
    test: /\b5\.7\.60\b/,
    diagnose: (_reply, ctx) => ({
      code: 'SMTP_SEND_AS_DENIED',
      message: `${ctx.user ?? 'the signed-in mailbox'} may not send as this From address (5.7.60)`,
      hint: sendAsHint(undefined, ctx.user),
    }),
  },
  {
    protocols: ['smtp'],
    test: /\b5\.7\.57\b|^530\b/,
    diagnose: () => ({
      code: 'SMTP_NOT_AUTHENTICATED',
      message: 'the server refused to send without a login (530)',
      hint: 'set authType to oauth2 (or basic) on the resource; client submission always needs authentication',
    }),
  },
  {
    protocols: ['smtp'],
    test: /SubmissionQuotaExceeded|\b5\.2\.0\b.*quota/i,
    diagnose: () => ({
      code: 'SMTP_SENDING_LIMIT',
      message: 'the mailbox has reached its sending limit',
      hint: 'wait until the limit resets (Exchange Online: 10,000 recipients a day) or spread sending across mailboxes',
    }),
  },
  {
    protocols: ['smtp'],
    test: /^535\b/,
    diagnose: (reply, ctx) => ({
      code: 'SMTP_AUTH_FAILED',
      message: `the SMTP server refused the login for ${ctx.user ?? 'the user'} (${smtpStatus(reply)})`,
      hint: sendTokenHint(ctx),
    }),
  },
  {
    protocols: ['smtp'],
    test: /^504\b.*5\.7\.4|Unrecognized authentication type/i,
    diagnose: (_reply, ctx) => ({
      code: 'SMTP_AUTH_UNAVAILABLE',
      message: 'the server offers no login on this connection (504 5.7.4)',
      hint: `log in only after TLS: use ${MODES[ctx.protocol].starttls} or ${MODES[ctx.protocol].tls}`,
    }),
  },
  {
    protocols: ['smtp'],
    test: /\b4\.3\.2\b|^421\b.*\b4\.7\.\d+|^4\d\d\b.*(throttl|rate limit|too many)/i,
    diagnose: () => throttled(),
  },
  {
    protocols: ['imap'],
    test: /\[THROTTLED\]|Request is throttled/i,
    diagnose: () => throttled(),
  },
  {
    protocols: ['imap', 'pop3'],
    test: /\[UNAVAILABLE\]|\[SYS\/TEMP\]|Temporary authentication failure/i,
    diagnose: () => ({
      code: 'AUTH_TEMPORARILY_UNAVAILABLE',
      message: 'the server could not check the login right now (temporary failure)',
      hint: 'retry in a minute; if it persists the server cannot reach its identity provider',
    }),
  },
  {
    protocols: ['smtp'],
    test: /^454\b.*4\.7\.0.*authentication/i,
    diagnose: () => ({
      code: 'AUTH_TEMPORARILY_UNAVAILABLE',
      message: 'the server could not check the login right now (454 4.7.0)',
      hint: 'retry in a minute; if it persists the server cannot reach its identity provider',
    }),
  },
  {
    protocols: ['imap'],
    test: /\[AUTHENTICATIONFAILED\]|AUTHENTICATE failed|LOGIN failed/i,
    diagnose: (_reply, ctx) => ({
      code: 'IMAP_AUTH_FAILED',
      message: `the IMAP server refused the ${ctx.appOnly ? 'app-only ' : ''}login for ${ctx.user ?? 'the user'}`,
      hint: ctx.appOnly
        ? appOnlyHint(ctx, 'IMAP.AccessAsApp', 'FullAccess')
        : `check that the access token is for https://outlook.office365.com with IMAP.AccessAsUser.All (run \`mailbridge doctor ${nameOf(ctx)}\`), ` +
          'that the user name is the mailbox UPN (or the shared mailbox address), and that IMAP is enabled for the mailbox (Set-CASMailbox -ImapEnabled $true)',
    }),
  },
  {
    protocols: ['pop3'],
    test: /^-ERR\b.*(\[AUTH\]|Authentication fail|bad password|logon failure)/i,
    diagnose: (_reply, ctx) => ({
      code: 'POP3_AUTH_FAILED',
      message: `the POP3 server refused the ${ctx.appOnly ? 'app-only ' : ''}login for ${ctx.user ?? 'the user'}`,
      hint: ctx.appOnly
        ? appOnlyHint(ctx, 'POP.AccessAsApp', 'FullAccess')
        : `check that the access token is for https://outlook.office365.com with POP.AccessAsUser.All (run \`mailbridge doctor ${nameOf(ctx)}\`), ` +
          'that the user name is the mailbox UPN, and that POP is enabled for the mailbox (Set-CASMailbox -PopEnabled $true)',
    }),
  },
  {
    protocols: ['pop3'],
    test: /^-ERR\b.*\[IN-USE\]/i,
    diagnose: () => ({
      code: 'POP3_MAILBOX_IN_USE',
      message: 'another POP3 session holds the mailbox lock',
      hint: 'close the other POP3 client (or wait for its session to time out) and try again',
    }),
  },
];

/**
 * The fix for a refused From, the same for SMTP (5.7.60) and Graph (ErrorSendAsDenied):
 * https://learn.microsoft.com/exchange/recipients-in-exchange-online/manage-permissions-for-recipients
 */
export function sendAsHint(from: string | undefined, user: string | undefined): string {
  return `grant Send As on the From mailbox (Add-RecipientPermission -Identity ${from ?? '<from>'} -Trustee ${user ?? '<signed-in user>'} ` +
    '-AccessRights SendAs; Exchange Online takes up to an hour to apply it), or send without --from (the From is then the signed-in mailbox)';
}

/** A refused From (SMTP 5.7.60, Graph ErrorSendAsDenied) with the two mailboxes named in its fix. */
export function withSendAsParties(e: unknown, from: string | { address: string }, user: string | undefined): unknown {
  if (!(e instanceof ProtocolError) || (e.code !== 'SMTP_SEND_AS_DENIED' && e.code !== 'GRAPH_SEND_AS_DENIED')) return e;
  const address = typeof from === 'string' ? (/<([^<>]+)>\s*$/.exec(from)?.[1] ?? from.trim()) : from.address;
  return new ProtocolError({ code: e.code, message: e.message, hint: sendAsHint(address, user), details: e.details, cause: e });
}

function throttled(): Diagnosis {
  return {
    code: 'THROTTLED',
    message: 'the server is throttling this client',
    hint: 'slow down and retry later: lower rateLimitPerMinute (Exchange Online allows 30 messages a minute per mailbox) or open fewer connections (20 per mailbox)',
  };
}

function smtpStatus(reply: string): string {
  const m = /^(\d{3})(?:[ -](\d\.\d{1,3}\.\d{1,3}))?/.exec(reply);
  return m ? [m[1], m[2]].filter(Boolean).join(' ') : 'refused';
}

/** Defence in depth: a server never echoes a token, but a JWT-looking run is cut anyway. */
export function redactServerLine(line: string): string {
  return line
    .replace(/eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*/g, '[redacted token]')
    .replace(/\r?\n$/, '')
    .slice(0, 1000);
}

/** A ProtocolError with the context's family and, when given, the server's exact line. */
export function makeProtocolError(ctx: ProtocolContext, d: Diagnosis, serverResponse?: string, cause?: unknown): ProtocolError {
  return build(ctx, d, serverResponse, cause);
}

function build(ctx: ProtocolContext, d: Diagnosis, serverResponse: string | undefined, cause: unknown): ProtocolError {
  return new ProtocolError({
    code: d.code,
    message: d.message,
    hint: d.hint,
    cause,
    details: {
      family: ERROR_FAMILY[ctx.operation],
      protocol: ctx.protocol,
      host: ctx.host,
      port: ctx.port,
      ...(serverResponse !== undefined ? { serverResponse: redactServerLine(serverResponse) } : {}),
    },
  });
}

/** A server's negative reply (`535 5.7.3 …`, `NO [AUTHENTICATIONFAILED] …`, `-ERR …`) as a typed error. */
export function errorFromServerReply(ctx: ProtocolContext, reply: string, cause?: unknown): ProtocolError {
  const line = reply.trim();
  const rule = REPLY_RULES.find((r) => r.protocols.includes(ctx.protocol) && r.test.test(line));
  const d: Diagnosis = rule
    ? rule.diagnose(line, ctx)
    : {
        code: COMMAND_FAILED[ctx.protocol],
        message: `the ${ctx.protocol.toUpperCase()} server refused the request: ${redactServerLine(line).slice(0, 200)}`,
        hint: 'read the server response in the error details; if it names a limit or a permission, fix that on the server side',
      };
  return build(ctx, d, line, cause);
}

const TLS_UNTRUSTED_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_UNTRUSTED',
]);

/** Errors from sockets, TLS and the libraries over them, read loosely (they are not ours). */
const transportErrorSchema = z.object({
  code: z.unknown().optional(),
  message: z.string().optional(),
  /** nodemailer: the server line and its numeric status. */
  response: z.string().optional(),
  responseCode: z.number().optional(),
  /** imapflow: the tagged reply's status, response code and text. */
  responseStatus: z.string().optional(),
  serverResponseCode: z.string().optional(),
  responseText: z.string().optional(),
  authenticationFailed: z.boolean().optional(),
  cause: z.unknown().optional(),
  reason: z.unknown().optional(),
});
type TransportError = z.infer<typeof transportErrorSchema>;

function readTransportError(err: unknown): TransportError {
  const parsed = transportErrorSchema.safeParse(err);
  return parsed.success ? parsed.data : { message: String(err) };
}

/** The error and its causes, outermost first: libraries wrap socket errors. */
function chain(err: unknown): TransportError[] {
  const out: TransportError[] = [];
  let cur: unknown = err;
  for (let depth = 0; cur !== undefined && cur !== null && depth < 5; depth++) {
    const t = readTransportError(cur);
    out.push(t);
    cur = t.cause;
  }
  return out;
}

function diagnoseTransport(ctx: ProtocolContext, errs: TransportError[]): Diagnosis | undefined {
  const codes = errs.map((e) => (typeof e.code === 'string' ? e.code : '')).filter(Boolean);
  const text = errs.map((e) => e.message ?? '').join(' | ');
  const where = `${ctx.host}:${ctx.port}`;
  const modes = MODES[ctx.protocol];

  if (codes.some((c) => TLS_UNTRUSTED_CODES.has(c)) || /self[- ]signed certificate|unable to verify the first certificate|unable to get local issuer/i.test(text)) {
    return {
      code: 'TLS_UNTRUSTED',
      message: `the TLS certificate of ${where} is not signed by a trusted CA`,
      hint: 'if this is your private or test server, set tls.caFile to its CA certificate (PEM); for a loopback test server only, tls.insecureLoopback: true',
    };
  }
  if (codes.includes('ERR_TLS_CERT_ALTNAME_INVALID') || /Hostname\/IP does not match/i.test(text)) {
    return {
      code: 'TLS_HOSTNAME_MISMATCH',
      message: `the TLS certificate of ${where} is for another host name`,
      hint: 'connect with the host name the certificate names (Exchange Online: outlook.office365.com / smtp.office365.com)',
    };
  }
  if (codes.includes('CERT_HAS_EXPIRED') || /certificate has expired/i.test(text)) {
    return { code: 'TLS_CERT_EXPIRED', message: `the TLS certificate of ${where} has expired`, hint: 'renew the server certificate' };
  }
  if (codes.includes('ERR_SSL_WRONG_VERSION_NUMBER') || /wrong version number|packet length too long|unknown protocol|http request/i.test(text)) {
    return {
      code: 'TLS_WRONG_MODE',
      message: `${where} does not speak TLS from the first byte (it expects a plain greeting, then STARTTLS)`,
      hint: `use ${modes.starttls}, or ${modes.tls}`,
    };
  }
  if (codes.includes('ECONNREFUSED')) {
    return {
      code: 'CONNECTION_REFUSED',
      message: `nothing accepts connections on ${where}`,
      hint: `check server.host and server.port (usual: ${modes.tls} or ${modes.starttls}) and that no firewall blocks it`,
    };
  }
  if (codes.includes('ENOTFOUND') || codes.includes('EAI_AGAIN')) {
    return { code: 'HOST_NOT_FOUND', message: `the host name ${ctx.host} does not resolve`, hint: 'check server.host for typos and that DNS works here' };
  }
  if (codes.some((c) => c === 'ETIMEDOUT' || c === 'ETIMEOUT') || /timed? ?out|Greeting never received/i.test(text)) {
    return {
      code: 'TIMEOUT',
      message: `${where} did not answer in time`,
      hint:
        ctx.operation === 'connect'
          ? `check host and port; a server that waits silently often expects the other mode: ${ctx.secure === 'tls' ? modes.starttls : modes.tls}`
          : 'retry; if it keeps happening the server or network is overloaded',
    };
  }
  if (codes.some((c) => c === 'ECONNRESET' || c === 'EPIPE' || c === 'ECONNECTION' || c === 'CONNECTION_DROPPED') ||
      /socket (closed|hang up)|Connection closed|unexpected(ly)? (close|end)|ended by the other party/i.test(text)) {
    return {
      code: 'CONNECTION_DROPPED',
      message: `${where} closed the connection unexpectedly`,
      hint: 'retry; if it keeps happening check the server logs, connection limits (Exchange Online: 20 per mailbox) and the network',
    };
  }
  return undefined;
}

/**
 * Any failure of a mail connection as a ProtocolError: our own errors pass through, server
 * replies (nodemailer `response`, imapflow `responseText`) go through the reply rules, and
 * socket/TLS errors through the transport rules.
 */
export function toProtocolError(ctx: ProtocolContext, err: unknown): MailbridgeError {
  if (err instanceof MailbridgeError) return err;
  const viaProxy = proxyErrorFrom(ctx.proxy, `${ctx.host}:${ctx.port}`, err);
  if (viaProxy) return viaProxy;
  const errs = chain(err);
  const outer = errs[0] ?? {};
  if (outer.response && /^\d{3}[ -]/.test(outer.response)) return errorFromServerReply(ctx, outer.response, err);
  if (outer.responseText !== undefined || outer.serverResponseCode !== undefined) {
    const line = `${outer.responseStatus ?? 'NO'} ${outer.serverResponseCode ? `[${outer.serverResponseCode}] ` : ''}${outer.responseText ?? ''}`;
    return errorFromServerReply(ctx, line, err);
  }
  if (outer.authenticationFailed) return errorFromServerReply(ctx, 'NO [AUTHENTICATIONFAILED]', err);
  const d = diagnoseTransport(ctx, errs);
  if (d) return build(ctx, d, undefined, err);
  return build(
    ctx,
    {
      code: OTHER_ERROR[ctx.protocol],
      message: `${ctx.protocol.toUpperCase()} ${ctx.operation} to ${ctx.host}:${ctx.port} failed: ${outer.message ?? 'unknown error'}`,
      hint: `run \`mailbridge doctor ${nameOf(ctx)}\` to check TLS, capabilities and the login step by step`,
    },
    undefined,
    err,
  );
}

/** A transport-level failure we detect ourselves (drop, timeout, malformed reply). */
export function connectionError(ctx: ProtocolContext, code: 'CONNECTION_DROPPED' | 'TIMEOUT' | 'PROTOCOL_VIOLATION', detail: string, serverResponse?: string): ProtocolError {
  const where = `${ctx.host}:${ctx.port}`;
  const d: Diagnosis =
    code === 'CONNECTION_DROPPED'
      ? { code, message: `${where} closed the connection unexpectedly (${detail})`, hint: 'retry; nothing of the interrupted transfer was kept' }
      : code === 'TIMEOUT'
        ? { code, message: `${where} did not answer in time (${detail})`, hint: 'retry; if it keeps happening the server or network is overloaded' }
        : { code, message: `${where} sent a reply that breaks the ${ctx.protocol.toUpperCase()} protocol (${detail})`, hint: 'check that host and port point at a mail server of this kind; otherwise report the server reply in the error details' };
  return build(ctx, d, serverResponse, undefined);
}
