import fastifySwagger from '@fastify/swagger';
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import { SESSION_COOKIE } from './sessions.js';
import { toSwagger2 } from './swagger2.js';

/** Where the documents are served (no authentication: they hold no secrets); the build writes the same to docs/. */
export const OPENAPI_PATH = '/openapi.json';
export const SWAGGER2_PATH = '/swagger2.json';

const TAGS = [
  {
    name: 'resources',
    description:
      'Mail resources (an app registration + a mailbox + a protocol), their field table, config files, the doctor.',
  },
  { name: 'oauth', description: 'Consent (browser or device code) and tokens; tokens never leave the service.' },
  {
    name: 'mail',
    description: 'The mailbox over HTTP: folders, list, read, source, attachments, mark, move, copy, delete, send.',
  },
  {
    name: 'triggers',
    description:
      'Watch a folder and deliver new mail to a webhook, a command or a handler; history, dead letters, replay.',
  },
  { name: 'keys', description: 'API keys for this service.' },
  {
    name: 'notifications',
    description: 'Where Microsoft Graph posts change notifications for triggers in mode notify (public: checked by clientState).',
  },
  { name: 'health', description: 'Liveness and metrics.' },
];

/**
 * Zod route schemas (fastify-type-provider-zod) for validation, serialization and the
 * OpenAPI 3.0.3 document. zod's `openapi-3.0` target is chosen by the declared version, so
 * the keywords match it (e.g. a boolean `exclusiveMinimum`).
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'mailbridge',
        version: packageVersion(),
        description:
          'Mail over OAuth 2.0 for Microsoft 365 / Exchange Online (IMAP, POP3, SMTP, EWS, Graph): ' +
          'resources, consent, mail and triggers. Every error is `{"error":{"code","message","hint"}}`.',
        license: { name: 'MIT', url: 'https://opensource.org/licenses/MIT' },
      },
      servers: [
        {
          url: 'http://{host}:{port}',
          description: 'A mailbridge service (`mailbridge serve` listens on 127.0.0.1:8025 by default)',
          variables: { host: { default: '127.0.0.1' }, port: { default: '8025' } },
        },
      ],
      tags: TAGS,
      components: {
        securitySchemes: {
          apiKey: {
            type: 'http',
            scheme: 'bearer',
            bearerFormat: 'mbk_…',
            description:
              'An API key of this service (`authorization: Bearer mbk_…`), ' +
              'created in the console or with POST /api/keys.',
          },
          consoleSession: {
            type: 'apiKey',
            in: 'cookie',
            name: SESSION_COOKIE,
            description: 'A console login (browser); accepted where an operation lists it.',
          },
        },
      },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: (doc) =>
      withoutUnusedSchemas(jsonSchemaTransformObject(doc) as Record<string, unknown>) as ReturnType<
        typeof jsonSchemaTransformObject
      >,
  });
  app.get(OPENAPI_PATH, { schema: { hide: true }, config: { auth: 'public' } }, async () => app.swagger());
  app.get(SWAGGER2_PATH, { schema: { hide: true }, config: { auth: 'public' } }, async () =>
    toSwagger2(app.swagger() as unknown as Record<string, unknown>),
  );
}

/**
 * The transform adds every registered schema twice (an input and an output form); only the
 * ones a route references stay, so the document has no dead components.
 */
function withoutUnusedSchemas(doc: Record<string, unknown>): Record<string, unknown> {
  const components = doc.components as { schemas?: Record<string, unknown> } | undefined;
  const schemas = components?.schemas;
  if (!schemas) return doc;
  const { components: _, ...rest } = doc;
  const used = new Set<string>();
  const visit = (v: unknown): void => {
    const text = JSON.stringify(v);
    for (const m of text.matchAll(/"#\/components\/schemas\/([^"]+)"/g)) {
      const id = m[1]!;
      if (!used.has(id)) {
        used.add(id);
        visit(schemas[id]);
      }
    }
  };
  visit(rest);
  return {
    ...doc,
    components: { ...components, schemas: Object.fromEntries(Object.entries(schemas).filter(([id]) => used.has(id))) },
  };
}

/** The package's version (src/server and dist/server both sit two levels below package.json). */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
