import type { FastifySchemaCompiler } from 'fastify';
import { z } from 'zod';

/**
 * Route schemas. Bodies whose rules live in zod (resources, triggers: the same schemas the
 * CLI and the config file use) are documented from zod and validated by zod in the handler,
 * so the API and the CLI give the very same typed error; everything else is plain JSON Schema
 * validated by Fastify.
 */
export function fromZod(schema: z.ZodType, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  const properties = { ...(json.properties as Record<string, unknown> | undefined), ...extra };
  return { ...json, properties };
}

/** For a zod-documented body: Fastify passes it through; the handler parses it with zod. */
export const zodValidated: FastifySchemaCompiler<unknown> = () => (data) => ({ value: data });

export const errorResponse = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' }, hint: { type: 'string' }, field: { type: 'string' } },
      required: ['code', 'message', 'hint'],
      additionalProperties: true,
    },
  },
  required: ['error'],
} as const;

/** The error responses every protected route may give. */
export const errorResponses = {
  400: errorResponse, 401: errorResponse, 403: errorResponse, 404: errorResponse, 409: errorResponse, 502: errorResponse,
} as const;

export const nameParam = {
  type: 'object', properties: { name: { type: 'string', minLength: 1 } }, required: ['name'],
} as const;

/** Objects whose every property is returned as is (documented loosely). */
export const anyObject = { type: 'object', additionalProperties: true } as const;
