import { randomUUID } from 'node:crypto';
import type { Logger } from '../log.js';
import type { ParsedMessage } from '../message/parse.js';
import type { Secret } from '../secret.js';
import type { DeliveryOutcome, DeliveryRecord, DeliverySource, Store } from '../store/store.js';
import { backoffDelayMs, sleep } from './backoff.js';
import type { TriggerDefinition } from '../config/trigger.js';
import { attemptDelivery, type TriggerHandler } from './deliver.js';
import { normalizeMessageId } from './message-id.js';

export interface DispatchContext {
  store: Store;
  definition: TriggerDefinition;
  handlers: ReadonlyMap<string, TriggerHandler>;
  webhookSecret?: Secret;
  logger?: Logger;
  signal: AbortSignal;
}

export interface DispatchMessage {
  messageKey: string;
  source: DeliverySource;
  message: ParsedMessage;
  raw: Buffer;
  /** Where the checkpoint moves once the message is finished with (delivered or dead). */
  advance?: DeliveryOutcome['advance'];
  /** A replay from the dead-letter list gets the policy's attempts afresh. */
  replay?: boolean;
}

/** `stopped`: the runner stopped during a backoff; nothing was advanced, the next start retries. */
export type DispatchResult = { kind: 'delivered' | 'dead'; record: DeliveryRecord } | { kind: 'stopped' };

/**
 * Delivers one message with the trigger's retry policy. Each failed attempt is recorded (so a
 * restart continues the count); success records the delivery and advances the checkpoint in one
 * transaction; the last failed attempt moves it to the dead-letter list (and advances too, so
 * one poisonous message cannot block the folder: it waits in the list for a replay).
 */
export async function dispatchWithRetry(c: DispatchContext, m: DispatchMessage): Promise<DispatchResult> {
  const trigger = c.definition.name;
  const previous = await c.store.findDelivery(trigger, m.messageKey);
  const id = previous?.id ?? randomUUID();
  let attempts = previous?.attempts ?? 0;
  const messageId = normalizeMessageId(m.message.messageId);
  const base = {
    id, trigger, messageKey: m.messageKey, source: m.source,
    ...(messageId ? { messageId } : {}),
    ...(m.message.subject ? { subject: m.message.subject.slice(0, 200) } : {}),
  };
  const maxAttempts = m.replay ? attempts + c.definition.retry.maxAttempts : Math.max(c.definition.retry.maxAttempts, attempts + 1);
  for (;;) {
    attempts++;
    const r = await attemptDelivery({
      definition: c.definition,
      handlers: c.handlers,
      ...(c.webhookSecret ? { webhookSecret: c.webhookSecret } : {}),
      delivery: {
        trigger, resource: c.definition.resource, folder: c.definition.folder, deliveryId: id, messageKey: m.messageKey,
        attempt: attempts, message: m.message, raw: m.raw,
      },
    });
    if (r.ok) {
      const record = await c.store.recordDelivery({ ...base, status: 'delivered', attempts, exchange: r.exchange, ...(m.advance ? { advance: m.advance } : {}) });
      c.logger?.info({ event: 'trigger_delivered', trigger, deliveryId: id, messageKey: m.messageKey, attempts }, 'message delivered');
      return { kind: 'delivered', record };
    }
    if (r.permanent || attempts >= maxAttempts) {
      const record = await deadLetter(c, {
        ...base, attempts, lastError: r.detail, raw: m.raw, exchange: r.exchange, ...(m.advance ? { advance: m.advance } : {}),
      }, `after ${attempts} attempt(s)`);
      return { kind: 'dead', record };
    }
    await c.store.recordDelivery({ ...base, status: 'failed', attempts, lastError: r.detail, exchange: r.exchange });
    c.logger?.warn({ event: 'trigger_delivery_failed', trigger, deliveryId: id, attempts, error: r.detail }, 'delivery failed; will retry');
    if (!(await sleep(backoffDelayMs(c.definition.retry, attempts), c.signal))) return { kind: 'stopped' };
  }
}

/**
 * Moves a message to the dead-letter list, its raw source kept with it (when there is one), and
 * advances the checkpoint in the same transaction: the folder moves on, the message waits for a
 * replay. Used when delivery gave up and when a message was refused before delivery (it could
 * not be parsed, it is too large): one bad message never blocks the folder.
 */
export async function deadLetter(
  c: Pick<DispatchContext, 'store' | 'definition' | 'logger'>,
  o: Omit<DeliveryOutcome, 'trigger' | 'status'>,
  why: string,
): Promise<DeliveryRecord> {
  const trigger = c.definition.name;
  const record = await c.store.recordDelivery({ ...o, trigger, status: 'dead' });
  await c.store.addTriggerEvent(trigger, 'dead_letter',
    `message ${o.messageKey} moved to the dead-letter list ${why}: ${o.lastError ?? 'no detail'}`);
  c.logger?.warn({
    event: 'trigger_dead_letter', trigger, deliveryId: record.id, messageKey: o.messageKey,
    attempts: o.attempts, error: o.lastError,
  }, 'message moved to the dead-letter list');
  return record;
}
