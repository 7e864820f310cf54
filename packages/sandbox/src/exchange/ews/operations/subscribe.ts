import type { Folder } from '../../contract.js';
import type { EwsCall } from '../context.js';
import { resolveFolder } from '../folders.js';
import { EwsError } from '../soap.js';
import { streamingOf } from '../streaming.js';
import { m, NS, t, type XNode } from '../xml.js';
import { each, schemaError, type Operation } from './types.js';

/** Who may use a subscription: the app for app-only tokens, else the signed-in user. */
export const subscriptionOwner = (call: EwsCall): string =>
  call.principal.appOnly
    ? `app:${call.principal.appId}:${call.mailbox.address}`
    : `user:${call.principal.upn ?? ''}:${call.mailbox.address}`;

/**
 * Subscribe. Only streaming subscriptions (pull and push are not served by the sandbox):
 * t:FolderIds (or SubscribeToAllFolders) and t:EventTypes; the answer carries the
 * SubscriptionId (no Watermark for streaming, as at Exchange).
 * https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/subscribe-operation
 */
export const subscribe: Operation = async (call: EwsCall, op) => {
  const req = m(op, 'StreamingSubscriptionRequest');
  if (!req) {
    if (m(op, 'PullSubscriptionRequest') || m(op, 'PushSubscriptionRequest')) {
      throw new EwsError(
        'ErrorInvalidRequest',
        'The sandbox serves streaming subscriptions only (StreamingSubscriptionRequest).',
      );
    }
    throw schemaError("The element 'Subscribe' is missing 'StreamingSubscriptionRequest'.");
  }
  const types = (t(req, 'EventTypes')?.children ?? [])
    .filter((n) => n.ns === NS.t && n.name === 'EventType')
    .map((n) => n.text.trim());
  if (!types.length) throw schemaError("The element 'StreamingSubscriptionRequest' is missing 'EventTypes'.");
  const all = req.attrs.SubscribeToAllFolders === 'true';
  const refs: XNode[] = t(req, 'FolderIds')?.children ?? [];
  if (!all && !refs.length)
    throw schemaError(
      "The element 'StreamingSubscriptionRequest' needs 'FolderIds' or SubscribeToAllFolders=\"true\".",
    );
  return each('SubscribeResponseMessage', [req], async () => {
    const folders: Folder[] = all
      ? [...call.mailbox.folders()]
      : refs.map((ref) => {
          const f = resolveFolder(call, ref);
          if (f.kind !== 'mail')
            throw new EwsError('ErrorInvalidOperation', 'The sandbox streams events of mail folders only.');
          return f.folder;
        });
    const { id } = streamingOf(call.ctx).subscribe(call.mailbox.address, subscriptionOwner(call), folders, types);
    return { 'm:SubscriptionId': id };
  });
};

/** Unsubscribe: ends a subscription (ErrorSubscriptionNotFound when it is gone already). */
export const unsubscribe: Operation = async (call: EwsCall, op) => {
  const id = m(op, 'SubscriptionId')?.text.trim();
  if (!id) throw schemaError("The element 'Unsubscribe' is missing 'SubscriptionId'.");
  return each('UnsubscribeResponseMessage', [id], async () => {
    streamingOf(call.ctx).unsubscribe(id, subscriptionOwner(call));
    return {};
  });
};
