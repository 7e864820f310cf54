import { simpleParser } from 'mailparser';
import { assertTokenFitsProtocol, decodeAccessTokenClaims } from '../auth/claims.js';
import type { TokenManager } from '../auth/token-manager.js';
import type { AccessTokenProvider } from '../auth/token-provider.js';
import type { Resource } from '../config/resource.js';
import { ConfigError, isMailbridgeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { MailDraft } from '../message/message.js';
import { graphTokens } from '../mail/open.js';
import { createGraphHttp, type GraphHttp } from '../protocols/graph/http.js';
import { sendMessage } from '../protocols/graph/send-mail.js';
import { mailboxPrefix } from '../protocols/graph/target.js';
import { createSmtpSender, type SmtpSender } from '../protocols/smtp/sender.js';
import { tlsOptionsFor } from '../protocols/tls.js';
import { readHeaderAddresses } from './headers.js';

/**
 * Upstream delivery for one resource: the spooled bytes go out unchanged.
 * - smtp resource: SMTP submission with XOAUTH2 (nodemailer `raw` + envelope; the worker keeps
 *   at most 3 connections per mailbox, as Exchange allows). When the tenant turned SMTP AUTH off
 *   (535 5.7.139) and the resource has `graphFallback`, the message goes through Graph instead.
 * - graph resource: Graph `sendMail` with the raw MIME, base64, as text/plain
 *   (https://learn.microsoft.com/graph/outlook-send-mime-message). Graph takes about 4 MB per
 *   request (≈3 MB of MIME), so a larger message is rebuilt as a draft whose large attachments go
 *   through upload sessions (https://learn.microsoft.com/graph/outlook-large-attachments): the
 *   only route Graph offers for it; headers other than X- and the exact MIME layout are lost then.
 * Graph has no envelope: it delivers to the MIME To/Cc/Bcc, so envelope-only recipients are put
 * into a Bcc: header (Exchange removes Bcc from delivered copies).
 */

export interface UpstreamMessage {
  raw: Buffer;
  /** '' for the null sender (a DSN). */
  mailFrom: string;
  rcptTo: string[];
}

export interface UpstreamResult {
  via: 'smtp' | 'graph';
  /** The upstream's id: SMTP's reply (`250 2.0.0 Ok: queued as …`) or Graph's request-id. */
  upstreamId: string;
  /** Recipients the upstream refused while taking the others (SMTP only): they get a bounce. */
  rejected: string[];
}

export interface Upstream {
  readonly resource: string;
  /** The address the resource sends as (its From when the gateway user has no allow-list). */
  readonly ownAddress: string | undefined;
  send(m: UpstreamMessage): Promise<UpstreamResult>;
  close(): void;
}

/** The MIME Graph takes in one sendMail request (base64 of it must stay under 4 MB). */
export const GRAPH_MIME_MAX_BYTES = 3 * 1024 * 1024;

export async function openUpstream(resource: Resource, tokens: TokenManager, logger?: Logger): Promise<Upstream> {
  const ownAddress = (resource.from ?? resource.user)?.toLowerCase();
  if (resource.kind === 'graph') {
    const graph = await graphSender({
      baseUrl: resource.server.host,
      tokens: tokens.provider(resource.name),
      resource,
      ...(logger ? { logger } : {}),
    });
    return { resource: resource.name, ownAddress, send: (m) => graph.send(m), close: () => graph.close() };
  }
  if (resource.kind !== 'smtp') {
    throw new ConfigError({
      code: 'GATEWAY_RESOURCE_CANNOT_SEND',
      field: 'sendResource',
      message: `resource ${resource.name} is a ${resource.kind} resource; the SMTP gateway sends through smtp or graph resources`,
      hint: `map the gateway user to an smtp resource (XOAUTH2) or a graph resource (Mail.Send): \`mailbridge gateway user edit NAME --send RESOURCE\``,
    });
  }
  // nodemailer's pool: up to 3 connections per mailbox (Exchange's concurrency limit for SMTP
  // submission, https://learn.microsoft.com/office365/servicedescriptions/exchange-online-service-description/exchange-online-limits#sending-limits),
  // each kept open for the next message, so a message costs one MAIL/RCPT/DATA instead of a new
  // connection, STARTTLS and XOAUTH2 login (bench/results.md: that was most of the added latency).
  // A connection the server drops fails only the message on it (a transient failure the spool
  // retries); the next message opens a new one. The worker's own cap per mailbox is also 3.
  // The pool does no pacing of its own: the worker keeps Exchange's 30 a minute. A connection
  // is replaced after 1,000 messages, not nodemailer's 100: each new one costs a TCP and two TLS
  // handshakes and an XOAUTH2 login, ~7 round trips to Exchange Online, which documents no cap
  // on messages per connection.
  const sender: SmtpSender = createSmtpSender({
    resource: { ...resource, rateLimitPerMinute: 0 },
    tokens: tokens.provider(resource.name),
    pool: { maxConnections: 3, maxMessages: 1000 },
    ...(logger ? { logger } : {}),
  });
  let fallback: Promise<GraphSender> | undefined;
  return {
    resource: resource.name,
    ownAddress,
    async send(m) {
      try {
        // nodemailer writes `raw` as given (dot-stuffing only); the envelope is ours, not the headers'.
        // A bounce (null sender) goes out from the mailbox itself: Exchange checks Send As on MAIL FROM.
        const r = await sender.send({ envelope: { from: m.mailFrom || ownAddress || '', to: m.rcptTo }, raw: m.raw });
        return { via: 'smtp', upstreamId: r.response, rejected: r.rejected };
      } catch (e) {
        if (!(isMailbridgeError(e) && e.code === 'SMTP_AUTH_DISABLED' && resource.graphFallback)) throw e;
        logger?.info(
          { resource: resource.name },
          'gateway: SMTP AUTH is disabled for the mailbox; relaying through Microsoft Graph',
        );
        fallback ??= graphSender({
          baseUrl: resource.graphFallback.baseUrl,
          tokens: graphTokens(tokens, resource),
          resource,
          ...(logger ? { logger } : {}),
        });
        return (await fallback).send(m);
      }
    },
    close() {
      sender.close();
      void fallback?.then(
        (g) => g.close(),
        () => undefined,
      );
    },
  };
}

interface GraphSender {
  send(m: UpstreamMessage): Promise<UpstreamResult>;
  close(): void;
}

async function graphSender(o: {
  baseUrl: string;
  tokens: AccessTokenProvider;
  resource: Resource;
  logger?: Logger;
}): Promise<GraphSender> {
  const url = new URL(o.baseUrl);
  const tls =
    url.protocol === 'https:'
      ? await tlsOptionsFor({ ...o.resource, server: { ...o.resource.server, host: url.hostname } })
      : undefined;
  const user = o.resource.user;
  const http: GraphHttp = createGraphHttp({
    baseUrl: o.baseUrl,
    tokens: o.tokens,
    mailbox: user ?? o.resource.name,
    ...(tls ? { tls } : {}),
    ...(o.resource.proxy ? { proxy: o.resource.proxy } : {}),
    ...(o.logger ? { logger: o.logger } : {}),
    // The spool retries with its own backoff; a long Retry-After is not waited for in here.
    maxRetries: 1,
    maxRetryAfterMs: 5_000,
  });
  let prefix: string | undefined;
  const prefixFor = async (): Promise<string> => {
    if (prefix) return prefix;
    const claims = decodeAccessTokenClaims(await o.tokens.getAccessToken());
    assertTokenFitsProtocol(claims, 'graph', user);
    const appOnly = claims.jwt && claims.scp.length === 0 && claims.roles.length > 0;
    prefix = mailboxPrefix({ appOnly, ...(user ? { user } : {}), ...(claims.user ? { tokenUser: claims.user } : {}) });
    return prefix;
  };
  return {
    async send(m) {
      const p = await prefixFor();
      if (m.raw.length <= GRAPH_MIME_MAX_BYTES) {
        const raw = withEnvelopeOnlyAsBcc(m.raw, m.rcptTo);
        const res = await http.send({
          method: 'POST',
          url: `${p}/sendMail`,
          body: Buffer.from(raw.toString('base64')),
          contentType: 'text/plain',
          operation: 'send',
        });
        return {
          via: 'graph',
          upstreamId: res.headers['request-id'] ?? res.headers['client-request-id'] ?? '',
          rejected: [],
        };
      }
      const draft = await draftFromMime(m);
      const r = await sendMessage(http, p, draft);
      return { via: 'graph', upstreamId: `draft ${r.messageId}`, rejected: [] };
    },
    close: () => http.close(),
  };
}

/** Envelope recipients the headers do not name go into a Bcc: header (Graph has no envelope). */
function withEnvelopeOnlyAsBcc(raw: Buffer, rcptTo: string[]): Buffer {
  const h = readHeaderAddresses(raw);
  const named = new Set([...h.to, ...h.cc, ...h.bcc]);
  const missing = rcptTo.filter((r) => !named.has(r.toLowerCase()));
  if (missing.length === 0) return raw;
  const eol = raw.indexOf('\r\n') >= 0 && raw.indexOf('\r\n') <= raw.indexOf('\n') ? '\r\n' : '\n';
  return Buffer.concat([Buffer.from(`Bcc: ${missing.join(', ')}${eol}`), raw]);
}

/** A large message as a draft Graph can take in pieces (attachments by upload session). */
async function draftFromMime(m: UpstreamMessage): Promise<MailDraft> {
  const parsed = await simpleParser(m.raw, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
  const h = readHeaderAddresses(m.raw);
  const named = new Set([...h.to, ...h.cc, ...h.bcc]);
  const extraHeaders: Record<string, string> = {};
  for (const line of parsed.headerLines) {
    if (/^x-/i.test(line.key))
      extraHeaders[line.line.slice(0, line.line.indexOf(':'))] = line.line.slice(line.line.indexOf(':') + 1).trim();
  }
  return {
    from: h.from[0] ?? m.mailFrom,
    to: h.to,
    cc: h.cc,
    bcc: [...h.bcc, ...m.rcptTo.filter((r) => !named.has(r.toLowerCase()))],
    subject: parsed.subject ?? '',
    ...(typeof parsed.html === 'string' ? { html: parsed.html } : { text: parsed.text ?? '' }),
    attachments: parsed.attachments.map((a, i) => ({
      content: a.content,
      filename: a.filename ?? `attachment-${i + 1}`,
      contentType: a.contentType,
      ...(a.contentId && a.related ? { cid: a.contentId.replace(/^<|>$/g, '') } : {}),
    })),
    ...(Object.keys(extraHeaders).length ? { headers: extraHeaders } : {}),
  };
}
