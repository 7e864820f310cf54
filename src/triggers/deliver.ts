import type { ParsedMessage } from '../message/parse.js';
import type { Secret } from '../secret.js';
import { commandEnvironment, runCommandTarget } from './command.js';
import type { DeliveryTarget, TriggerDefinition } from '../config/trigger.js';
import { buildWebhookPayload } from './payload.js';
import { postWebhook } from './webhook.js';

/** What a TypeScript handler receives. */
export interface ParsedDelivery {
  trigger: string;
  resource: string;
  folder: string;
  deliveryId: string;
  /** IMAP `UIDVALIDITY:UID`, POP3 the UIDL, EWS the ItemId, Graph the message id. */
  messageKey: string;
  /** 1 for the first try; a handler seeing 2+ may be seeing a message it already handled. */
  attempt: number;
  message: ParsedMessage;
  /** The RFC 5322 source. */
  raw: Buffer;
}

/** A library handler: resolve = delivered, throw = failed attempt (retried with backoff). */
export type TriggerHandler = (msg: ParsedDelivery) => Promise<void>;

export interface AttemptResult {
  ok: boolean;
  /** No point retrying (e.g. HTTP 400, an unknown handler): straight to the dead-letter list. */
  permanent: boolean;
  detail: string;
  /** What was sent and answered, and how long it took (kept with the delivery for the console). */
  exchange: { request: string; response: string; durationMs: number };
}

export interface AttemptContext {
  definition: TriggerDefinition;
  delivery: ParsedDelivery;
  webhookSecret?: Secret;
  handlers: ReadonlyMap<string, TriggerHandler>;
}

/** One delivery attempt to the trigger's target, timed; failures are reported, never thrown. */
export async function attemptDelivery(c: AttemptContext): Promise<AttemptResult> {
  const started = performance.now();
  const r = await attemptOnce(c);
  const durationMs = performance.now() - started;
  return { ok: r.ok, permanent: r.permanent, detail: r.detail, exchange: { request: r.request ?? describeRequest(c.definition.target), response: r.response ?? r.detail, durationMs } };
}

/** What a command or handler target was given (a webhook reports its JSON body itself). */
function describeRequest(target: DeliveryTarget): string {
  if (target.kind === 'command') return `command: ${JSON.stringify(target.argv)} (the message's RFC 5322 source on stdin)`;
  if (target.kind === 'handler') return `handler: ${target.name}`;
  return '';
}

type OnceResult = Omit<AttemptResult, 'exchange'> & { request?: string; response?: string };

async function attemptOnce(c: AttemptContext): Promise<OnceResult> {
  const target: DeliveryTarget = c.definition.target;
  const d = c.delivery;
  switch (target.kind) {
    case 'webhook':
      return postWebhook({
        url: target.url,
        ...(c.webhookSecret ? { secret: c.webhookSecret } : {}),
        timeoutMs: target.timeoutSeconds * 1000,
        payload: buildWebhookPayload(d.message, {
          trigger: d.trigger, resource: d.resource, folder: d.folder, deliveryId: d.deliveryId, messageKey: d.messageKey,
          attempt: d.attempt, inlineAttachmentMaxBytes: target.inlineAttachmentMaxBytes,
          ...(target.attachmentLinkBase ? { attachmentLinkBase: target.attachmentLinkBase } : {}),
        }),
      });
    case 'command': {
      const r = await runCommandTarget({
        argv: target.argv,
        raw: d.raw,
        timeoutMs: target.timeoutSeconds * 1000,
        env: commandEnvironment(target.env, {
          MAILBRIDGE_TRIGGER: d.trigger,
          MAILBRIDGE_DELIVERY_ID: d.deliveryId,
          MAILBRIDGE_MESSAGE_KEY: d.messageKey,
          MAILBRIDGE_MESSAGE_ID: d.message.messageId ?? '',
          MAILBRIDGE_ATTEMPT: String(d.attempt),
        }),
      });
      return { ...r, permanent: false };
    }
    case 'handler': {
      const handler = c.handlers.get(target.name);
      if (!handler) {
        return { ok: false, permanent: true, detail: `no handler named "${target.name}" is registered with the trigger runner` };
      }
      try {
        await handler(d);
        return { ok: true, permanent: false, detail: 'handler resolved' };
      } catch (e) {
        return { ok: false, permanent: false, detail: `handler ${target.name} threw: ${e instanceof Error ? e.message : String(e)}` };
      }
    }
  }
}
