/**
 * Unsubscribe: ends a subscription at once (otherwise a streaming one lapses 30 minutes after its
 * last connection). One that is gone already is not an error for the caller.
 * https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/unsubscribe-operation
 */
import { responseCode, responseMessages, type EwsClient } from './client.js';
import { el, type XmlElement } from './soap.js';

export const unsubscribeXml = (subscriptionId: string): XmlElement =>
  el('m:Unsubscribe', {}, el('m:SubscriptionId', {}, subscriptionId));

export async function unsubscribe(client: EwsClient, subscriptionId: string): Promise<void> {
  const resp = await client.call('Unsubscribe', unsubscribeXml(subscriptionId), { tolerateErrors: true });
  const m = responseMessages(resp)[0];
  if (m && responseCode(m) !== 'NoError' && !SUBSCRIPTION_GONE.has(responseCode(m)))
    throw client.fail('Unsubscribe', m);
}

/** The server no longer knows the subscription (expired, or lost in a mailbox move): subscribe again. */
export const SUBSCRIPTION_GONE: ReadonlySet<string> = new Set([
  'ErrorSubscriptionNotFound',
  'ErrorInvalidSubscription',
  'ErrorExpiredSubscription',
]);
