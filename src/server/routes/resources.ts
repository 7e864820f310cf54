import type { FastifyPluginAsync } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { exportConfig, parseConfigText } from '../../config/file.js';
import { ConfigError } from '../../errors.js';
import { runDoctor } from '../../doctor/run.js';
import type { ServerContext } from '../context.js';
import { probeResource } from '../probe.js';
import {
  addResource,
  editResource,
  fieldTable,
  importResources,
  mustGetResource,
  resourceView,
  splitSecrets,
} from '../../services/resources.js';
import { errorAnswers, json, nameParams, removedSchema, zodValidated } from '../schemas/common.js';
import {
  doctorReportSchema,
  exportQuery,
  fieldRowSchema,
  importBody,
  importedSchema,
  probeBody,
  probeResultSchema,
  resourceAddBody,
  resourceChangedSchema,
  resourceDetailSchema,
  resourcePatchBody,
  resourceSavedSchema,
  resourceViewSchema,
} from '../schemas/resources.js';

/**
 * /api/resources: CRUD, the guide's field table, config file import/export, the doctor and a
 * test round with the server. A client secret goes in; it never comes back out (masked only).
 */
export function resourceRoutes(ctx: ServerContext): FastifyPluginAsync {
  return async (plugin) => {
    const app = plugin.withTypeProvider<ZodTypeProvider>();
    const tags = ['resources'];
    const notFound = { 404: ['RESOURCE_NOT_FOUND'] } as const;

    app.get(
      '/resources',
      {
        schema: {
          tags,
          operationId: 'listResources',
          summary: 'List resources',
          description: 'Every resource with its refresh token status and when its access token expires.',
          response: {
            200: json('The resources.', z.array(resourceViewSchema)),
            ...errorAnswers(),
          },
        },
      },
      async () => Promise.all((await ctx.store.listResources()).map((r) => resourceView(ctx.store, r))),
    );

    app.post(
      '/resources',
      {
        schema: {
          tags,
          operationId: 'addResource',
          summary: 'Add a resource',
          description:
            "The short form: a preset (m365 by default) fills the guide's values from the tenant, client id " +
            'and user; ' +
            'any other field overrides what it derives. The client secret is stored sealed and never returned.',
          body: resourceAddBody,
          response: {
            201: json('Added, with warnings about valid but risky settings.', resourceSavedSchema),
            ...errorAnswers({
              400: ['CONFIG_INVALID', 'REQUEST_INVALID'],
              403: ['HOST_ACCESS_REFUSED'],
              409: ['RESOURCE_EXISTS'],
            }),
          },
        },
        // Validated by the handler with the very schema documented here,
        // so the API and the CLI give the same typed error.
        validatorCompiler: zodValidated,
      },
      async (req, reply) => {
        const { input, secrets } = splitSecrets(bodyObject(req.body));
        const { resource, warnings } = await addResource(ctx.store, input, secrets, ctx.hostAccess);
        return reply.status(201).send({
          resource: await resourceView(ctx.store, resource),
          warnings,
        });
      },
    );

    app.get(
      '/resources/:name',
      {
        schema: {
          tags,
          operationId: 'getResource',
          summary: 'Get a resource',
          description: "One resource: its settings, the guide's field table and its status.",
          params: nameParams,
          response: {
            200: json('The resource.', resourceDetailSchema),
            ...errorAnswers(notFound),
          },
        },
      },
      async (req) => {
        const r = await mustGetResource(ctx.store, req.params.name);
        return {
          ...(await resourceView(ctx.store, r)),
          settings: r,
          fields: await fieldTable(ctx.store, r),
        };
      },
    );

    app.get(
      '/resources/:name/fields',
      {
        schema: {
          tags,
          operationId: 'getResourceFields',
          summary: "Get a resource's field table",
          description: "The guide's field table, with the integration platform's labels; the secret masked.",
          params: nameParams,
          response: {
            200: json('Label and value per row.', z.array(fieldRowSchema)),
            ...errorAnswers(notFound),
          },
        },
      },
      async (req) => fieldTable(ctx.store, await mustGetResource(ctx.store, req.params.name)),
    );

    app.patch(
      '/resources/:name',
      {
        schema: {
          tags,
          operationId: 'updateResource',
          summary: 'Change a resource',
          description:
            'Change fields; the result is validated again and nothing is written on error. ' +
            'A change to where the credentials go (tenant, token URL, mail host, client id, user…) needs the ' +
            'secret again in the same request (clientSecret, password or certificate: CREDENTIALS_REQUIRED ' +
            'otherwise) and drops the stored tokens (consent again; tokensDropped names the fields).',
          params: nameParams,
          body: resourcePatchBody,
          response: {
            200: json('Changed.', resourceChangedSchema),
            ...errorAnswers({
              400: ['CONFIG_INVALID', 'REQUEST_INVALID', 'CREDENTIALS_REQUIRED'],
              403: ['HOST_ACCESS_REFUSED'],
              ...notFound,
            }),
          },
        },
        validatorCompiler: zodValidated,
      },
      async (req) => {
        const { input, secrets } = splitSecrets(bodyObject(req.body));
        const { resource, warnings, moved } = await editResource(
          ctx.store,
          req.params.name,
          input,
          secrets,
          ctx.hostAccess,
        );
        return {
          resource: await resourceView(ctx.store, resource),
          warnings,
          ...(moved.length > 0 ? { tokensDropped: moved } : {}),
        };
      },
    );

    app.delete(
      '/resources/:name',
      {
        schema: {
          tags,
          operationId: 'removeResource',
          summary: 'Remove a resource',
          description: 'Remove a resource with its secrets and tokens.',
          params: nameParams,
          response: {
            200: json('Removed.', removedSchema),
            ...errorAnswers(notFound),
          },
        },
      },
      async (req) => {
        if (!(await ctx.store.deleteResource(req.params.name))) await mustGetResource(ctx.store, req.params.name);
        return { removed: req.params.name };
      },
    );

    app.post(
      '/resources/import',
      {
        schema: {
          tags,
          operationId: 'importResources',
          summary: 'Import a config file',
          description:
            "Import resources from a config file's text (YAML or JSON); everything is validated before " +
            'anything is written. ' +
            "Files named in the text (clientSecretFile, tls.caFile, …) are read from the service's disk: refused " +
            'unless the service runs with --allow-host-access.',
          body: importBody,
          response: {
            200: json('Imported.', importedSchema),
            ...errorAnswers({
              400: ['CONFIG_INVALID'],
              403: ['HOST_ACCESS_REFUSED'],
              409: ['RESOURCE_EXISTS'],
            }),
          },
        },
      },
      async (req) => {
        // File fields (clientSecretFile, tls.caFile, …) are refused on the parsed entries unless
        // the service allows host access; `env:` references see an empty environment.
        const { resources } = parseConfigText(req.body.text, {
          source: 'upload',
          baseDir: '/nonexistent',
          env: {},
          format: req.body.format ?? 'yaml',
          allowFiles: ctx.hostAccess.hostAccess,
        });
        await importResources(ctx.store, resources, {
          replace: req.body.replace === true,
          source: 'upload',
          fix: 'send replace: true to overwrite it, or rename it in the file',
        });
        return {
          imported: resources.map((r) => r.resource.name),
          warnings: resources.flatMap((r) =>
            r.warnings.map((w) => ({
              ...w,
              field: `${r.resource.name}: ${w.field}`,
            })),
          ),
        };
      },
    );

    app.get(
      '/resources/export',
      {
        schema: {
          tags,
          operationId: 'exportResources',
          summary: 'Export resources as a config file',
          description: 'The resources as a config file in the short form; secrets are never exported.',
          querystring: exportQuery,
          response: {
            200: {
              description: 'The config file.',
              content: {
                'application/yaml': { schema: z.string() },
                'application/json': {
                  schema: z.looseObject({
                    resources: z.array(z.looseObject({})),
                  }),
                },
              },
            },
            ...errorAnswers(),
          },
        },
      },
      async (req, reply) => {
        const format = req.query.format ?? 'yaml';
        const text = exportConfig(await ctx.store.listResources(), format);
        return reply
          .type(format === 'json' ? 'application/json; charset=utf-8' : 'application/yaml; charset=utf-8')
          .header(
            'content-disposition',
            `attachment; filename="mailbridge-resources.${format === 'json' ? 'json' : 'yaml'}"`,
          )
          .send(text);
      },
    );

    app.get(
      '/resources/:name/doctor',
      {
        schema: {
          tags,
          operationId: 'diagnoseResource',
          summary: 'Diagnose a resource',
          description:
            "The doctor's report, step by step: token claims, DNS, TLS, capabilities, SASL mechanisms, a real login.",
          params: nameParams,
          response: {
            200: json('The report (ok is false when a check failed).', doctorReportSchema),
            ...errorAnswers(notFound),
          },
        },
      },
      async (req) => {
        const resource = await mustGetResource(ctx.store, req.params.name);
        return runDoctor({
          resource,
          store: ctx.store,
          tokens: ctx.tokens,
          ...(ctx.logger ? { logger: ctx.logger } : {}),
        });
      },
    );

    app.post(
      '/resources/:name/test',
      {
        schema: {
          tags,
          operationId: 'testResource',
          summary: 'Test a resource with its server',
          description:
            "A send (smtp's default; ews and graph with action send, through their own send path): a test message, " +
            "to the resource's own address unless `to` says otherwise, with an optional subject, text and encoding. " +
            'A receive (the default of imap, pop3, ews and graph): log in and list. ' +
            "A refused round answers 200 with ok false and the server's own words.",
          params: nameParams,
          body: probeBody,
          response: {
            200: json("The round's outcome.", probeResultSchema),
            ...errorAnswers(notFound),
          },
        },
      },
      async (req) => {
        const { action, to, subject, text, encoding } = req.body ?? {};
        return probeResource(ctx, req.params.name, {
          ...(action ? { action } : {}),
          ...(to ? { to } : {}),
          ...(subject ? { subject } : {}),
          ...(text ? { text } : {}),
          ...(encoding ? { encoding } : {}),
        });
      },
    );
  };
}

function bodyObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ConfigError({
      code: 'REQUEST_INVALID',
      field: 'body',
      message: 'the body must be a JSON object',
      hint: "send the resource's fields as a JSON object",
    });
  }
  return body as Record<string, unknown>;
}
