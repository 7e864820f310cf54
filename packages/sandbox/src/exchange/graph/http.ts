import type { FastifyInstance, FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import type { ZodType } from 'zod';
import { badRequest, GraphError } from './errors.js';
import type { GraphNeed } from './permissions.js';
import type { GraphCall } from './state.js';

type Handler = (req: FastifyRequest, reply: FastifyReply, call: GraphCall) => Promise<unknown>;

/** Register a mailbox route for both `/me/...` (delegated) and `/users/{id | upn}/...`. */
export function mailboxRoute(app: FastifyInstance, method: HTTPMethods, path: string, need: GraphNeed, handler: Handler): void {
  for (const prefix of ['/v1.0/me', '/v1.0/users/:user']) {
    app.route({
      method,
      url: `${prefix}${path}`,
      config: { graph: need },
      handler: async (req, reply) => {
        if (!req.graph) throw new GraphError(500, 'generalException', 'The request was not authenticated.');
        return handler(req, reply, req.graph);
      },
    });
  }
}

/** Parse a JSON body with zod; Graph answers 400 with what is wrong. */
export function parseBody<T>(schema: ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (!r.success) {
    const issue = r.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` (${issue.path.join('.')})` : '';
    throw badRequest(`Invalid request body${where}: ${issue?.message ?? 'unreadable'}.`, 'ErrorInvalidRequest');
  }
  return r.data;
}

/** `Prefer: outlook.body-content-type="text"` (or html); answered with Preference-Applied. */
export function preferredBodyType(req: FastifyRequest, reply: FastifyReply): 'html' | 'text' {
  const prefer = String(req.headers['prefer'] ?? '');
  const m = /outlook\.body-content-type\s*=\s*"?(text|html)"?/i.exec(prefer);
  if (!m) return 'html';
  const type = m[1]!.toLowerCase() as 'html' | 'text';
  reply.header('preference-applied', `outlook.body-content-type="${type}"`);
  return type;
}

/** `Prefer: odata.maxpagesize=N`. */
export function preferredPageSize(req: FastifyRequest): number | undefined {
  const m = /odata\.maxpagesize\s*=\s*(\d+)/i.exec(String(req.headers['prefer'] ?? ''));
  return m ? Math.max(1, Math.min(1000, Number(m[1]))) : undefined;
}

/** The URL the client called, with some query parameters replaced (Graph's nextLink). */
export function linkWith(req: FastifyRequest, set: Record<string, string | undefined>, keepQuery = true): string {
  const url = new URL(req.url, `${req.protocol}://${req.host}`);
  if (!keepQuery) url.search = '';
  for (const [k, v] of Object.entries(set)) {
    if (v === undefined) url.searchParams.delete(k);
    else url.searchParams.set(k, v);
  }
  // URLSearchParams writes spaces as '+'; Graph's links use %20 and keep '$' and ',' readable.
  url.search = url.searchParams.toString().replace(/\+/g, '%20').replace(/%24/g, '$').replace(/%2C/gi, ',');
  return url.toString();
}
