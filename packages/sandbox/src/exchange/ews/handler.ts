import { setTimeout as delay } from 'node:timers/promises';
import type { ExchangeContext, SandboxMailbox, TokenPrincipal } from '../contract.js';
import { ewsAccess } from '../settings.js';
import { bearerToken, ewsBlocked, tokenRefusal, type HttpRefusal } from './auth.js';
import type { EwsCall } from './context.js';
import { OPERATIONS, PLAIN_OPERATIONS } from './operations/index.js';
import { EwsError, EwsFault, failure, faultEnvelope, plainResponseEnvelope, responseEnvelope, serverBusy } from './soap.js';
import { subscriptionOwner } from './operations/subscribe.js';
import { streamingOf, SubscriptionsError, type StreamSink } from './streaming.js';
import { child, m, NS, parseXml, t, tText, XmlSyntaxError, type XNode } from './xml.js';

/**
 * One EWS request from HTTP to SOAP and back, in the order Exchange Online applies its checks:
 * the front end's token check (401), EWS availability for the app (403), the SOAP envelope
 * (schema faults), the mailbox acted on (impersonation), throttling, then the operation.
 */

export interface EwsHttpRequest {
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export type EwsHttpResponse =
  | { status: number; headers: Record<string, string>; body: string }
  | { drop: true }
  /** GetStreamingEvents: the response stays open and `start` writes envelopes as events happen. */
  | { status: number; headers: Record<string, string>; stream: (sink: StreamSink) => void };

const XML_HEADERS = { 'content-type': 'text/xml; charset=utf-8' };
const DEFAULT_BACKOFF_MS = 30_000;

const header = (req: EwsHttpRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

const refusal = (r: HttpRefusal): EwsHttpResponse => ({ status: r.status, headers: r.headers, body: '' });
const fault = (err: EwsError): EwsHttpResponse => ({ status: 500, headers: XML_HEADERS, body: faultEnvelope(err) });

/** What EWS asks of a token: Exchange's audience, the delegated scope or the app role, and for app-only the mailbox permission. */
const need = (mailbox?: string) => ({ audience: 'outlook' as const, anyScope: ['EWS.AccessAsUser.All'], anyRole: ['full_access_as_app'], ...(mailbox ? { mailbox } : {}) });

export async function handleEws(ctx: ExchangeContext, req: EwsHttpRequest): Promise<EwsHttpResponse> {
  const token = bearerToken(header(req, 'authorization'));
  if (!token) return refusal(tokenRefusal('missing'));
  const checked = await ctx.tokens.validate(token, need());
  if (!checked.ok) return refusal(tokenRefusal(checked.reason));
  const principal = checked.principal;

  const access = ewsAccess(ctx.settings, principal.appId, ctx.now());
  if (access !== 'ok') return refusal(ewsBlocked(access, principal.appId));

  let envelope: { header?: XNode; operation: XNode };
  try {
    envelope = readEnvelope(req.body.toString('utf8'));
  } catch (e) {
    if (e instanceof EwsError) return fault(e);
    throw e;
  }

  const affinity = prefersAffinity(req, envelope.operation.name);
  let call: EwsCall;
  try {
    call = { ctx, principal, mailbox: await actingMailbox(ctx, token, principal, envelope.header, header(req, 'x-anchormailbox'), affinity) };
  } catch (e) {
    if (e instanceof EwsError) return fault(e);
    throw e;
  }
  if (!affinity) return dispatch(ctx, call, envelope.operation);
  // Affinity, loosely: the answer sets a cookie naming the anchor's "server"; a request carrying one back is counted.
  const streaming = streamingOf(ctx);
  if (/(?:^|;\s*)X-BackEndOverrideCookie=/i.test(header(req, 'cookie') ?? '')) streaming.countAffinity('carried');
  const out = await dispatch(ctx, call, envelope.operation);
  if ('drop' in out) return out;
  streaming.countAffinity('set');
  const anchor = (header(req, 'x-anchormailbox') ?? '').trim().toLowerCase();
  const cookie = `X-BackEndOverrideCookie=${Buffer.from(`sandbox-be|${anchor}`).toString('base64url')}; path=/; secure; HttpOnly`;
  return { ...out, headers: { ...out.headers, 'set-cookie': cookie } };
}

/**
 * X-PreferServerAffinity: true with an X-AnchorMailbox on a Subscribe or GetStreamingEvents: the
 * client keeps a group of subscriptions on one mailbox server.
 * https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/how-to-maintain-affinity-between-group-of-subscriptions-and-mailbox-server
 */
function prefersAffinity(req: EwsHttpRequest, operation: string): boolean {
  return (
    (operation === 'Subscribe' || operation === 'GetStreamingEvents') &&
    header(req, 'x-preferserveraffinity')?.trim().toLowerCase() === 'true' &&
    !!header(req, 'x-anchormailbox')
  );
}

/** The operation itself, once the caller and the mailbox are known. */
async function dispatch(ctx: ExchangeContext, call: EwsCall, request: XNode): Promise<EwsHttpResponse> {
  const injected = ctx.takeFault('ews', call.mailbox.address);
  if (injected?.kind === 'throttle') return fault(serverBusy(injected.value ?? DEFAULT_BACKOFF_MS));
  if (injected?.kind === 'server_error') return fault(new EwsFault('ErrorInternalServerError', 'An internal server error occurred. The operation failed.'));
  if (injected?.kind === 'drop_connection') return { drop: true };
  // Unref'd: a long slow fault must not keep a test process alive after the sandbox closed.
  if (injected?.kind === 'slow') await delay(injected.value ?? 1000, undefined, { ref: false });

  if (request.name === 'GetStreamingEvents') return getStreamingEvents(call, request);

  const plain = PLAIN_OPERATIONS[request.name];
  if (plain) {
    try {
      const body = await plain.run(call, request);
      return { status: 200, headers: XML_HEADERS, body: plainResponseEnvelope(plain.response, body) };
    } catch (e) {
      if (e instanceof EwsError) return fault(e);
      throw e;
    }
  }
  const operation = OPERATIONS[request.name];
  if (!operation) {
    return fault(new EwsFault('ErrorInvalidRequest', `The request is valid but the sandbox does not implement the ${request.name} operation.`));
  }
  try {
    const messages = await operation(call, request);
    return { status: 200, headers: XML_HEADERS, body: responseEnvelope(request.name, messages) };
  } catch (e) {
    if (e instanceof EwsError) return fault(e);
    return fault(new EwsFault('ErrorInternalServerError', `An internal server error occurred. The operation failed, ${e instanceof Error ? e.message : String(e)}`));
  }
}

/**
 * GetStreamingEvents: the ids and the ConnectionTimeout are checked before anything streams (an
 * unknown subscription is an ordinary error response), then the response is held open.
 * https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getstreamingevents-operation
 */
function getStreamingEvents(call: EwsCall, op: XNode): EwsHttpResponse {
  const ids = (m(op, 'SubscriptionIds')?.children ?? []).filter((n) => n.name === 'SubscriptionId').map((n) => n.text.trim());
  const minutes = Number(m(op, 'ConnectionTimeout')?.text.trim());
  if (!ids.length) return fault(new EnvelopeError("The element 'GetStreamingEvents' is missing 'SubscriptionIds'."));
  if (!m(op, 'ConnectionTimeout')) return fault(new EnvelopeError("The element 'GetStreamingEvents' is missing 'ConnectionTimeout'."));
  // StreamingSubscriptionConnectionTimeoutType: an xs:int from 1 to 30.
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 30) {
    return fault(new EnvelopeError(`The 'ConnectionTimeout' element is invalid - the value must be an integer from 1 to 30 minutes.`));
  }
  const service = streamingOf(call.ctx);
  try {
    service.check(ids, subscriptionOwner(call), call.mailbox.address);
  } catch (e) {
    if (!(e instanceof EwsError)) throw e;
    const named = e instanceof SubscriptionsError ? e.ids : [];
    const body = failure(e, named.length ? { 'm:ErrorSubscriptionIds': { 't:SubscriptionId': [...named] } } : {});
    return { status: 200, headers: XML_HEADERS, body: responseEnvelope('GetStreamingEvents', [{ element: 'GetStreamingEventsResponseMessage', body }]) };
  }
  return { status: 200, headers: XML_HEADERS, stream: (sink) => service.open(ids, call.mailbox.address, minutes, sink) };
}

/** Malformed SOAP (not XML, not an Envelope, not an EWS element): Exchange's schema-validation fault. */
class EnvelopeError extends EwsFault {
  constructor(message: string) {
    super('ErrorSchemaValidation', `The request failed schema validation: ${message}`);
  }
}

function readEnvelope(xml: string): { header?: XNode; operation: XNode } {
  let root: XNode;
  try {
    root = parseXml(xml);
  } catch (e) {
    if (e instanceof XmlSyntaxError) throw new EnvelopeError(e.message);
    throw e;
  }
  if (root.name !== 'Envelope' || root.ns !== NS.soap) {
    throw new EnvelopeError(`the root element must be {${NS.soap}}Envelope (SOAP 1.1), not {${root.ns}}${root.name}.`);
  }
  const body = child(root, NS.soap, 'Body');
  const operation = body?.children[0];
  if (!body || !operation || body.children.length > 1) throw new EnvelopeError('the soap:Body must hold exactly one EWS request element.');
  if (operation.ns !== NS.m) {
    throw new EnvelopeError(`The element '${operation.name}' in namespace '${operation.ns}' is not expected; EWS requests are in ${NS.m}.`);
  }
  const head = child(root, NS.soap, 'Header');
  return head ? { header: head, operation } : { operation };
}

const impersonationError = (message: string) => new EwsFault('ErrorInvalidExchangeImpersonationHeaderData', message);

/** The SMTP address in t:ExchangeImpersonation/t:ConnectingSID, if the header is there. */
function impersonatedAddress(head: XNode | undefined): string | undefined {
  const imp = t(head, 'ExchangeImpersonation');
  if (!imp) return undefined;
  const sid = t(imp, 'ConnectingSID');
  const address = tText(sid, 'SmtpAddress') ?? tText(sid, 'PrimarySmtpAddress') ?? tText(sid, 'PrincipalName');
  if (!address) {
    throw impersonationError('The ExchangeImpersonation SOAP header must name the mailbox with ConnectingSID/SmtpAddress, PrimarySmtpAddress or PrincipalName (SID is not supported by the sandbox).');
  }
  return address.toLowerCase();
}

async function actingMailbox(ctx: ExchangeContext, token: string, principal: TokenPrincipal, head: XNode | undefined, anchor: string | undefined, affinity = false): Promise<SandboxMailbox> {
  const impersonated = impersonatedAddress(head);
  if (principal.appOnly) {
    if (!impersonated) throw impersonationError('ExchangeImpersonation SOAP header must be present for this type of OAuth token.');
    // A subscription group's requests name the group's anchor mailbox instead (affinity); it must exist.
    if (affinity && anchor && !ctx.store.mailbox(anchor.trim().toLowerCase())) {
      throw new EwsFault('ErrorNonExistentMailbox', `The X-AnchorMailbox ${anchor.trim()} has no mailbox associated with it.`);
    }
    if (!affinity && (!anchor || anchor.trim().toLowerCase() !== impersonated)) {
      throw impersonationError(`When using impersonation the X-AnchorMailbox header must name the impersonated mailbox (${impersonated}).`);
    }
  }
  const address = impersonated ?? principal.upn?.toLowerCase();
  if (!address) throw impersonationError('The token names no user and the request impersonates none.');
  const mailbox = ctx.store.mailbox(address);
  if (!mailbox) throw new EwsFault('ErrorNonExistentMailbox', `The SMTP address ${address} has no mailbox associated with it.`);
  if (principal.appOnly) {
    const withMailbox = await ctx.tokens.validate(token, need(mailbox.address));
    if (!withMailbox.ok) throw new EwsFault('ErrorAccessDenied', `Access is denied. Check credentials and try again. The application has no permission on ${mailbox.address}.`);
  } else if (mailbox.address !== principal.upn?.toLowerCase() && !ctx.tokens.canAccess(principal, mailbox.address)) {
    throw new EwsFault('ErrorImpersonateUserDenied', 'The account does not have permission to impersonate the requested user.');
  }
  return mailbox;
}

