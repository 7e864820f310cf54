import type { FastifyPluginAsync } from 'fastify';
import { ConfigError } from '../../errors.js';
import type { ServerContext } from '../context.js';
import { anyObject, errorResponses } from '../schema.js';
import { API_SCOPES, type ApiScope } from '../scopes.js';

/** /api/keys: API keys (the new key is returned once; only its hash is stored). */
export function keyRoutes(ctx: ServerContext): FastifyPluginAsync {
  return async (app) => {
    const tags = ['keys'];
    app.get('/keys', {
      schema: { tags, summary: 'API keys (id, label, prefix, dates; never the key)', response: { 200: { type: 'array', items: anyObject }, ...errorResponses } },
    }, async () => ctx.credentials.listApiKeys());

    app.post<{ Body: { label: string; scopes: ApiScope[] } }>('/keys', {
      schema: { tags, summary: 'create an API key with its scopes (default read); the key is in this answer only',
        body: { type: 'object', properties: { label: { type: 'string', minLength: 1, maxLength: 100 },
          scopes: { type: 'array', items: { type: 'string', enum: [...API_SCOPES] }, minItems: 1, uniqueItems: true, default: ['read'],
            description: 'read, send, modify, admin (docs/security.md)' } },
        required: ['label'], additionalProperties: false },
        response: { 201: anyObject, ...errorResponses } },
    }, async (req, reply) => {
      const { info, key } = await ctx.credentials.createApiKey(req.body.label, req.body.scopes);
      return reply.status(201).send({ ...info, key: key.reveal() });
    });

    app.delete<{ Params: { id: string } }>('/keys/:id', {
      schema: { tags, summary: 'revoke an API key', params: { type: 'object', properties: { id: { type: 'string' } }, required: ['id'] }, response: { 200: anyObject, ...errorResponses } },
    }, async (req) => {
      if (!(await ctx.credentials.deleteApiKey(req.params.id))) {
        throw new ConfigError({ code: 'API_KEY_NOT_FOUND', field: 'id', message: `no API key with id ${req.params.id}`, hint: 'list them with GET /api/keys' });
      }
      return { removed: req.params.id };
    });
  };
}
