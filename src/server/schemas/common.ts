import type { FastifySchemaCompiler } from 'fastify';
import { z } from 'zod';

/**
 * Building blocks of the route schemas. Every route declares zod schemas for its inputs and
 * for each answer it can give; fastify-type-provider-zod turns the same schema into request
 * validation, the handler's TypeScript types, response serialization and the OpenAPI
 * document (openapi.ts), so the contract cannot say something the server does not do.
 */

/** The one error shape of the API (see ../errors.ts), a component of the document. */
export const errorBodySchema = z
  .object({
    error: openObject({
      code: z.string().describe('machine-readable code, e.g. RESOURCE_NOT_FOUND'),
      message: z.string().describe('one line: what went wrong'),
      hint: z.string().describe('one line: how to fix it'),
      field: z.string().optional().describe('the request field at fault, when there is one'),
    }).describe("further properties (e.g. serverResponse, the mail server's own words) may follow"),
  })
  .meta({
    id: 'Error',
    description: 'Every 4xx and 5xx answer: a typed error with a code, a message and a hint.',
    example: {
      error: {
        code: 'RESOURCE_NOT_FOUND',
        message: 'no resource named "inbox"',
        hint: 'list them with GET /api/resources',
        field: 'name',
      },
    },
  });

/** What each error status means, and the codes a client can expect beside the route's own. */
const ERROR_STATUS = {
  400:
    'Bad input: REQUEST_INVALID (a parameter or body field fails the schema; `field` names it) ' +
    'or a typed code of the operation',
  401: 'UNAUTHORIZED: no valid API key (`authorization: Bearer mbk_…`) or console login',
  403:
    "Forbidden: SCOPE_REQUIRED (the API key lacks the scope this operation needs; the error's hint names it, " +
    '`needed` and `held` name the scopes) or a code of the operation (HOST_ACCESS_REFUSED, …)',
  404: 'Not found: ROUTE_NOT_FOUND or the named thing does not exist',
  409: 'Conflict with the stored state',
  500: 'INTERNAL: the service failed unexpectedly (details only in the service log)',
  502: "The upstream (Microsoft's token endpoint or the mail server) failed or refused",
} as const;
export type ErrorStatus = keyof typeof ERROR_STATUS;

/** Every route behind an API key can refuse a key without the route's scope (src/server/scopes.ts). */
const SCOPE_CODES = ['SCOPE_REQUIRED'] as const;

const errorAnswer = (status: ErrorStatus, codes: readonly string[]) => ({
  description: codes.length ? `${ERROR_STATUS[status]}. Codes: ${codes.join(', ')}.` : `${ERROR_STATUS[status]}.`,
  content: { 'application/json': { schema: errorBodySchema } },
});

/**
 * The error answers of a route: 400, 401, 403 and 500 for every route behind an API key, and
 * the extra statuses given, each with the codes the route itself raises.
 */
export function errorAnswers<const S extends ErrorStatus>(
  own: Partial<Record<S, readonly string[]>> = {},
  opts: { authenticated?: boolean } = {},
): Record<S | 400 | 401 | 403 | 500, ReturnType<typeof errorAnswer>> {
  const statuses = new Set<ErrorStatus>([
    400,
    500,
    ...(opts.authenticated === false ? [] : ([401, 403] as const)),
    ...(Object.keys(own).map(Number) as ErrorStatus[]),
  ]);
  const out: Partial<Record<ErrorStatus, ReturnType<typeof errorAnswer>>> = {};
  const ownCodes = own as Partial<Record<ErrorStatus, readonly string[]>>;
  for (const s of [...statuses].sort()) {
    const codes = ownCodes[s] ?? [];
    out[s] = errorAnswer(s, s === 403 && opts.authenticated !== false ? [...SCOPE_CODES, ...codes] : codes);
  }
  return out as Record<S | 400 | 401 | 403 | 500, ReturnType<typeof errorAnswer>>;
}

/**
 * 409: the resource's refresh token status forbids using it until a person acts
 * (statusError in auth/token-manager.ts).
 */
export const TOKEN_BLOCKED = [
  'REFRESH_TOKEN_MISSING',
  'REFRESH_TOKEN_EXPIRED',
  'REFRESH_TOKEN_REVOKED',
  'REFRESH_TOKEN_CONSENT_REQUIRED',
  'REFRESH_TOKEN_INVALID_CLIENT',
] as const;

/** A JSON answer with its description (the OpenAPI response object's). */
export function json<T extends z.ZodType>(
  description: string,
  schema: T,
): { description: string; content: { 'application/json': { schema: T } } } {
  return { description, content: { 'application/json': { schema } } };
}

/** A query flag: `true`/`false` in the URL, a boolean in the handler and in the document. */
export const queryFlag = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());

export const nameParams = z.object({ name: z.string().min(1).describe("the resource's (or trigger's) name") });
export const idParams = z.object({ id: z.string().min(1) });

/** Milliseconds since 1970 (the store's clock). */
export const epochMs = z.number().describe('milliseconds since 1970-01-01T00:00:00Z');

/** `{ removed: NAME }` after a DELETE. */
export const removedSchema = z.object({ removed: z.string() }).meta({ example: { removed: 'inbox' } });

/** A streamed answer's bytes (documented only; the handler sends a stream). */
export const binary = z.string().meta({ format: 'binary' });

/**
 * For a body the handler validates itself with the documented zod schema (resources,
 * triggers: the CLI's parsers, so the API and the CLI give the very same typed error).
 */
export const zodValidated: FastifySchemaCompiler<unknown> = () => (data: unknown) => ({ value: data });

/**
 * An object whose listed properties are documented and typed, and whose further properties
 * (added by a newer backend or store) pass through to the client instead of being dropped.
 * The cast only hides the index signature from the handler's return type.
 */
export function openObject<S extends z.core.$ZodLooseShape>(shape: S): z.ZodObject<S> {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- see above: the type, not the value, changes
  return z.looseObject(shape) as unknown as z.ZodObject<S>;
}
