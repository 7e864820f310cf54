import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { Logger } from '../../log.js';
import type { Operation } from '../errors.js';
import { graphErrorFromResponse, parseRetryAfter } from './errors.js';
import type { GraphHttp, HttpMethod } from './http.js';

/**
 * JSON batching: up to 20 requests in one POST /$batch, each answered on its own inside a 200
 * (https://learn.microsoft.com/graph/json-batching). Every step still counts against Graph's
 * limits (4 concurrent per app and mailbox, Graph hands 4 steps of a batch to Outlook at a
 * time), so batching saves round trips and connections, not quota. A step throttled inside the
 * batch (429/503 with its own Retry-After) is sent again, in a later batch, after that wait.
 */

/** Graph's limit of steps per batch. */
export const MAX_BATCH_STEPS = 20;

export interface BatchStep {
  method: HttpMethod;
  /** Relative to the version: `/subscriptions`, `/users/{id}/messages`. */
  url: string;
  json?: unknown;
}

/** One step's answer: its status, headers (lower-case names) and body (JSON, or base64 text for other types). */
export interface BatchAnswer {
  status: number;
  headers: Record<string, string | undefined>;
  body: unknown;
}

export interface BatchOptions {
  /** Rounds of retrying throttled steps; default 3. */
  maxRetries?: number;
  /** A longer Retry-After is not waited for: the step is answered with its 429. Default 60 s. */
  maxRetryAfterMs?: number;
  operation?: Operation;
  logger?: Logger;
}

const answerSchema = z.object({
  responses: z.array(
    z
      .object({
        id: z.string(),
        status: z.number().int(),
        headers: z.record(z.string(), z.string()).optional(),
        body: z.unknown().optional(),
      })
      .loose(),
  ),
});

/**
 * Sends the steps in batches of at most 20 (one after another) and answers in the order given.
 * Throttled steps are retried after the longest Retry-After among them; other failures are
 * answers like any other (see {@link batchStepError}).
 */
export async function sendBatch(
  http: GraphHttp,
  steps: readonly BatchStep[],
  o: BatchOptions = {},
): Promise<BatchAnswer[]> {
  const answers = new Array<BatchAnswer | undefined>(steps.length);
  for (let start = 0; start < steps.length; start += MAX_BATCH_STEPS) {
    const indexes = Array.from({ length: Math.min(MAX_BATCH_STEPS, steps.length - start) }, (_, i) => start + i);
    await sendChunk(http, steps, indexes, answers, o);
  }
  return answers.map((a) => a!);
}

async function sendChunk(
  http: GraphHttp,
  steps: readonly BatchStep[],
  indexes: number[],
  answers: (BatchAnswer | undefined)[],
  o: BatchOptions,
): Promise<void> {
  const maxRetries = o.maxRetries ?? 3;
  const maxWait = o.maxRetryAfterMs ?? 60_000;
  let pending = indexes;
  for (let round = 0; pending.length > 0; round++) {
    const body = await http.json(
      {
        method: 'POST',
        url: '/$batch',
        ...(o.operation ? { operation: o.operation } : {}),
        json: {
          requests: pending.map((i) => {
            const s = steps[i]!;
            return {
              id: String(i),
              method: s.method,
              url: s.url,
              ...(s.json !== undefined ? { body: s.json, headers: { 'content-type': 'application/json' } } : {}),
            };
          }),
        },
      },
      answerSchema,
    );
    const byId = new Map(body.responses.map((r) => [r.id, r]));
    const throttled: number[] = [];
    let wait = 0;
    for (const i of pending) {
      const r = byId.get(String(i));
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(r?.headers ?? {})) headers[k.toLowerCase()] = v;
      const answer: BatchAnswer = r
        ? { status: r.status, headers, body: r.body }
        : {
            status: 502,
            headers: {},
            body: { error: { code: 'BatchStepMissing', message: 'Graph answered the batch without this step' } },
          };
      answers[i] = answer;
      if ((answer.status === 429 || answer.status === 503) && round < maxRetries) {
        const after = parseRetryAfter(headers['retry-after']) ?? 1000 * 2 ** round;
        if (after <= maxWait) {
          throttled.push(i);
          wait = Math.max(wait, after);
        }
      }
    }
    if (throttled.length > 0) {
      o.logger?.info(
        { event: 'graph_batch_throttled', steps: throttled.length, waitMs: wait },
        'Graph throttled steps of a batch; sending them again after Retry-After',
      );
      await new Promise((r) => setTimeout(r, wait));
    }
    pending = throttled;
  }
}

/** A step that did not succeed, as the typed error the same request sent alone would raise. */
export function batchStepError(
  http: GraphHttp,
  step: BatchStep,
  a: BatchAnswer,
  operation: Operation = 'receive',
): Error {
  const url = new URL(http.base);
  return graphErrorFromResponse(
    { method: step.method, path: `${url.pathname}${step.url}`, host: url.host, operation },
    {
      status: a.status,
      body: typeof a.body === 'string' ? a.body : JSON.stringify(a.body ?? ''),
      headers: a.headers,
      clientRequestId: a.headers['client-request-id'] ?? randomUUID(),
    },
  );
}
