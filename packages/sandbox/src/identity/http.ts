import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { OAuthError } from './errors.js';
import { PlainHttpFailure } from './faults.js';

const formSchema = z.record(z.string(), z.union([z.string(), z.array(z.string())]));

/**
 * A form (or query) as single-valued fields; the first value wins for a repeated name.
 * Anything that is not a flat form (JSON bodies, text) reads as empty, so the endpoint answers
 * with its "missing parameter" error as Microsoft does for a wrong Content-Type.
 */
export function formFields(input: unknown): Record<string, string> {
  const parsed = formSchema.safeParse(input ?? {});
  if (!parsed.success) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed.data)) {
    const first = Array.isArray(v) ? v[0] : v;
    if (first !== undefined) out[k] = first;
  }
  return out;
}

/** The origin the client used (http or https listener, its Host): metadata and pages point back to it. */
export function requestBaseUrl(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}`;
}

export function sendHtml(reply: FastifyReply, html: string, status = 200): FastifyReply {
  return reply.code(status).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(html);
}

/** Answer an OAuthError as Microsoft's JSON (or a plain-text failure from a fault). */
export function sendError(reply: FastifyReply, e: OAuthError | PlainHttpFailure, nowMs: number): FastifyReply {
  if (e instanceof PlainHttpFailure) return reply.code(e.status).type('text/plain; charset=utf-8').send(e.text);
  for (const [k, v] of Object.entries(e.headers)) reply.header(k, v);
  return reply.code(e.status).header('cache-control', 'no-store').send(e.body(nowMs, requestIds(reply.request)));
}

/** The ids of this request (see `stampRequestIds`), for error bodies and pages. */
export function requestIds(req: FastifyRequest): { traceId: string; correlationId: string } {
  return { traceId: req.aadTraceId, correlationId: req.aadCorrelationId };
}

/**
 * Entra answers every request with `x-ms-request-id` (its trace id) and echoes a GUID
 * `client-request-id` (MSAL sends one; it becomes `correlation_id`), with
 * `return-client-request-id: true` header semantics applied unconditionally.
 * https://learn.microsoft.com/entra/identity-platform/reference-error-codes (trace_id, correlation_id)
 */
export function stampRequestIds(req: FastifyRequest, reply: FastifyReply): void {
  const sent = req.headers['client-request-id'];
  const clientRequestId = typeof sent === 'string' && /^[0-9a-f-]{36}$/i.test(sent) ? sent : undefined;
  req.aadTraceId = randomUUID();
  req.aadCorrelationId = clientRequestId ?? randomUUID();
  reply.header('x-ms-request-id', req.aadTraceId);
  if (clientRequestId) reply.header('client-request-id', clientRequestId);
}

declare module 'fastify' {
  interface FastifyRequest {
    aadTraceId: string;
    aadCorrelationId: string;
  }
}

/** The admin API is for the machine it runs on only. */
export function isLoopbackAddress(address: string | undefined): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1' || (address?.startsWith('127.') ?? false);
}
