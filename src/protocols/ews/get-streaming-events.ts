/**
 * GetStreamingEvents: one long-lived response on one or more streaming subscriptions. Each
 * envelope the server writes is one batch: notifications (events with their watermarks), a
 * keep-alive (ConnectionStatus OK and nothing else), an error naming subscriptions the server
 * lost (ErrorSubscriptionIds), or the last one, ConnectionStatus Closed, when the
 * ConnectionTimeout (1–30 minutes) ran out: the client then opens a new connection on the same
 * subscriptions.
 * https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getstreamingevents-operation
 * https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/how-to-stream-notifications-about-mailbox-events-by-using-ews-in-exchange
 */
import { responseCode, responseMessages, type EwsClient, type StreamOptions } from './client.js';
import { attr, child, childEntries, children, el, ownText, text, type XmlElement } from './soap.js';

/** The schema's bounds of ConnectionTimeout (StreamingSubscriptionConnectionTimeoutType), in minutes. */
export const CONNECTION_TIMEOUT_MINUTES = { min: 1, max: 30 } as const;

export interface StreamingEvent {
  /** NewMailEvent, CreatedEvent, ModifiedEvent… (StatusEvent is a heartbeat of pull subscriptions). */
  type: string;
  watermark?: string;
  itemId?: string;
}

export interface StreamingBatch {
  /** Events per subscription, in the order the server wrote them per event type. */
  notifications: Array<{ subscriptionId: string; events: StreamingEvent[] }>;
  /** `Closed`: the connection's lifetime is over (the response ends after this batch). */
  connectionStatus?: 'OK' | 'Closed';
  /** An error response message: its code, and the subscriptions it concerns. */
  error?: { code: string; text: string; subscriptionIds: string[] };
}

export function getStreamingEventsXml(subscriptionIds: readonly string[], minutes: number): XmlElement {
  const timeout = Math.min(
    CONNECTION_TIMEOUT_MINUTES.max,
    Math.max(CONNECTION_TIMEOUT_MINUTES.min, Math.round(minutes)),
  );
  return el(
    'm:GetStreamingEvents',
    {},
    el('m:SubscriptionIds', {}, ...subscriptionIds.map((id) => el('t:SubscriptionId', {}, id))),
    el('m:ConnectionTimeout', {}, String(timeout)),
  );
}

export async function* getStreamingEvents(
  client: EwsClient,
  subscriptionIds: readonly string[],
  minutes: number,
  opts: StreamOptions,
): AsyncGenerator<StreamingBatch> {
  const body = getStreamingEventsXml(subscriptionIds, minutes);
  for await (const resp of client.stream('GetStreamingEvents', body, opts)) {
    for (const m of responseMessages(resp)) yield readBatch(m);
  }
}

function readBatch(m: Parameters<typeof responseCode>[0]): StreamingBatch {
  const status = text(m, 'ConnectionStatus');
  const batch: StreamingBatch = {
    notifications: children(child(m, 'Notifications'), 'Notification').map((n) => ({
      subscriptionId: text(n, 'SubscriptionId') ?? '',
      events: childEntries(n)
        .filter(([name]) => name.endsWith('Event'))
        .map(([type, e]) => {
          const watermark = text(e, 'Watermark');
          const itemId = attr(child(e, 'ItemId'), 'Id');
          return { type, ...(watermark ? { watermark } : {}), ...(itemId ? { itemId } : {}) };
        }),
    })),
    ...(status === 'OK' || status === 'Closed' ? { connectionStatus: status } : {}),
  };
  if (attr(m, 'ResponseClass') === 'Error') {
    const ids = children(child(m, 'ErrorSubscriptionIds'), 'SubscriptionId')
      .map((x) => ownText(x) ?? '')
      .filter(Boolean);
    batch.error = { code: responseCode(m), text: text(m, 'MessageText') ?? '', subscriptionIds: ids };
  }
  return batch;
}
