import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ConfigError } from '../../errors.js';
import type { ServerContext } from '../context.js';
import { errorAnswers, idParams, json, removedSchema } from '../schemas/common.js';
import { apiKeySchema, createdKeySchema, createKeyBody } from '../schemas/keys.js';

/** /api/keys: API keys (the new key is returned once; only its hash is stored). */
export function keyRoutes(ctx: ServerContext): FastifyPluginAsync {
  return async (plugin) => {
    const app = plugin.withTypeProvider<ZodTypeProvider>();
    const tags = ['keys'];
    app.get(
      '/keys',
      {
        schema: {
          tags,
          operationId: 'listApiKeys',
          summary: 'List API keys',
          description: 'The API keys: id, label, prefix and dates; never the key itself.',
          response: {
            200: json('The keys.', z.array(apiKeySchema)),
            ...errorAnswers(),
          },
        },
      },
      async () => ctx.credentials.listApiKeys(),
    );

    app.post(
      '/keys',
      {
        schema: {
          tags,
          operationId: 'createApiKey',
          summary: 'Create an API key',
          description:
            'Create an API key with its scopes (read, send, modify, admin; default read: docs/security.md) and, ' +
            'optionally, a lifetime in days; the key is in this answer only (the service keeps its hash).',
          body: createKeyBody,
          response: {
            201: json('Created.', createdKeySchema),
            ...errorAnswers(),
          },
        },
      },
      async (req, reply) => {
        const { expiresInDays } = req.body;
        const { info, key } = await ctx.credentials.createApiKey(
          req.body.label,
          req.body.scopes,
          expiresInDays === undefined ? {} : { expiresAt: ctx.now() + expiresInDays * 86_400_000 },
        );
        return reply.status(201).send({ ...info, key: key.reveal() });
      },
    );

    app.delete(
      '/keys/:id',
      {
        schema: {
          tags,
          operationId: 'revokeApiKey',
          summary: 'Revoke an API key',
          description: 'Revoke an API key: it stops working at once.',
          params: idParams,
          response: {
            200: json('Revoked.', removedSchema),
            ...errorAnswers({ 404: ['API_KEY_NOT_FOUND'] }),
          },
        },
      },
      async (req) => {
        if (!(await ctx.credentials.deleteApiKey(req.params.id))) {
          throw new ConfigError({
            code: 'API_KEY_NOT_FOUND',
            field: 'id',
            message: `no API key with id ${req.params.id}`,
            hint: 'list them with GET /api/keys',
          });
        }
        return { removed: req.params.id };
      },
    );
  };
}
