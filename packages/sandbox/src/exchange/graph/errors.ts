import type { FastifyReply, FastifyRequest } from 'fastify';

/** A failure the Graph endpoint answers in Graph's error JSON (microsoft.md §5.7). */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Graph's `innerError.date`: seconds precision, no zone (as in the real capture of §5.7). */
export function graphDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19);
}

/** Send `e` as `{"error":{code,message,innerError:{date,request-id,client-request-id}}}`. */
export function sendGraphError(req: FastifyRequest, reply: FastifyReply, e: GraphError, nowMs: number): FastifyReply {
  for (const [k, v] of Object.entries(e.headers)) reply.header(k, v);
  const innerError: Record<string, string> = { date: graphDate(nowMs), 'request-id': req.graphRequestId, 'client-request-id': req.graphClientRequestId };
  // The throttling doc's example carries the HTTP status as innerError.code.
  if (e.status === 429) innerError['code'] = '429';
  return reply.code(e.status).type('application/json').send({ error: { code: e.code, message: e.message, innerError } });
}

/**
 * Exchange's ids are base64 of a binary entry id; text that cannot be one is refused before
 * any lookup with 400 ErrorInvalidIdMalformed ("Id is malformed."), a well-formed unknown id is
 * 404 ErrorItemNotFound. https://learn.microsoft.com/graph/errors (400 for malformed requests)
 */
export function checkIdFormat(id: string): void {
  if (!/^[A-Za-z0-9+/_=-]{16,}$/.test(id)) throw new GraphError(400, 'ErrorInvalidIdMalformed', 'Id is malformed.');
}

export const notFoundItem = (): GraphError => new GraphError(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');

export const badRequest = (message: string, code = 'BadRequest'): GraphError => new GraphError(400, code, message);

declare module 'fastify' {
  interface FastifyRequest {
    graphRequestId: string;
    graphClientRequestId: string;
  }
}
