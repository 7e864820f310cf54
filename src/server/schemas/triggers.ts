import { z } from 'zod';
import {
  deliveryTargetSchema,
  retryPolicySchema,
  triggerDefinitionSchema,
  triggerFilterSchema,
} from '../../config/trigger.js';
import { epochMs, openObject } from './common.js';

/**
 * POST/PUT /api/triggers: the definition the CLI and the config file use, plus the webhook
 * secret (which is kept sealed apart from the definition).
 */
export const triggerBody = triggerDefinitionSchema
  .extend({
    secret: z.string().min(16).optional().describe('webhook signing secret; generated and returned once when absent'),
  })
  .meta({
    id: 'TriggerDefinition',
    example: {
      name: 'invoices',
      resource: 'inbox',
      folder: 'INBOX',
      filters: { subjectContains: 'invoice' },
      target: { kind: 'webhook', url: 'https://flows.example.net/hooks/invoices' },
      afterAction: 'read',
    },
  });

/** The stored definition, defaults filled, the after-action written back as text. */
const definitionOut = openObject({
  name: z.string(),
  resource: z.string(),
  folder: z.string(),
  mode: z.enum(['idle', 'poll', 'notify', 'streaming']),
  pollIntervalSeconds: z.number(),
  safetyNetSeconds: z.number().optional(),
  start: z.enum(['new', 'all']),
  filters: triggerFilterSchema,
  target: deliveryTargetSchema,
  afterAction: z.string().describe('leave | read | move:FOLDER | delete'),
  retry: retryPolicySchema,
});

const live = openObject({
  trigger: z.string(),
  resource: z.string().optional(),
  state: z.string().describe('starting | running | retrying | paused | stopped'),
  idle: z.boolean().optional(),
  pauseReason: z.string().optional(),
  lastError: z.string().optional().describe('the mailbox failure since the last whole scan (cleared by the next one)'),
  lastErrorAt: epochMs.optional(),
  delivered: z.number(),
  dead: z.number(),
  lastScanAt: epochMs.optional(),
});

export const triggerViewSchema = openObject({
  definition: definitionOut,
  paused: z.boolean(),
  pauseReason: z.string().optional(),
  createdAt: epochMs,
  updatedAt: epochMs,
  live: live.optional().describe('the watcher in this process, when it runs'),
}).meta({
  id: 'Trigger',
  example: {
    definition: {
      name: 'invoices',
      resource: 'inbox',
      folder: 'INBOX',
      mode: 'idle',
      pollIntervalSeconds: 60,
      start: 'new',
      filters: { subjectContains: 'invoice' },
      target: {
        kind: 'webhook',
        url: 'https://flows.example.net/hooks/invoices',
        inlineAttachmentMaxBytes: 262144,
        timeoutSeconds: 30,
      },
      afterAction: 'read',
      retry: { maxAttempts: 5, backoffBaseMs: 1000, backoffMaxMs: 300000 },
    },
    paused: false,
    createdAt: 1767225600000,
    updatedAt: 1767225600000,
    live: { trigger: 'invoices', state: 'running', delivered: 3, dead: 0 },
  },
});

export const triggerSavedSchema = z.object({
  trigger: triggerViewSchema,
  secret: z.string().optional().describe('the generated webhook signing secret: shown in this answer only'),
});

const eventSchema = openObject({ trigger: z.string(), kind: z.string(), message: z.string(), at: epochMs });
export const triggerDetailSchema = triggerViewSchema
  .extend({
    checkpoint: openObject({
      uidValidity: z.string().optional(),
      lastUid: z.number().optional(),
      dedupeUpToUid: z.number().optional(),
      syncState: z.string().optional().describe('EWS sync state or Graph delta link (opaque)'),
      updatedAt: epochMs,
    })
      .nullable()
      .describe('where the watcher resumes (IMAP UIDVALIDITY/UID, EWS/Graph sync state)'),
    events: z.array(eventSchema).describe('the 20 most recent events, newest first'),
  })
  .meta({ id: 'TriggerDetail' });

export const pauseBody = z
  .object({ reason: z.string().max(500).optional() })
  .strict()
  .optional();

export const historyQuery = z.object({
  status: z.enum(['delivered', 'failed', 'dead']).optional().describe('dead: the dead-letter list'),
  limit: z.coerce.number().int().min(1).max(500).default(20),
});

export const deliverySchema = openObject({
  id: z.string(),
  trigger: z.string(),
  messageKey: z.string(),
  messageId: z.string().optional(),
  subject: z.string().optional(),
  source: openObject({ kind: z.enum(['imap', 'pop3', 'ews', 'graph']) }).describe(
    'where the message is, to fetch it again for a replay',
  ),
  status: z.enum(['delivered', 'failed', 'dead']),
  attempts: z.number(),
  lastError: z.string().optional(),
  afterAction: z.string().optional(),
  createdAt: epochMs,
  updatedAt: epochMs,
  deliveredAt: epochMs.optional(),
}).meta({
  id: 'Delivery',
  example: {
    id: 'd_01',
    trigger: 'invoices',
    messageKey: '1700000000:42',
    messageId: '<a1@contoso.com>',
    subject: 'Invoice 1001',
    source: { kind: 'imap', folder: 'INBOX', uidValidity: '1700000000', uid: 42 },
    status: 'delivered',
    attempts: 1,
    afterAction: 'ok',
    createdAt: 1767225600000,
    updatedAt: 1767225600000,
    deliveredAt: 1767225600000,
  },
});
