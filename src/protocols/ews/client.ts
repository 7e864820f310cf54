/**
 * The EWS client: one SOAP call at a time, with the Bearer token from the resource's token
 * provider (asked again once with forceRefresh when the server answers 401), X-AnchorMailbox,
 * ExchangeImpersonation for app-only tokens, and a bounded retry on ErrorServerBusy that
 * honours the server's BackOffMilliseconds. Operations (find-item.ts, get-item.ts…) build
 * the request element and read the response; this file owns the conversation.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { AccessTokenProvider } from '../../auth/token-provider.js';
import { decodeAccessTokenClaims } from '../../auth/claims.js';
import { isLoopbackHost } from '../../config/loopback.js';
import type { Resource } from '../../config/resource.js';
import { ConfigError, ProtocolError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { Operation } from '../errors.js';
import { tlsOptionsFor } from '../tls.js';
import {
  busyError, errorFromResponseCode, forbiddenError, httpStatusError, malformedReplyError, transportError, unauthorizedError,
  type EwsErrorContext,
} from './errors.js';
import { READ_LIMITS, readCapped } from '../../limits.js';
import { EnvelopeSplitter } from './envelope-stream.js';
import { createTransport, type HttpReply, type HttpStream, type HttpTransport } from './http.js';
import { attr, child, childEntries, children, envelope, ownText, parseEnvelope, text, type XmlElement, type XmlObject } from './soap.js';

export interface EwsClientOptions {
  resource: Resource;
  tokens: AccessTokenProvider;
  logger?: Logger;
  /** ErrorServerBusy / HTTP 503: retries at most this many times (default 3). */
  busyRetries?: number;
  /** The longest back-off honoured (default 30 s); a longer one fails at once, naming the wait. */
  maxBackOffMs?: number;
  /** Per request (default 100 s, the EWS Managed API's default). */
  timeoutMs?: number;
}

export interface CallOptions {
  /** What the call is part of: decides the error family (default receive). */
  operation?: Operation;
  /** Return error response messages instead of throwing on the first (GetFolder of optional folders). */
  tolerateErrors?: boolean;
  /** HTTP headers added to (or replacing) the usual ones: a subscription group's affinity headers (ews-streaming-group.ts). */
  headers?: Readonly<Record<string, string>>;
  /** Sees the HTTP headers of the answer (the affinity cookie a Subscribe answer sets). */
  onHeaders?: (headers: Readonly<Record<string, string | undefined>>) => void;
}

/** Who the token speaks for, read from its claims on every call (tokens are refreshed). */
export interface StreamOptions {
  signal: AbortSignal;
  /** No byte for this long (Exchange sends keep-alives when quiet): the connection counts as dead. */
  idleTimeoutMs: number;
  /** As CallOptions.headers. */
  headers?: Readonly<Record<string, string>>;
  /** As CallOptions.onHeaders. */
  onHeaders?: (headers: Readonly<Record<string, string | undefined>>) => void;
}

export interface EwsPrincipal {
  appOnly: boolean;
  /** The mailbox the calls act on: the resource user, else the token's user. */
  mailbox?: string;
  /**
   * Delegated access to another user's mailbox (a shared mailbox): folder ids must then name
   * the mailbox, as EWS opens the signed-in user's own mailbox otherwise.
   */
  otherMailbox?: string;
}

export interface EwsClient {
  readonly url: string;
  /** The resource's mailbox address (the resource user), when configured. */
  readonly mailbox: string | undefined;
  /** Sends one operation; returns the `<ActionResponse>` element with every message a Success/Warning. */
  call(action: string, body: XmlElement, opts?: CallOptions): Promise<XmlObject>;
  /**
   * Sends a long-running operation (GetStreamingEvents) and yields its `<{action}Response>` once
   * per envelope the server writes, until the server ends the response or `signal` aborts (then
   * it just ends). Error response messages are yielded, not thrown: they are part of the stream.
   */
  stream(action: string, body: XmlElement, opts: StreamOptions): AsyncIterable<XmlObject>;
  /** Who the last token used acts for (asks for a token when none was used yet). */
  principal(): Promise<EwsPrincipal>;
  /** The typed error for an error response message (with tolerateErrors). */
  fail(action: string, message: XmlObject, operation?: Operation): ProtocolError;
  close(): void;
}

/** `${server}/EWS/Exchange.asmx`, or the server URL as given when it already is the endpoint. */
export function ewsEndpoint(resource: Resource): URL {
  let base: URL;
  try {
    base = new URL(resource.server.host);
  } catch {
    throw new ConfigError({
      code: 'EWS_URL_INVALID',
      message: `EWS needs a base URL, got "${resource.server.host}"`,
      hint: 'give e.g. https://outlook.office365.com, or https://mail.example.com for Exchange Server (the EWS endpoint is /EWS/Exchange.asmx under it)',
      field: 'server.host',
    });
  }
  if (base.protocol === 'http:' && !isLoopbackHost(base.hostname)) {
    throw new ConfigError({
      code: 'PLAINTEXT_AUTH_REFUSED',
      message: `${resource.name} would send an access token to ${base.hostname} without TLS`,
      hint: `use https://${base.host}`,
      field: 'server.host',
    });
  }
  if (/\/ews\/exchange\.asmx$/i.test(base.pathname)) return base;
  return new URL(`${base.pathname.replace(/\/+$/, '')}/EWS/Exchange.asmx`, base);
}

/** The `<m:ResponseMessages>` children, whatever their element name. */
export function responseMessages(resp: XmlObject): XmlObject[] {
  return childEntries(child(resp, 'ResponseMessages')).map(([, m]) => m);
}

export function responseCode(msg: XmlObject): string {
  return text(msg, 'ResponseCode') ?? (attr(msg, 'ResponseClass') === 'Error' ? 'ErrorUnknown' : 'NoError');
}

/** BackOffMilliseconds from a response message or a fault detail (`<t:MessageXml><t:Value Name=…>`). */
function backOffOf(o: XmlObject | undefined): number | undefined {
  const v = children(child(o, 'MessageXml'), 'Value').find((x) => attr(x, 'Name') === 'BackOffMilliseconds');
  const n = Number(ownText(v));
  return v && Number.isFinite(n) && n >= 0 ? n : undefined;
}

interface ServerComplaint {
  code: string;
  text: string;
  backOffMs?: number;
}

/** A SOAP fault: its EWS response code (detail, else the faultcode's local name) and text. */
function readFault(fault: XmlObject): ServerComplaint {
  const detail = child(fault, 'detail');
  const code = text(detail, 'ResponseCode') ?? (text(fault, 'faultcode') ?? 'ErrorUnknown').replace(/^.*:/, '');
  const backOffMs = backOffOf(detail);
  return { code, text: text(detail, 'Message') ?? text(fault, 'faultstring') ?? '', ...(backOffMs !== undefined ? { backOffMs } : {}) };
}

const THROTTLED = new Set(['ErrorServerBusy']);

export function createEwsClient(opts: EwsClientOptions): EwsClient {
  const url = ewsEndpoint(opts.resource);
  const mailbox = opts.resource.user;
  const busyRetries = opts.busyRetries ?? 3;
  const maxBackOffMs = opts.maxBackOffMs ?? 30_000;
  const timeoutMs = opts.timeoutMs ?? 100_000;
  let transport: Promise<HttpTransport> | undefined;
  /** Who the last token used spoke for: folder ids built between calls follow it. */
  let lastPrincipal: EwsPrincipal | undefined;

  function getTransport(): Promise<HttpTransport> {
    // tlsOptionsFor reads host names: EWS keeps a URL in server.host, so hand it the host alone.
    transport ??= tlsOptionsFor({ ...opts.resource, server: { ...opts.resource.server, host: url.hostname } })
      .then((tls) => createTransport(tls, { proxy: opts.resource.proxy }));
    transport.catch(() => {
      transport = undefined;
    });
    return transport;
  }

  function principalOf(token: Parameters<typeof decodeAccessTokenClaims>[0]): EwsPrincipal {
    const claims = decodeAccessTokenClaims(token);
    // App-only tokens carry roles and no user (microsoft.md 4.1): they must impersonate a mailbox.
    const appOnly = claims.jwt && claims.roles.length > 0 && claims.user === undefined;
    const target = mailbox ?? claims.user;
    const other = !appOnly && mailbox && claims.user && mailbox.toLowerCase() !== claims.user.toLowerCase() ? mailbox : undefined;
    return { appOnly, ...(target ? { mailbox: target } : {}), ...(other ? { otherMailbox: other } : {}) };
  }

  const contextFor = (action: string, operation: Operation = 'receive'): EwsErrorContext => ({
    url: url.href, operation, soapAction: action, resource: opts.resource.name, ...(mailbox ? { mailbox } : {}),
  });

  /** The HTTP headers and SOAP text of one request, with a token asked for now. */
  async function request(
    body: XmlElement,
    refreshed: boolean,
    extra: Readonly<Record<string, string>> = {},
  ): Promise<{ headers: Record<string, string>; xml: string }> {
    const token = await opts.tokens.getAccessToken(refreshed ? { forceRefresh: true } : {});
    const who = principalOf(token);
    lastPrincipal = who;
    if (who.appOnly && !mailbox) {
      throw new ConfigError({
        code: 'EWS_MAILBOX_REQUIRED',
        message: `${opts.resource.name} uses an app-only token, which must name the mailbox to act on`,
        hint: 'set the resource user to the mailbox\'s primary SMTP address (it goes into ExchangeImpersonation and X-AnchorMailbox)',
        field: 'user',
      });
    }
    const headers: Record<string, string> = {
      'Content-Type': 'text/xml; charset=utf-8',
      Accept: 'text/xml',
      Authorization: `Bearer ${token.reveal()}`,
      'User-Agent': 'mailbridge',
      ...(who.mailbox ? { 'X-AnchorMailbox': who.mailbox } : {}),
      ...extra,
    };
    return { headers, xml: envelope({ body, ...(who.appOnly && mailbox ? { impersonate: mailbox } : {}) }) };
  }

  async function* stream(action: string, body: XmlElement, so: StreamOptions): AsyncGenerator<XmlObject> {
    const ctx = contextFor(action);
    const t = await getTransport();
    let refreshed = false;
    // A function, not the property: the compiler would take `aborted` as still false after the first test.
    const aborted = () => so.signal.aborted;
    for (;;) {
      if (aborted()) return;
      const { headers, xml } = await request(body, refreshed, so.headers);
      let res: HttpStream;
      try {
        // The signal goes into the request itself: a listener added once the answer is there would
        // miss an abort while a busy server takes its time to answer, and the stream it then opened
        // would run on, unwatched, for its whole ConnectionTimeout.
        res = await t.postStream(url, headers, xml, so.idleTimeoutMs, so.signal);
      } catch (e) {
        if (aborted()) return;
        throw transportError(ctx, e);
      }
      try {
        so.onHeaders?.(res.headers);
        if (res.status !== 200) {
          const text = (await readCapped(res.body, READ_LIMITS.ewsResponseBytes, `the EWS answer from ${url.host}`)).toString('utf8');
          if (res.status === 401 && !refreshed) {
            refreshed = true;
            continue;
          }
          const failure = { status: res.status, headers: res.headers, body: text };
          if (res.status === 401) throw unauthorizedError(ctx, failure);
          if (res.status === 403) throw forbiddenError(ctx, failure);
          const env = parseEnvelope(text);
          const fault = child(env?.body, 'Fault');
          if (fault) {
            const c = readFault(fault);
            if (THROTTLED.has(c.code)) throw busyError(ctx, c.code, c.text, c.backOffMs, 1);
            throw errorFromResponseCode(ctx, c.code, c.text, { httpStatus: res.status });
          }
          throw httpStatusError(ctx, failure);
        }
        opts.logger?.debug({ ews: action, url: url.href }, 'EWS stream opened');
        const splitter = new EnvelopeSplitter(READ_LIMITS.ewsResponseBytes);
        try {
          for await (const chunk of res.body) {
            for (const doc of splitter.push(chunk)) {
              const env = parseEnvelope(doc);
              if (!env) throw malformedReplyError(ctx, 'no SOAP envelope in the event stream', doc);
              const fault = child(env.body, 'Fault');
              if (fault) {
                const c = readFault(fault);
                throw errorFromResponseCode(ctx, c.code, c.text);
              }
              const resp = child(env.body, `${action}Response`);
              if (!resp) throw malformedReplyError(ctx, `no ${action}Response in the event stream`, doc);
              yield resp;
            }
          }
        } catch (e) {
          if (aborted()) return;
          if (e instanceof ProtocolError) throw e;
          if (e instanceof RangeError) throw malformedReplyError(ctx, e.message, splitter.pending.slice(0, 200));
          throw transportError(ctx, e);
        }
        if (aborted()) return;
        // A response cut mid-envelope (a proxy or the network) ends with text left over: a failure, not an end.
        if (splitter.pending) throw transportError(ctx, Object.assign(new Error('the event stream ended inside an envelope'), { code: 'ECONNRESET' }));
        return;
      } finally {
        res.close();
      }
    }
  }

  async function call(action: string, body: XmlElement, o: CallOptions = {}): Promise<XmlObject> {
    const ctx = contextFor(action, o.operation);
    const t = await getTransport();
    let refreshed = false;
    let busy = 0;
    for (;;) {
      const { headers, xml } = await request(body, refreshed, o.headers);
      let res: HttpReply;
      try {
        res = await t.post(url, headers, xml, timeoutMs);
      } catch (e) {
        if (e instanceof ProtocolError) throw e; // a cap on the answer (http.ts), already typed
        throw transportError(ctx, e);
      }
      opts.logger?.debug({ ews: action, status: res.status, url: url.href }, 'EWS call');
      o.onHeaders?.(res.headers);

      if (res.status === 401) {
        if (!refreshed) {
          refreshed = true;
          continue;
        }
        throw unauthorizedError(ctx, res);
      }
      if (res.status === 403) throw forbiddenError(ctx, res);

      const env = parseEnvelope(res.body);
      if (!env) {
        if (res.status === 503 && busy < busyRetries) {
          const wait = retryAfterMs(res.headers['retry-after']);
          if (wait <= maxBackOffMs) {
            busy++;
            await sleep(wait);
            continue;
          }
        }
        if (res.status >= 200 && res.status < 300) throw malformedReplyError(ctx, 'no SOAP envelope', res.body);
        throw httpStatusError(ctx, res);
      }

      const fault = child(env.body, 'Fault');
      const complaint = fault ? readFault(fault) : busyMessage(child(env.body, `${action}Response`));
      if (complaint) {
        if (THROTTLED.has(complaint.code)) {
          const wait = complaint.backOffMs ?? 1000;
          if (busy < busyRetries && wait <= maxBackOffMs) {
            busy++;
            opts.logger?.info({ ews: action, backOffMs: wait, attempt: busy }, 'EWS server busy: backing off');
            await sleep(wait);
            continue;
          }
          throw busyError(ctx, complaint.code, complaint.text, complaint.backOffMs, busy + 1);
        }
        if (fault) throw errorFromResponseCode(ctx, complaint.code, complaint.text, { httpStatus: res.status });
      }

      const resp = child(env.body, `${action}Response`);
      if (!resp) throw malformedReplyError(ctx, `no ${action}Response in the SOAP body`, res.body);
      if (!o.tolerateErrors) {
        const bad = responseMessages(resp).find((m) => attr(m, 'ResponseClass') === 'Error');
        if (bad) throw errorFromResponseCode(ctx, responseCode(bad), text(bad, 'MessageText') ?? '');
      }
      return resp;
    }
  }

  return {
    url: url.href,
    mailbox,
    call,
    stream,
    async principal() {
      lastPrincipal ??= principalOf(await opts.tokens.getAccessToken({}));
      return lastPrincipal;
    },
    fail(action, m, operation) {
      return errorFromResponseCode(contextFor(action, operation), responseCode(m), text(m, 'MessageText') ?? '');
    },
    close() {
      const t = transport;
      transport = undefined;
      void t?.then((x) => x.close(), () => undefined);
    },
  };
}

/** ErrorServerBusy inside a response message (HTTP 200 or 500 with a normal body). */
function busyMessage(resp: XmlObject | undefined): ServerComplaint | undefined {
  if (!resp) return undefined;
  const m = responseMessages(resp).find((x) => THROTTLED.has(responseCode(x)));
  if (!m) return undefined;
  const backOffMs = backOffOf(m);
  return { code: responseCode(m), text: text(m, 'MessageText') ?? '', ...(backOffMs !== undefined ? { backOffMs } : {}) };
}

function retryAfterMs(header: string | undefined): number {
  const s = Number(header);
  return Number.isFinite(s) && s >= 0 ? s * 1000 : 1000;
}

