import type { FastifyInstance, FastifyRequest, HTTPMethods } from 'fastify';
import { z } from 'zod';
import { authenticate } from '../auth.js';
import { badRequest } from '../errors.js';
import { parseBody } from '../http.js';
import { NEEDS } from '../permissions.js';
import type { GraphState } from '../state.js';

/**
 * JSON batching: POST /v1.0/$batch with up to 20 requests, each run as if sent alone (its own
 * auth with the batch's token, the mailbox concurrency gate, faults), answered together:
 * `{ responses: [{ id, status, headers, body }] }`. Graph hands at most 4 steps of a batch to
 * Outlook at a time and runs `dependsOn` chains in order; a step whose dependency failed gets 424.
 * A throttled step is answered 429 with its own Retry-After inside a 200 batch.
 * https://learn.microsoft.com/graph/json-batching
 */
export const MAX_BATCH_STEPS = 20;
const PARALLEL_STEPS = 4;
const METHODS = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'] as const;

const stepSchema = z.object({
  id: z.string().min(1),
  method: z
    .string()
    .transform((m) => m.toUpperCase())
    .pipe(z.enum(METHODS)),
  url: z.string().min(1),
  headers: z.record(z.string(), z.string()).optional(),
  body: z.unknown().optional(),
  dependsOn: z.array(z.string()).optional(),
});
const batchSchema = z.object({ requests: z.array(stepSchema).min(1) });
type Step = z.output<typeof stepSchema>;

interface StepResponse {
  id: string;
  status: number;
  headers: Record<string, string>;
  body?: unknown;
}

export function registerBatchRoutes(app: FastifyInstance, state: GraphState): void {
  app.post('/v1.0/$batch', async (req) => {
    // The batch itself needs a valid token; each step is checked again for what it asks.
    await authenticate(state, req, NEEDS['mail.read']);
    const { requests } = parseBody(batchSchema, req.body);
    if (requests.length > MAX_BATCH_STEPS) {
      throw badRequest(
        `The number of requests in the batch (${requests.length}) exceeds the limit of ${MAX_BATCH_STEPS}.`,
      );
    }
    const ids = new Set<string>();
    for (const s of requests) {
      if (ids.has(s.id)) throw badRequest(`Batch request ids must be unique: '${s.id}' is repeated.`);
      ids.add(s.id);
    }
    for (const s of requests) {
      for (const d of s.dependsOn ?? [])
        if (!ids.has(d)) throw badRequest(`Step '${s.id}' depends on an unknown id '${d}'.`);
      if (/^[a-z]+:\/\//i.test(s.url))
        throw badRequest(`Step '${s.id}': batch URLs are relative to the version (/me/messages), not absolute.`);
    }
    const done = new Map<string, Promise<StepResponse>>();
    let running = 0;
    const waiting: (() => void)[] = [];
    const slot = async (): Promise<() => void> => {
      if (running >= PARALLEL_STEPS) await new Promise<void>((r) => waiting.push(r));
      else running++;
      return () => {
        const next = waiting.shift();
        if (next) next();
        else running--;
      };
    };
    const runStep = async (s: Step): Promise<StepResponse> => {
      const deps = await Promise.all((s.dependsOn ?? []).map((d) => done.get(d)!));
      if (deps.some((d) => d.status >= 400)) {
        return {
          id: s.id,
          status: 424,
          headers: {},
          body: { error: { code: 'FailedDependency', message: 'A step this one depends on failed.' } },
        };
      }
      const release = await slot();
      try {
        return await inject(app, req, s);
      } finally {
        release();
      }
    };
    // Steps are taken in order; one that depends on a later step waits for it (its promise exists by then).
    const order = topological(requests);
    for (const s of order) done.set(s.id, runStep(s));
    const responses = await Promise.all(requests.map((s) => done.get(s.id)!));
    return { responses };
  });
}

/** Steps in an order where each comes after what it depends on (a cycle is refused). */
function topological(steps: readonly Step[]): Step[] {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const out: Step[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (s: Step): void => {
    const st = state.get(s.id);
    if (st === 'done') return;
    if (st === 'visiting') throw badRequest(`The dependsOn chain of step '${s.id}' is circular.`);
    state.set(s.id, 'visiting');
    for (const d of s.dependsOn ?? []) visit(byId.get(d)!);
    state.set(s.id, 'done');
    out.push(s);
  };
  for (const s of steps) visit(s);
  return out;
}

/** One step through the app's own routes (no socket): the answer as a batch response entry. */
async function inject(app: FastifyInstance, outer: FastifyRequest, s: Step): Promise<StepResponse> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.headers ?? {})) headers[k.toLowerCase()] = v;
  if (s.body !== undefined && !headers['content-type']) {
    return {
      id: s.id,
      status: 400,
      headers: {},
      body: { error: { code: 'BadRequest', message: 'A Content-Type header is required for a step with a body.' } },
    };
  }
  if (outer.headers.authorization) headers['authorization'] = outer.headers.authorization;
  headers['host'] = outer.host;
  const url = `/v1.0${s.url.startsWith('/') ? '' : '/'}${s.url}`;
  const res = await app.inject({
    method: s.method as HTTPMethods,
    url,
    headers,
    ...(s.body !== undefined ? { payload: typeof s.body === 'string' ? s.body : JSON.stringify(s.body) } : {}),
  });
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) {
    if (v === undefined || ['connection', 'keep-alive', 'date', 'content-length', 'transfer-encoding'].includes(k))
      continue;
    out[k] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  const type = out['content-type'] ?? '';
  let body: unknown;
  if (res.rawPayload.length === 0) body = undefined;
  else if (type.includes('json')) body = JSON.parse(res.body) as unknown;
  // Anything else travels base64-encoded, as Graph does for non-JSON step bodies.
  else body = res.rawPayload.toString('base64');
  return { id: s.id, status: res.statusCode, headers: out, ...(body !== undefined ? { body } : {}) };
}
