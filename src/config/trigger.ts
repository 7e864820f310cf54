import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { parseAfterAction, type AfterAction } from '../message/after-action.js';

/**
 * A trigger: watch one folder of one resource and hand every new message that passes the
 * filters to one delivery target, at least once. The definition is plain JSON (stored as is);
 * the webhook secret is not part of it: it lives sealed in the store (putTriggerSecret).
 */

/** Loopback or not, a webhook is an http(s) URL; anything else is refused at the boundary. */
const webhookUrl = z.url().refine((u) => /^https?:\/\//i.test(u), { error: 'use an http:// or https:// URL' });

export const webhookTargetSchema = z.strictObject({
  kind: z.literal('webhook'),
  url: webhookUrl,
  /** Attachments up to this many bytes each travel inline (base64); bigger ones by link or as metadata only. */
  inlineAttachmentMaxBytes: z.number().int().min(0).default(256 * 1024),
  /**
   * Base URL of the mailbridge service the receiver can reach (e.g. http://mailbridge:8025):
   * attachments over the inline limit then carry a link to the REST API's attachment route
   * (fetched with an API key), instead of metadata only.
   */
  attachmentLinkBase: webhookUrl.optional(),
  /** Per request. */
  timeoutSeconds: z.number().positive().max(600).default(30),
});

export const commandTargetSchema = z.strictObject({
  kind: z.literal('command'),
  /** Run without a shell: argv[0] is the program. The raw MIME message arrives on stdin. */
  argv: z.array(z.string().min(1)).min(1),
  timeoutSeconds: z.number().positive().max(3600).default(60),
  /**
   * Names of the service's environment variables the program may see, besides PATH, LANG,
   * LC_ALL and TZ (command.ts); the service's own MAILBRIDGE_* secrets can never be passed.
   */
  env: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'an environment variable name' })
    .refine((n) => !n.startsWith('MAILBRIDGE_'), { error: 'the service\'s own MAILBRIDGE_* variables are never passed to a command' }))
    .default([])
    .describe('names of environment variables the program may see besides PATH, LANG, LC_ALL and TZ (never MAILBRIDGE_*)'),
});

/** A TypeScript handler registered under this name with the TriggerRunner (library use). */
export const handlerTargetSchema = z.strictObject({
  kind: z.literal('handler'),
  name: z.string().min(1),
});

export const deliveryTargetSchema = z.discriminatedUnion('kind', [webhookTargetSchema, commandTargetSchema, handlerTargetSchema]);

export const triggerFilterSchema = z.strictObject({
  /** Substring of any From address or name, case-insensitive. */
  from: z.string().min(1).optional(),
  /** Substring of any To/Cc address or name, case-insensitive. */
  to: z.string().min(1).optional(),
  /** Substring of the subject, case-insensitive. */
  subjectContains: z.string().min(1).optional(),
  hasAttachments: z.boolean().optional(),
  importance: z.enum(['high', 'normal', 'low']).optional(),
  /** IMAP only: true = only messages without \Seen when first seen. */
  unread: z.boolean().optional(),
});

export const retryPolicySchema = z.strictObject({
  /** Attempts per message, the first one included; then it goes to the dead-letter list. */
  maxAttempts: z.number().int().min(1).max(100).default(5),
  backoffBaseMs: z.number().int().min(1).default(1000),
  backoffMaxMs: z.number().int().min(1).default(5 * 60_000),
});

const afterActionSchema = z.string().transform((text, ctx): AfterAction => {
  try {
    return parseAfterAction(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'use leave, read, move:FOLDER or delete' });
    return z.NEVER;
  }
});

/** The zod schema of a trigger definition (what `mailbridge trigger add` and PUT /api/triggers/NAME take). */
export const triggerDefinitionSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, { error: 'letters, digits, . _ - (up to 64), starting with a letter or digit' }),
  resource: z.string().min(1),
  folder: z.string().min(1).default('INBOX'),
  /**
   * IMAP: IDLE (with a polling fallback) or polling. POP3 and EWS (SyncFolderItems) poll; Graph polls its delta link.
   * `notify` (Graph only): a change-notification subscription wakes a delta sync, and a slow
   * safety-net delta poll runs every `safetyNetSeconds` (docs/notifications.md).
   * `streaming`, EWS only: EWS streaming notifications wake the SyncFolderItems sync (ews-streaming.ts).
   */
  mode: z.enum(['idle', 'poll', 'notify', 'streaming']).default('idle'),
  /** Poll period; in IDLE and streaming mode also the safety-net re-scan period. */
  pollIntervalSeconds: z.number().positive().max(86_400).default(60),
  /** mode `notify`: the period of the safety-net delta poll (default 900: 15 minutes). */
  safetyNetSeconds: z.number().positive().max(86_400).optional(),
  /** `new`: only messages arriving after the first start; `all`: also those already there. */
  start: z.enum(['new', 'all']).default('new'),
  filters: triggerFilterSchema.default({}),
  target: deliveryTargetSchema,
  /** leave | read | move:FOLDER | delete, run only after the delivery is recorded. */
  afterAction: afterActionSchema.default({ kind: 'leave' }),
  retry: retryPolicySchema.default({ maxAttempts: 5, backoffBaseMs: 1000, backoffMaxMs: 5 * 60_000 }),
});

/** A trigger definition as a user writes it (defaults may be left out). */
export type TriggerDefinitionInput = z.input<typeof triggerDefinitionSchema>;
/** A validated trigger definition; make one with {@link parseTriggerDefinition}. */
export type TriggerDefinition = z.output<typeof triggerDefinitionSchema>;
/** Where a trigger delivers: a webhook, a command, or a TypeScript handler. */
export type DeliveryTarget = TriggerDefinition['target'];
/** A trigger's filters: messages that fail one are skipped. */
export type TriggerFilter = TriggerDefinition['filters'];
/** How often and how far apart a delivery is retried before it becomes a dead letter. */
export type RetryPolicy = TriggerDefinition['retry'];

/**
 * Parses a definition from outside (CLI, REST, config); a bad field is a ConfigError naming it.
 * @throws ConfigError `TRIGGER_INVALID` naming the first bad field.
 * @example
 * ```ts
 * const def = parseTriggerDefinition({ name: 'invoices', resource: 'inbox', target: { kind: 'webhook', url: 'https://erp.example/hook' } });
 * ```
 */
export function parseTriggerDefinition(input: unknown): TriggerDefinition {
  const r = triggerDefinitionSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue?.path.join('.') || 'trigger';
  throw new ConfigError({
    code: 'TRIGGER_INVALID',
    message: `invalid trigger ${field}: ${issue?.message ?? 'bad value'}`,
    hint: 'see `mailbridge trigger add --help` for the fields and their values',
    field,
  });
}

/** The definition as stored: after-action back to its text form so the JSON parses again. */
export function serializeTriggerDefinition(d: TriggerDefinition): Record<string, unknown> {
  const a = d.afterAction;
  return { ...d, afterAction: a.kind === 'move' ? `move:${a.folder}` : a.kind };
}

/**
 * Rules that need the resource's kind: POP3 has one folder, no flags and no MOVE, so a POP3
 * trigger refusing them at add time beats one failing on its first message.
 */
export function checkTriggerFitsResource(d: TriggerDefinition, kind: string): void {
  const fail = (field: string, message: string, hint: string): never => {
    throw new ConfigError({ code: 'TRIGGER_UNSUPPORTED_FOR_RESOURCE', message: `trigger ${d.name}: ${message}`, hint, field });
  };
  if (kind !== 'imap' && kind !== 'pop3' && kind !== 'ews' && kind !== 'graph') {
    fail('resource', `resource ${d.resource} is a ${kind} resource; triggers watch imap, pop3, ews and graph resources`, 'point the trigger at an imap, pop3, ews or graph resource');
  }
  if (d.mode === 'notify' && kind !== 'graph') {
    fail('mode', `mode notify needs Graph change notifications; resource ${d.resource} is a ${kind} resource`, 'use mode idle or poll, or point the trigger at a graph resource');
  }
  if (d.mode === 'streaming' && kind !== 'ews') {
    fail('mode', `streaming notifications are an EWS feature; ${d.resource} is a ${kind} resource`, 'use mode idle or poll, or point the trigger at an ews resource');
  }
  if (kind !== 'pop3') return;
  if (d.folder.toUpperCase() !== 'INBOX') fail('folder', 'POP3 has only INBOX', 'leave folder as INBOX, or use an imap resource');
  if (d.filters.unread !== undefined) fail('filters.unread', 'POP3 has no read/unread flag', 'drop the unread filter, or use an imap resource');
  if (d.afterAction.kind === 'read' || d.afterAction.kind === 'move') {
    fail('afterAction', `POP3 cannot ${d.afterAction.kind === 'read' ? 'mark messages read' : 'move messages'}`, 'use leave or delete with POP3, or use an imap resource');
  }
}
