import type { FastifyPluginAsync } from 'fastify';
import { presetInputSchema } from '../../config/entry.js';
import { exportConfig, parseConfigText } from '../../config/file.js';
import { ConfigError } from '../../errors.js';
import { runDoctor } from '../../doctor/run.js';
import type { ServerContext } from '../context.js';
import { probeResource } from '../probe.js';
import { addResource, editResource, fieldTable, importResources, mustGetResource, resourceView, splitSecrets } from '../../services/resources.js';
import { anyObject, errorResponses, fromZod, nameParam, zodValidated } from '../schema.js';

const resourceBody = fromZod(presetInputSchema, {
  clientSecret: { type: 'string', description: 'the client secret\'s Value; stored sealed, never returned' },
  password: { type: 'string', description: 'basic auth only: the mailbox password; stored sealed, never returned' },
});
const patchBody = { ...resourceBody, required: [] };

/**
 * /api/resources: CRUD, the guide's field table, config file import/export, the doctor and a
 * test round with the server. A client secret goes in; it never comes back out (masked only).
 */
export function resourceRoutes(ctx: ServerContext): FastifyPluginAsync {
  return async (app) => {
    const tags = ['resources'];

    app.get('/resources', {
      schema: { tags, summary: 'resources with refresh token status and access token expiry', response: { 200: { type: 'array', items: anyObject }, ...errorResponses } },
    }, async () => Promise.all((await ctx.store.listResources()).map((r) => resourceView(ctx.store, r))));

    app.post<{ Body: Record<string, unknown> }>('/resources', {
      schema: { tags, summary: 'add a resource (short form: a preset fills the guide\'s values)', body: resourceBody, response: { 201: anyObject, ...errorResponses } },
      validatorCompiler: zodValidated,
    }, async (req, reply) => {
      const { input, secrets } = splitSecrets(bodyObject(req.body));
      const { resource, warnings } = await addResource(ctx.store, input, secrets, ctx.hostAccess);
      return reply.status(201).send({ resource: await resourceView(ctx.store, resource), warnings });
    });

    app.get<{ Params: { name: string } }>('/resources/:name', {
      schema: { tags, summary: 'one resource: settings, the guide\'s field table and status', params: nameParam, response: { 200: anyObject, ...errorResponses } },
    }, async (req) => {
      const r = await mustGetResource(ctx.store, req.params.name);
      return { ...(await resourceView(ctx.store, r)), settings: r, fields: await fieldTable(ctx.store, r) };
    });

    app.get<{ Params: { name: string } }>('/resources/:name/fields', {
      schema: { tags, summary: 'the guide\'s field table (labels as in the integration platform; secret masked)', params: nameParam,
        response: { 200: { type: 'array', items: { type: 'object', properties: { label: { type: 'string' }, value: { type: 'string' } } } }, ...errorResponses } },
    }, async (req) => fieldTable(ctx.store, await mustGetResource(ctx.store, req.params.name)));

    app.patch<{ Params: { name: string }; Body: Record<string, unknown> }>('/resources/:name', {
      schema: { tags, summary: 'change fields (validated again; nothing written on error)', params: nameParam, body: patchBody, response: { 200: anyObject, ...errorResponses } },
      validatorCompiler: zodValidated,
    }, async (req) => {
      const { input, secrets } = splitSecrets(bodyObject(req.body));
      const { resource, warnings, moved } = await editResource(ctx.store, req.params.name, input, secrets, ctx.hostAccess);
      return { resource: await resourceView(ctx.store, resource), warnings, ...(moved.length > 0 ? { tokensDropped: moved } : {}) };
    });

    app.delete<{ Params: { name: string } }>('/resources/:name', {
      schema: { tags, summary: 'remove a resource with its secrets and tokens', params: nameParam, response: { 200: anyObject, ...errorResponses } },
    }, async (req) => {
      if (!(await ctx.store.deleteResource(req.params.name))) await mustGetResource(ctx.store, req.params.name);
      return { removed: req.params.name };
    });

    app.post<{ Body: { format?: 'yaml' | 'json'; text: string; replace?: boolean } }>('/resources/import', {
      schema: { tags, summary: 'import a config file (YAML or JSON text); everything is validated before anything is written',
        body: { type: 'object', properties: { format: { type: 'string', enum: ['yaml', 'json'] }, text: { type: 'string', minLength: 1 }, replace: { type: 'boolean' } }, required: ['text'], additionalProperties: false },
        response: { 200: anyObject, ...errorResponses } },
    }, async (req) => {
      // File fields (clientSecretFile, tls.caFile, …) are refused on the parsed entries unless
      // the service allows host access; `env:` references see an empty environment.
      const { resources } = parseConfigText(req.body.text, { source: 'upload', baseDir: '/nonexistent', env: {}, format: req.body.format ?? 'yaml',
        allowFiles: ctx.hostAccess.hostAccess });
      await importResources(ctx.store, resources, { replace: req.body.replace === true, source: 'upload',
        fix: 'send replace: true to overwrite it, or rename it in the file' });
      return { imported: resources.map((r) => r.resource.name), warnings: resources.flatMap((r) => r.warnings.map((w) => ({ ...w, field: `${r.resource.name}: ${w.field}` }))) };
    });

    app.get<{ Querystring: { format?: 'yaml' | 'json' } }>('/resources/export', {
      schema: { tags, summary: 'the resources as a config file (secrets are never exported)',
        querystring: { type: 'object', properties: { format: { type: 'string', enum: ['yaml', 'json'] } } }, produces: ['application/yaml', 'application/json'] },
    }, async (req, reply) => {
      const format = req.query.format ?? 'yaml';
      const text = exportConfig(await ctx.store.listResources(), format);
      return reply.type(format === 'json' ? 'application/json; charset=utf-8' : 'application/yaml; charset=utf-8')
        .header('content-disposition', `attachment; filename="mailbridge-resources.${format === 'json' ? 'json' : 'yaml'}"`).send(text);
    });

    app.get<{ Params: { name: string } }>('/resources/:name/doctor', {
      schema: { tags, summary: 'the doctor\'s report: token claims, DNS, TLS, capabilities, mechanisms, login', params: nameParam, response: { 200: anyObject, ...errorResponses } },
    }, async (req) => {
      const resource = await mustGetResource(ctx.store, req.params.name);
      return runDoctor({ resource, store: ctx.store, tokens: ctx.tokens, ...(ctx.logger ? { logger: ctx.logger } : {}) });
    });

    app.post<{ Params: { name: string }; Body: { to?: string } | undefined }>('/resources/:name/test', {
      schema: { tags, summary: 'test send (smtp: a message to the resource\'s own address) or test receive (imap/pop3: log in and list); the server\'s words on failure',
        params: nameParam, body: { type: 'object', properties: { to: { type: 'string', minLength: 3 } }, additionalProperties: false }, response: { 200: anyObject, ...errorResponses } },
    }, async (req) => probeResource(ctx, req.params.name, req.body?.to ? { to: req.body.to } : {}));
  };
}

function bodyObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ConfigError({ code: 'REQUEST_INVALID', field: 'body', message: 'the body must be a JSON object', hint: 'send the resource\'s fields as a JSON object' });
  }
  return body as Record<string, unknown>;
}
