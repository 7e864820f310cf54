import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TokenPrincipal, TokenRefusal } from '../contract.js';
import { GraphError } from './errors.js';
import { NEEDS } from './permissions.js';
import type { GraphState } from './state.js';

const GRAPH_APP_ID = '00000003-0000-0000-c000-000000000000';

/** Graph's WWW-Authenticate on a 401. */
const WWW_AUTHENTICATE = `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="${GRAPH_APP_ID}"`;

const REFUSAL_MESSAGES: Record<TokenRefusal, string> = {
  missing: 'Access token is empty.',
  malformed: 'CompactToken parsing failed with error code: 80049217',
  bad_signature: 'Access token validation failure. Invalid signature.',
  expired: 'Lifetime validation failed, the token is expired.',
  wrong_audience: 'Access token validation failure. Invalid audience.',
  wrong_tenant: 'Access token validation failure. Invalid issuer.',
  insufficient_scope: 'Access is denied. Check credentials and try again.',
  no_mailbox_permission: 'Access is denied. Check credentials and try again.',
};

export function refusalError(reason: TokenRefusal): GraphError {
  if (reason === 'insufficient_scope' || reason === 'no_mailbox_permission') return new GraphError(403, 'ErrorAccessDenied', REFUSAL_MESSAGES[reason]);
  return new GraphError(401, 'InvalidAuthenticationToken', REFUSAL_MESSAGES[reason], { 'www-authenticate': WWW_AUTHENTICATE });
}

export function bearerToken(req: FastifyRequest): string {
  const h = req.headers.authorization ?? '';
  const m = /^Bearer\s+(.+)$/i.exec(h.trim());
  return m ? m[1]!.trim() : '';
}

/** Validate the bearer token for a set of scopes/roles (optionally on a mailbox). */
export async function authenticate(
  state: GraphState, req: FastifyRequest, need: { anyScope: string[]; anyRole: string[] }, mailbox?: string,
): Promise<TokenPrincipal> {
  const token = bearerToken(req);
  if (!token) throw refusalError('missing');
  const r = await state.ctx.tokens.validate(token, { audience: 'graph', ...need, ...(mailbox ? { mailbox } : {}) });
  if (!r.ok) throw refusalError(r.reason);
  return r.principal;
}

const contextPathOf = (address: string): string => `users('${encodeURIComponent(address)}')`;

/**
 * The onRequest pipeline of a mailbox route: token → mailbox → concurrency gate → faults.
 * Runs before the body is read, so a request holds its slot for its whole life, as at Outlook.
 */
export async function admitGraphRequest(state: GraphState, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const needName = req.routeOptions.config.graph;
  if (needName === undefined || needName === 'subscriptions') return;
  const need = NEEDS[needName];
  const params = (req.params ?? {}) as Record<string, string | undefined>;
  const userRef = params['user'];
  const { ctx } = state;
  let principal: TokenPrincipal;
  let address: string;
  if (userRef === undefined) {
    principal = await authenticate(state, req, need);
    if (principal.appOnly || !principal.upn) {
      throw new GraphError(400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
    }
    address = principal.upn.toLowerCase();
  } else {
    const lower = userRef.toLowerCase();
    // Object ids are accepted for the caller's own mailbox (the store knows mailboxes by address).
    const byAddress = ctx.store.mailbox(lower);
    principal = await authenticate(state, req, need, byAddress ? byAddress.address : lower);
    address = byAddress ? byAddress.address : principal.oid && principal.oid.toLowerCase() === lower && principal.upn ? principal.upn.toLowerCase() : lower;
    checkMailboxAccess(state, principal, address);
  }
  const mailbox = ctx.store.mailbox(address);
  if (!mailbox) throw new GraphError(404, 'ErrorInvalidUser', `The requested user '${userRef ?? address}' is invalid.`);
  const release = state.concurrency.acquire(principal.appId, mailbox.address);
  if (!release) {
    throw new GraphError(429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', { 'retry-after': '1' });
  }
  reply.raw.once('close', release);
  req.graph = { mailbox, principal, base: `${req.protocol}://${req.host}/v1.0`, contextPath: contextPathOf(mailbox.address) };
  await applyFault(state, req, mailbox.address);
}

/** Injected faults (contract ExchangeFault) for protocol 'graph'. */
export async function applyFault(state: GraphState, req: FastifyRequest, mailbox: string): Promise<void> {
  const fault = state.ctx.takeFault('graph', mailbox);
  if (!fault) return;
  // value = Retry-After seconds for throttle/server_error (default 1: keeps client tests quick).
  const retryAfter = String(fault.value ?? 1);
  switch (fault.kind) {
    case 'throttle':
      throw new GraphError(429, 'TooManyRequests', 'Please retry again later.', { 'retry-after': retryAfter });
    case 'server_error':
      throw new GraphError(503, 'serviceNotAvailable', 'The service is temporarily unavailable. Please retry later.', { 'retry-after': retryAfter });
    case 'slow':
      await delay(fault.value ?? 1000);
      return;
    case 'drop_connection':
      req.raw.socket.destroy();
      return;
  }
}

/** A delegated caller may open their own mailbox or one they hold FullAccess on (app-only was checked by validate). */
export function checkMailboxAccess(state: GraphState, principal: TokenPrincipal, address: string): void {
  if (principal.appOnly || principal.upn?.toLowerCase() === address || state.ctx.tokens.canAccess(principal, address)) return;
  throw new GraphError(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
}
