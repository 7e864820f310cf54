import type { TokenManager } from '../auth/token-manager.js';
import { ConfigError, ProtocolError } from '../errors.js';
import type { Logger } from '../log.js';
import { isMessageRefused } from '../mail/change-feed.js';
import { openMailbox } from '../mail/open.js';
import { parseMessage, type ParsedMessage } from '../message/parse.js';
import type { DeliveryRecord, Store } from '../store/store.js';
import type { TriggerHandler } from './deliver.js';
import { dispatchWithRetry } from './dispatch.js';
import { normalizeMessageId } from './message-id.js';
import { describeError } from './pause.js';

/** What `replayDelivery` needs: the store, tokens to fetch the message again, and the handlers. */
export interface ReplayOptions {
  store: Store;
  tokens: TokenManager;
  handlers: ReadonlyMap<string, TriggerHandler>;
  logger?: Logger;
  signal?: AbortSignal;
}

/**
 * Delivers a dead letter (or a failed delivery) again: takes the raw source kept with it, or
 * fetches the message by its stored reference and checks it is still the same message
 * (Message-ID); delivers with the trigger's retry policy afresh, and runs the after-processing
 * action only once that succeeded. A message that still cannot be parsed is refused with
 * TRIGGER_REPLAY_UNPARSABLE, saying where its source is.
 * @throws ConfigError `TRIGGER_DELIVERY_NOT_FOUND`, `TRIGGER_DELIVERY_DONE` (already delivered) or `TRIGGER_NOT_FOUND`.
 * @throws ProtocolError `TRIGGER_REPLAY_UNPARSABLE`; the delivery target's own error when it fails again.
 */
export async function replayDelivery(o: ReplayOptions, deliveryId: string): Promise<DeliveryRecord> {
  const record = await o.store.getDelivery(deliveryId);
  if (!record) {
    throw new ConfigError({ code: 'TRIGGER_DELIVERY_NOT_FOUND', message: `no delivery with id ${deliveryId}`,
      hint: 'list them with `mailbridge trigger history TRIGGER`', field: 'deliveryId' });
  }
  if (record.status === 'delivered') {
    throw new ConfigError({ code: 'TRIGGER_DELIVERY_DONE', message: `delivery ${deliveryId} already succeeded`,
      hint: 'only dead or failed deliveries can be replayed', field: 'deliveryId' });
  }
  const trigger = await o.store.getTrigger(record.trigger);
  if (!trigger) {
    throw new ConfigError({ code: 'TRIGGER_NOT_FOUND', message: `delivery ${deliveryId} belongs to trigger ${record.trigger}, which no longer exists`,
      hint: 'add the trigger again to replay its messages', field: 'trigger' });
  }
  const def = trigger.definition;
  const mailbox = await openMailbox({ resource: def.resource, store: o.store, tokens: o.tokens, ...(o.logger ? { logger: o.logger } : {}) });
  try {
    const src = record.source;
    const id = src.kind === 'imap' ? String(src.uid) : src.kind === 'pop3' ? src.uidl : src.id;
    const folder = src.kind === 'pop3' ? 'INBOX' : src.folder;
    // The copy kept with the dead letter first: it is the message that was refused, wherever the server's copy went.
    const kept = await o.store.getDeliverySource(deliveryId);
    let raw: Buffer;
    if (kept) raw = kept;
    else {
      try {
        const chunks: Buffer[] = [];
        for await (const c of await mailbox.raw(id, { folder })) {
          chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
        }
        raw = Buffer.concat(chunks);
      } catch (e) {
        // Still over a cap: its own error names the cap and how to raise it.
        if (isMessageRefused(e)) throw e;
        throw gone(record, describeError(e));
      }
    }
    let message: ParsedMessage;
    try {
      message = await parseMessage(raw, { id, folder, size: raw.length });
    } catch (e) {
      throw new ProtocolError({
        code: 'TRIGGER_REPLAY_UNPARSABLE',
        message: `cannot replay delivery ${record.id}: the message still cannot be parsed (${describeError(e)})`,
        hint: kept
          ? `save its raw source with \`mailbridge trigger source ${record.id} > message.eml\` and handle it by hand`
          : 'it is still on the server: save it with `mailbridge get RESOURCE ID --raw` and handle it by hand',
        cause: e,
        details: { messageKey: record.messageKey, sourceKept: kept !== undefined },
      });
    }
    if (!kept && record.messageId && normalizeMessageId(message.messageId) !== record.messageId) {
      throw gone(record, `${folder} ${src.kind === 'imap' ? 'UID ' : ''}${id} now holds another message (Message-ID ${message.messageId ?? 'none'})`);
    }
    const secret = def.target.kind === 'webhook' ? await o.store.getTriggerSecret(def.name) : undefined;
    const result = await dispatchWithRetry({
      store: o.store, definition: def, handlers: o.handlers, signal: o.signal ?? new AbortController().signal,
      ...(secret ? { webhookSecret: secret } : {}),
      ...(o.logger ? { logger: o.logger } : {}),
    }, { messageKey: record.messageKey, message, raw, source: record.source, replay: true });
    if (result.kind === 'stopped') return (await o.store.getDelivery(deliveryId)) ?? record;
    await o.store.addTriggerEvent(def.name, 'replayed', `delivery ${deliveryId} replayed: ${result.kind}`);
    if (result.kind === 'delivered' && def.afterAction.kind !== 'leave') {
      try {
        await mailbox.afterProcessing([id], def.afterAction, { folder });
        await o.store.setDeliveryAfterAction(deliveryId, { ok: true });
      } catch (e) {
        await o.store.setDeliveryAfterAction(deliveryId, { ok: false, error: describeError(e) });
      }
    }
    return (await o.store.getDelivery(deliveryId)) ?? result.record;
  } finally {
    await mailbox.close();
  }
}

function gone(record: DeliveryRecord, why: string): ProtocolError {
  return new ProtocolError({
    code: 'TRIGGER_REPLAY_SOURCE_GONE',
    message: `cannot replay delivery ${record.id}: the message is no longer where it was (${why})`,
    hint: 'it was moved or deleted on the server; find it in the mailbox and deliver it by hand',
    details: { messageKey: record.messageKey, ...(record.messageId ? { messageId: record.messageId } : {}) },
  });
}
