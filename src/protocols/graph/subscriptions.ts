import { z } from 'zod';
import { batchStepError, sendBatch, type BatchOptions, type BatchStep } from './batch.js';
import type { GraphHttp } from './http.js';
import { collect } from './paging.js';
import { seg } from './target.js';

/**
 * Change-notification subscriptions (microsoft.md §5.8):
 * https://learn.microsoft.com/en-us/graph/api/resources/subscription
 * Creating one makes Graph run the validation handshake against `notificationUrl` (and
 * `lifecycleNotificationUrl`) before it answers, so the endpoint must already be listening.
 */

export const subscriptionSchema = z
  .object({
    id: z.string().min(1),
    resource: z.string(),
    changeType: z.string(),
    notificationUrl: z.string(),
    lifecycleNotificationUrl: z.string().nullish(),
    expirationDateTime: z.string(),
  })
  .loose();
export type GraphSubscription = z.output<typeof subscriptionSchema>;

export interface CreateSubscription {
  /** e.g. /users/{id}/mailFolders/inbox/messages */
  resource: string;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string;
  /** At most 128 characters; Graph sends it back in every notification. */
  clientState: string;
  expiresAt: Date;
}

/** The POST that creates a subscription, alone or as a step of a JSON batch. */
export function createSubscriptionStep(s: CreateSubscription): BatchStep {
  return {
    method: 'POST',
    url: '/subscriptions',
    json: {
      changeType: s.changeType,
      notificationUrl: s.notificationUrl,
      lifecycleNotificationUrl: s.lifecycleNotificationUrl,
      resource: s.resource,
      expirationDateTime: s.expiresAt.toISOString(),
      clientState: s.clientState,
      latestSupportedTlsVersion: 'v1_2',
    },
  };
}

export function createSubscription(http: GraphHttp, s: CreateSubscription): Promise<GraphSubscription> {
  return http.json(createSubscriptionStep(s), subscriptionSchema);
}

/**
 * Creates many subscriptions (of one app: the batch carries one token) in JSON batches of 20;
 * each entry is the subscription or the typed error its create alone would have raised.
 * https://learn.microsoft.com/graph/json-batching
 */
export async function createSubscriptions(
  http: GraphHttp,
  list: readonly CreateSubscription[],
  o: BatchOptions = {},
): Promise<(GraphSubscription | Error)[]> {
  const steps = list.map(createSubscriptionStep);
  const answers = await sendBatch(http, steps, o);
  return answers.map((a, i) => {
    if (a.status < 200 || a.status >= 300) return batchStepError(http, steps[i]!, a);
    const parsed = subscriptionSchema.safeParse(a.body);
    return parsed.success ? parsed.data : batchStepError(http, steps[i]!, { ...a, status: 502 });
  });
}

/** PATCH with a new expirationDateTime: the renewal. */
export function renewSubscription(http: GraphHttp, id: string, expiresAt: Date): Promise<GraphSubscription> {
  return http.json(
    { method: 'PATCH', url: `/subscriptions/${seg(id)}`, json: { expirationDateTime: expiresAt.toISOString() } },
    subscriptionSchema,
  );
}

/** After a `reauthorizationRequired` lifecycle notification. https://learn.microsoft.com/en-us/graph/api/subscription-reauthorize */
export async function reauthorizeSubscription(http: GraphHttp, id: string): Promise<void> {
  await http.send({ method: 'POST', url: `/subscriptions/${seg(id)}/reauthorize` });
}

/** One subscription by id (a 404 when Graph no longer has it: expired or removed). */
export function getSubscription(http: GraphHttp, id: string): Promise<GraphSubscription> {
  return http.json({ method: 'GET', url: `/subscriptions/${seg(id)}` }, subscriptionSchema);
}

export async function deleteSubscription(http: GraphHttp, id: string): Promise<void> {
  await http.send({ method: 'DELETE', url: `/subscriptions/${seg(id)}` });
}

/** The calling app's subscriptions (app-only: all of them; delegated: the signed-in user's). */
export function listSubscriptions(http: GraphHttp): Promise<GraphSubscription[]> {
  return collect(http, { method: 'GET', url: '/subscriptions' }, subscriptionSchema);
}
