/**
 * Subscribe with a StreamingSubscriptionRequest: events of the folders, delivered over
 * GetStreamingEvents connections. A streaming subscription has no timeout of its own: the server
 * keeps it while a connection is open and for 30 minutes after the last one closed.
 * https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/subscribe-operation
 */
import { responseMessages, type CallOptions, type EwsClient } from './client.js';
import { folderIdXml, type FolderRef } from './ids.js';
import { el, text, type XmlElement } from './soap.js';

/** The events mailbridge asks for: a new message (and any change, so a move into the folder counts) is a reason to sync. */
export const STREAMING_EVENT_TYPES = [
  'NewMailEvent',
  'CreatedEvent',
  'ModifiedEvent',
  'MovedEvent',
  'CopiedEvent',
] as const;

export function subscribeStreamingXml(folders: readonly FolderRef[]): XmlElement {
  return el(
    'm:Subscribe',
    {},
    el(
      'm:StreamingSubscriptionRequest',
      {},
      el('t:FolderIds', {}, ...folders.map(folderIdXml)),
      el('t:EventTypes', {}, ...STREAMING_EVENT_TYPES.map((t) => el('t:EventType', {}, t))),
    ),
  );
}

/** `opts`: a subscription group's affinity headers, and where the answer's cookie goes (ews-streaming-group.ts). */
export async function subscribeStreaming(
  client: EwsClient,
  folders: readonly FolderRef[],
  opts: Pick<CallOptions, 'headers' | 'onHeaders'> = {},
): Promise<string> {
  const resp = await client.call('Subscribe', subscribeStreamingXml(folders), opts);
  const id = text(responseMessages(resp)[0], 'SubscriptionId');
  if (!id)
    throw client.fail('Subscribe', {
      ResponseCode: 'ErrorSubscriptionNotFound',
      MessageText: 'the Subscribe answer carries no SubscriptionId',
    });
  return id;
}
