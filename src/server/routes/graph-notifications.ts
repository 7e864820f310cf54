import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { NotificationHub } from '../../triggers/notify/hub.js';
import type { ServerContext } from '../context.js';
import { errorAnswers } from '../schemas/common.js';
import {
  graphNotificationCollectionSchema,
  graphNotificationParams,
  graphNotificationQuery,
} from '../schemas/graph-notifications.js';

/**
 * The public endpoint Microsoft Graph posts change and lifecycle notifications to (triggers in
 * mode notify). No API key: Graph cannot send one; every notification is checked against its
 * subscription's clientState instead, and one that fails is dropped with a log line.
 * https://learn.microsoft.com/en-us/graph/change-notifications-delivery-webhooks
 * - validation: `?validationToken=…` is answered 200 with the URL-decoded token as text/plain,
 *   before anything else (Graph allows 10 seconds);
 * - notifications: queued in the store, then 202 at once; the work (a delta sync of the
 *   folder) happens after, at whichever instance holds the trigger's lease. Graph expects the
 *   answer within 3 seconds and otherwise retries, then throttles or drops the endpoint.
 */
export function graphNotificationRoutes(ctx: ServerContext, hub: NotificationHub): FastifyPluginAsync {
  return async (plugin) => {
    const app = plugin.withTypeProvider<ZodTypeProvider>();
    // Graph's validation POST is text/plain with an empty body; a body is otherwise JSON.
    app.addContentTypeParser('text/plain', { parseAs: 'string' }, (_req, body, done) => done(null, body));

    const handler = (lifecycle: boolean) => async (req: FastifyRequest, reply: FastifyReply) => {
      const { trigger } = req.params as z.output<typeof graphNotificationParams>;
      const { validationToken } = req.query as z.output<typeof graphNotificationQuery>;
      if (validationToken !== undefined) {
        // Fastify's query parser has already URL-decoded it, as Graph requires.
        return reply.code(200).type('text/plain; charset=utf-8').send(validationToken);
      }
      const parsed = graphNotificationCollectionSchema.safeParse(req.body);
      if (!parsed.success) {
        ctx.logger?.warn(
          { event: 'graph_notification_dropped', trigger, reason: 'body is not a notification collection' },
          'Graph notification dropped: body is not a notification collection',
        );
        return reply.code(202).send();
      }
      const r = await hub.accept(trigger, parsed.data.value, lifecycle);
      void reply.code(202).send();
      if (r.queued > 0) setImmediate(() => hub.poke());
      return reply;
    };

    const schema = (lifecycle: boolean) => ({
      tags: ['notifications'],
      operationId: lifecycle ? 'postGraphLifecycleNotification' : 'postGraphNotification',
      summary: lifecycle ? 'Receive Graph lifecycle notifications' : 'Receive Graph change notifications',
      security: [],
      description:
        (lifecycle
          ? "Lifecycle notifications of the trigger's subscription (reauthorizationRequired, subscriptionRemoved, missed). "
          : "Change notifications of the trigger's subscription: each schedules a delta sync of the folder. ") +
        "Public (no API key): each notification must carry its subscription's clientState, or it is dropped. " +
        'With `validationToken` in the query (the subscription handshake) the token is echoed as text/plain. ' +
        'Body: a Graph notification collection ({ value: [...] }), validated by the handler so that the empty handshake body passes.',
      params: graphNotificationParams,
      querystring: graphNotificationQuery,
      response: {
        200: {
          description: 'The validation token, URL-decoded, as text/plain.',
          content: { 'text/plain': { schema: z.string() } },
        },
        202: {
          description:
            'Queued (or dropped with a log line: unknown subscription, clientState mismatch); processed after the answer.',
          content: { 'text/plain': { schema: z.string().max(0) } },
        },
        ...errorAnswers({}, { authenticated: false }),
      },
    });

    app.post('/notifications/graph/:trigger', { config: { auth: 'public' }, schema: schema(false) }, handler(false));
    app.post(
      '/notifications/graph/:trigger/lifecycle',
      { config: { auth: 'public' }, schema: schema(true) },
      handler(true),
    );
  };
}
