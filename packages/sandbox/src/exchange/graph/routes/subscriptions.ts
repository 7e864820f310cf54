import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Folder, TokenPrincipal } from '../../contract.js';
import { checkMailboxAccess, authenticate } from '../auth.js';
import { GraphError } from '../errors.js';
import { linkWith, parseBody } from '../http.js';
import { NEEDS } from '../permissions.js';
import { graphDateTime } from '../serialize.js';
import { findFolder, type GraphState } from '../state.js';
import { checkNotificationUrl, MAX_SUBSCRIPTION_MINUTES, validateEndpoint, type ChangeType, type Subscription } from '../subscriptions.js';

const createSchema = z.object({
  changeType: z.string().min(1),
  notificationUrl: z.string().min(1),
  lifecycleNotificationUrl: z.string().optional(),
  resource: z.string().min(1),
  expirationDateTime: z.string().min(1),
  clientState: z.string().max(128).optional(),
  latestSupportedTlsVersion: z.string().optional(),
}).loose();

const renewSchema = z.object({ expirationDateTime: z.string().min(1) });

/** `me/mailFolders('inbox')/messages`, `/users/{id}/mailfolders/inbox/messages`, `me/messages`. */
const RESOURCE_RE = /^\/?(me|users\/([^/]+))\/(?:mailfolders(?:\('([^']+)'\)|\/([^/]+))\/)?messages$/i;

function expiry(text: string, nowMs: number): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new GraphError(400, 'ValidationError', `expirationDateTime '${text}' is not a valid date.`);
  if (ms <= nowMs) throw new GraphError(400, 'ValidationError', 'Subscription expiration must be in the future.');
  if (ms > nowMs + MAX_SUBSCRIPTION_MINUTES * 60_000) {
    throw new GraphError(400, 'ValidationError', `Subscription expiration can only be ${MAX_SUBSCRIPTION_MINUTES} minutes in the future.`);
  }
  return ms;
}

function subscriptionJson(base: string, s: Subscription): Record<string, unknown> {
  return {
    '@odata.context': `${base}/$metadata#subscriptions/$entity`,
    id: s.id,
    resource: s.resource,
    applicationId: s.applicationId,
    changeType: s.changeTypes.join(','),
    clientState: s.clientState ?? null,
    notificationUrl: s.notificationUrl,
    lifecycleNotificationUrl: s.lifecycleNotificationUrl ?? null,
    expirationDateTime: graphDateTime(s.expiresAt),
    creatorId: s.creatorId,
    latestSupportedTlsVersion: 'v1_2',
    notificationUrlAppId: null,
    includeResourceData: false,
  };
}

const baseOf = (req: FastifyRequest): string => `${req.protocol}://${req.host}/v1.0`;

/** Change notifications on messages (microsoft.md §5.8): create with the handshake, renew, delete. */
export function registerSubscriptionRoutes(app: FastifyInstance, state: GraphState): void {
  const { ctx } = state;

  app.post('/v1.0/subscriptions', { config: { graph: 'subscriptions' } }, async (req, reply) => {
    const body = parseBody(createSchema, req.body);
    const m = RESOURCE_RE.exec(body.resource.trim());
    if (!m) throw new GraphError(400, 'ExtensionError', `Unsupported resource '${body.resource}': the sandbox notifies on mail folders' messages.`);
    const userRef = m[2] ? decodeURIComponent(m[2]).toLowerCase() : undefined;
    const principal: TokenPrincipal = await authenticate(state, req, NEEDS['mail.read'], userRef);
    if (!userRef && (principal.appOnly || !principal.upn)) throw new GraphError(400, 'BadRequest', '/me request is only valid with delegated authentication flow.');
    const address = userRef ?? principal.upn!.toLowerCase();
    const mailbox = ctx.store.mailbox(address);
    if (!mailbox) throw new GraphError(404, 'ErrorInvalidUser', `The requested user '${address}' is invalid.`);
    checkMailboxAccess(state, principal, mailbox.address);
    const folderRef = m[3] ?? m[4];
    let folders: readonly Folder[];
    if (folderRef) {
      const folder = findFolder(mailbox, folderRef);
      if (!folder) throw new GraphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
      folders = [folder];
    } else {
      folders = mailbox.folders();
    }
    const changeTypes = body.changeType.split(',').map((s) => s.trim());
    if (!changeTypes.every((c) => ['created', 'updated', 'deleted'].includes(c))) {
      throw new GraphError(400, 'ValidationError', `Invalid changeType '${body.changeType}'.`);
    }
    const expiresAt = expiry(body.expirationDateTime, ctx.now());
    const notificationUrl = checkNotificationUrl(body.notificationUrl, 'notificationUrl');
    const lifecycle = body.lifecycleNotificationUrl ? checkNotificationUrl(body.lifecycleNotificationUrl, 'lifecycleNotificationUrl') : undefined;
    // Both URLs are checked; at once, so a create costs one handshake's time, not two.
    await Promise.all([validateEndpoint(notificationUrl), ...(lifecycle ? [validateEndpoint(lifecycle)] : [])]);
    const sub = state.subscriptions.add({
      resource: body.resource, changeTypes: changeTypes as ChangeType[], notificationUrl: notificationUrl.toString(),
      ...(lifecycle ? { lifecycleNotificationUrl: lifecycle.toString() } : {}),
      ...(body.clientState !== undefined ? { clientState: body.clientState } : {}),
      expiresAt, applicationId: principal.appId, creatorId: principal.oid ?? principal.appId, tenantId: principal.tenantId, mailbox: mailbox.address,
    }, folders);
    return reply.code(201).send(subscriptionJson(baseOf(req), sub));
  });

  const owned = async (req: FastifyRequest): Promise<Subscription> => {
    const principal = await authenticate(state, req, NEEDS['mail.read']);
    const sub = state.subscriptions.get((req.params as { id: string }).id);
    if (!sub || sub.applicationId !== principal.appId) {
      throw new GraphError(404, 'ResourceNotFound', 'The object was not found.');
    }
    return sub;
  };

  // Paged as Graph pages it: @odata.nextLink while there is more, its $skiptoken opaque to the client.
  app.get('/v1.0/subscriptions', { config: { graph: 'subscriptions' } }, async (req) => {
    const principal = await authenticate(state, req, NEEDS['mail.read']);
    const token = (req.query as Record<string, string | undefined>)['$skiptoken'];
    const after = token === undefined ? 0 : Number.parseInt(Buffer.from(token, 'base64url').toString('utf8'), 10);
    if (!Number.isSafeInteger(after) || after < 0) throw new GraphError(400, 'BadRequest', 'The $skiptoken is not valid.');
    const size = Math.max(1, state.subscriptions.pageSize);
    const rest = state.subscriptions.list(principal.appId).filter((s) => s.seq > after);
    const page = rest.slice(0, size);
    const last = page[page.length - 1];
    return {
      '@odata.context': `${baseOf(req)}/$metadata#subscriptions`,
      ...(rest.length > size && last ? { '@odata.nextLink': linkWith(req, { $skiptoken: Buffer.from(String(last.seq)).toString('base64url') }) } : {}),
      value: page.map((s) => {
        const { '@odata.context': _, ...json } = subscriptionJson(baseOf(req), s);
        return json;
      }),
    };
  });

  app.get('/v1.0/subscriptions/:id', { config: { graph: 'subscriptions' } }, async (req) => subscriptionJson(baseOf(req), await owned(req)));

  app.patch('/v1.0/subscriptions/:id', { config: { graph: 'subscriptions' } }, async (req) => {
    const sub = await owned(req);
    state.subscriptions.renew(sub, expiry(parseBody(renewSchema, req.body).expirationDateTime, ctx.now()));
    return subscriptionJson(baseOf(req), sub);
  });

  // After a reauthorizationRequired lifecycle notification (v1.0: 204 No Content).
  // https://learn.microsoft.com/en-us/graph/api/subscription-reauthorize
  app.post('/v1.0/subscriptions/:id/reauthorize', { config: { graph: 'subscriptions' } }, async (req, reply) => {
    state.subscriptions.reauthorize(await owned(req));
    return reply.code(204).send();
  });

  app.delete('/v1.0/subscriptions/:id', { config: { graph: 'subscriptions' } }, async (req, reply) => {
    state.subscriptions.remove((await owned(req)).id);
    return reply.code(204).send();
  });
}
