import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { GatewayUsers } from '../../gateway/users.js';
import { Secret } from '../../secret.js';
import type { ServerContext } from '../context.js';
import { errorAnswers, json, removedSchema } from '../schemas/common.js';
import {
  createGatewayUserBody,
  createdGatewayUserSchema,
  gatewayQueueQuery,
  gatewayQueueSchema,
  gatewayUserNameParams,
  gatewayUserSchema,
  resetGatewayPasswordBody,
  resetGatewayPasswordSchema,
  updateGatewayUserBody,
} from '../schemas/gateway.js';

/** /api/gateway: the gateway's users (who legacy clients log in as) and its spool. Admin scope. */
export function gatewayRoutes(ctx: ServerContext): FastifyPluginAsync {
  return async (plugin) => {
    const app = plugin.withTypeProvider<ZodTypeProvider>();
    const tags = ['gateway'];
    const users = new GatewayUsers({
      store: ctx.store,
      ...(ctx.logger ? { logger: ctx.logger } : {}),
      resourceExists: async (n) => (await ctx.store.getResource(n)) !== undefined,
    });
    const invalid = ['GATEWAY_USER_INVALID', 'GATEWAY_PASSWORD_WEAK'] as const;

    app.get(
      '/gateway/users',
      {
        schema: {
          tags,
          operationId: 'listGatewayUsers',
          summary: 'List gateway users',
          description:
            'The gateway users, their resources and allowed From addresses, with logins, failures, messages and last use per protocol; never a password or hash.',
          response: { 200: json('The users.', z.array(gatewayUserSchema)), ...errorAnswers() },
        },
      },
      async () => users.list(),
    );

    app.post(
      '/gateway/users',
      {
        schema: {
          tags,
          operationId: 'createGatewayUser',
          summary: 'Add a gateway user',
          description:
            'Add a user legacy clients log in as. Without a password a random one is made and returned in this answer only.',
          body: createGatewayUserBody,
          response: {
            201: json('Added.', createdGatewayUserSchema),
            ...errorAnswers({ 400: invalid, 404: ['RESOURCE_NOT_FOUND'], 409: ['GATEWAY_USER_EXISTS'] }),
          },
        },
      },
      async (req, reply) => {
        const b = req.body;
        const r = await users.add({
          name: b.name,
          ...(b.password ? { password: new Secret(b.password) } : {}),
          ...(b.sendResource ? { sendResource: b.sendResource } : {}),
          ...(b.receiveResource ? { receiveResource: b.receiveResource } : {}),
          allowedFrom: b.allowedFrom,
          disabled: b.disabled,
        });
        return reply
          .status(201)
          .send({ user: r.user, ...(r.generatedPassword ? { password: r.generatedPassword.reveal() } : {}) });
      },
    );

    app.patch(
      '/gateway/users/:name',
      {
        schema: {
          tags,
          operationId: 'updateGatewayUser',
          summary: 'Change a gateway user',
          description: 'Change its resources or allowed From addresses, or disable/enable it.',
          params: gatewayUserNameParams,
          body: updateGatewayUserBody,
          response: {
            200: json('The user.', gatewayUserSchema),
            ...errorAnswers({ 400: invalid, 404: ['GATEWAY_USER_NOT_FOUND', 'RESOURCE_NOT_FOUND'] }),
          },
        },
      },
      async (req) => {
        const { disabled, ...mapping } = req.body;
        const patch = {
          ...(mapping.sendResource !== undefined ? { sendResource: mapping.sendResource } : {}),
          ...(mapping.receiveResource !== undefined ? { receiveResource: mapping.receiveResource } : {}),
          ...(mapping.allowedFrom ? { allowedFrom: mapping.allowedFrom } : {}),
        };
        let user = Object.keys(patch).length
          ? await users.update(req.params.name, patch)
          : await users.get(req.params.name);
        if (disabled !== undefined) user = await users.setDisabled(req.params.name, disabled);
        return user;
      },
    );

    app.post(
      '/gateway/users/:name/password',
      {
        schema: {
          tags,
          operationId: 'resetGatewayPassword',
          summary: "Reset a gateway user's password",
          description: 'Set the given password, or a random one returned in this answer only.',
          params: gatewayUserNameParams,
          body: resetGatewayPasswordBody,
          response: {
            200: json('Changed.', resetGatewayPasswordSchema),
            ...errorAnswers({ 400: invalid, 404: ['GATEWAY_USER_NOT_FOUND'] }),
          },
        },
      },
      async (req) => {
        const r = await users.resetPassword(
          req.params.name,
          req.body.password ? new Secret(req.body.password) : undefined,
        );
        return { name: req.params.name, ...(r.generatedPassword ? { password: r.generatedPassword.reveal() } : {}) };
      },
    );

    app.delete(
      '/gateway/users/:name',
      {
        schema: {
          tags,
          operationId: 'removeGatewayUser',
          summary: 'Remove a gateway user',
          description: 'Remove the user; its mail already spooled is still delivered.',
          params: gatewayUserNameParams,
          response: { 200: json('Removed.', removedSchema), ...errorAnswers({ 404: ['GATEWAY_USER_NOT_FOUND'] }) },
        },
      },
      async (req) => {
        await users.remove(req.params.name);
        return { removed: req.params.name };
      },
    );

    app.get(
      '/gateway/queue',
      {
        schema: {
          tags,
          operationId: 'getGatewayQueue',
          summary: "The gateway's spool, latest relays and dead letters",
          description:
            "Messages waiting for delivery (with their last error), the latest relayed (with the upstream's id) and the dead letters (with the RFC 3463 status and whether a bounce was sent).",
          querystring: gatewayQueueQuery,
          response: { 200: json('The queue.', gatewayQueueSchema), ...errorAnswers() },
        },
      },
      async (req) => {
        const [spool, relayed, deadLetters] = await Promise.all([
          ctx.store.listSpool(),
          ctx.store.listRelayed(req.query.limit),
          ctx.store.listGatewayDeadLetters(req.query.limit),
        ]);
        return { spool, relayed, deadLetters };
      },
    );
  };
}
