import { z } from 'zod';
import { mailDraftSchema } from '../../message/compose.js';
import { queryFlag, openObject } from './common.js';

export const resourceParams = z.object({ resource: z.string().min(1).describe("the resource's name") });
export const messageParams = resourceParams.extend({
  id: z.string().min(1).describe("the backend's message id (IMAP UID, POP3 UIDL, …)"),
});
export const attachmentParams = messageParams.extend({
  index: z.coerce.number().int().min(0).describe("0-based, in the order of the message's attachment list"),
});

const folder = z.string().min(1).default('INBOX');
export const folderQuery = z.object({ folder });

export const listQuery = z
  .object({
    folder,
    limit: z.coerce.number().int().min(1).max(1000).optional().describe('the newest N'),
    unseen: queryFlag.optional(),
    since: z.string().optional().describe('received on or after, e.g. 2024-05-01'),
    before: z.string().optional().describe('received before, e.g. 2024-06-01'),
    from: z.string().optional().describe('substring of a From address or name'),
    to: z.string().optional().describe('substring of a To/Cc address or name'),
    subject: z.string().optional().describe('substring of the subject'),
    hasAttachments: queryFlag.optional(),
    larger: z.coerce.number().int().min(0).optional().describe('bytes'),
    smaller: z.coerce.number().int().min(0).optional().describe('bytes'),
  })
  .strict();

/**
 * A time as the backends give it (a Date, serialized as ISO 8601, or already ISO text):
 * documented as a date-time string, passed through as is.
 */
const dateTime = z.any().meta({ type: 'string', format: 'date-time' });
const address = openObject({ name: z.string().optional(), address: z.string().optional() });

export const folderSchema = openObject({
  path: z.string(),
  name: z.string(),
  specialUse: z.string().optional(),
  messages: z.number().optional(),
  unseen: z.number().optional(),
}).meta({ id: 'Folder', example: { path: 'INBOX', name: 'INBOX', specialUse: '\\Inbox', messages: 12, unseen: 3 } });

export const messageSummarySchema = openObject({
  id: z.string(),
  folder: z.string(),
  messageId: z.string().optional(),
  subject: z.string().optional(),
  from: z.array(address),
  to: z.array(address),
  date: dateTime.optional(),
  size: z.number(),
  seen: z.boolean().optional().describe('absent where the protocol has no flags (POP3)'),
  flagged: z.boolean().optional(),
  hasAttachments: z.boolean().optional(),
}).meta({
  id: 'MessageSummary',
  example: {
    id: '42',
    folder: 'INBOX',
    messageId: '<a1@contoso.com>',
    subject: 'Invoice 1001',
    from: [{ name: 'Sales', address: 'sales@contoso.com' }],
    to: [{ address: 'someone@contoso.onmicrosoft.com' }],
    date: '2026-01-01T09:00:00.000Z',
    size: 5120,
    seen: false,
    flagged: false,
  },
});

const attachmentInfo = openObject({
  filename: z.string().optional(),
  contentType: z.string(),
  size: z.number(),
  contentId: z.string().optional(),
  inline: z.boolean(),
  checksum: z.string().optional(),
}).meta({ id: 'AttachmentInfo' });

export const messageSchema = openObject({
  id: z.string(),
  folder: z.string().optional(),
  messageId: z.string().optional(),
  subject: z.string(),
  from: address.optional(),
  sender: address.optional(),
  to: z.array(address),
  cc: z.array(address),
  bcc: z.array(address),
  replyTo: z.array(address),
  date: dateTime.optional(),
  receivedAt: dateTime.optional(),
  flags: z.array(z.string()),
  seen: z.boolean(),
  flagged: z.boolean(),
  size: z.number().optional(),
  hasAttachments: z.boolean(),
  text: z.string().optional(),
  html: z.string().optional(),
  headers: z
    .record(z.string(), z.union([z.string(), z.array(z.string())]))
    .describe('lower-case names; repeated headers as arrays'),
  attachments: z.array(attachmentInfo),
  importance: z.enum(['high', 'normal', 'low']).optional(),
}).meta({
  id: 'Message',
  example: {
    id: '42',
    folder: 'INBOX',
    subject: 'Invoice 1001',
    from: { name: 'Sales', address: 'sales@contoso.com' },
    to: [{ address: 'someone@contoso.onmicrosoft.com' }],
    cc: [],
    bcc: [],
    replyTo: [],
    date: '2026-01-01T09:00:00.000Z',
    flags: [],
    seen: false,
    flagged: false,
    hasAttachments: true,
    text: 'Please find the invoice attached.',
    headers: { 'x-campaign': 'spring' },
    attachments: [{ filename: 'invoice.pdf', contentType: 'application/pdf', size: 20480, inline: false }],
  },
});

const ids = z.array(z.string().min(1)).min(1);
export const markBody = z
  .object({ ids, folder, read: z.boolean().optional(), flagged: z.boolean().optional() })
  .strict()
  .meta({ example: { ids: ['42'], read: true } });
export const transferBody = z
  .object({ ids, folder, to: z.string().min(1).describe('the destination folder') })
  .strict()
  .meta({ example: { ids: ['42'], to: 'Archive' } });
export const deleteBody = z
  .object({ ids, folder })
  .strict()
  .meta({ example: { ids: ['42'], folder: 'Trash' } });
export const markedSchema = z.object({ ok: z.literal(true), ids: z.array(z.string()) });
export const transferredSchema = markedSchema.extend({ to: z.string() });

/**
 * POST …/send: the library's draft (mailDraftSchema), as JSON: From defaults to the resource's
 * address, attachments carry their bytes as base64, and at least one recipient is needed.
 */
const restAttachment = z
  .object({
    filename: z.string().min(1),
    contentType: z.string().min(1).optional(),
    cid: z.string().min(1).optional().describe('makes it an inline part, referenced from the HTML as cid:…'),
    contentBase64: z.string().describe('the bytes, base64'),
  })
  .strict()
  .transform(({ contentBase64, ...a }) => ({ ...a, content: Buffer.from(contentBase64, 'base64') }));

export const sendBody = mailDraftSchema
  .extend({
    from: mailDraftSchema.shape.from.default('').describe("default: the resource's From address"),
    to: mailDraftSchema.shape.to.min(1),
    attachments: z.array(restAttachment).optional(),
  })
  .strict()
  .meta({
    id: 'MailDraft',
    example: {
      to: ['someone@contoso.com'],
      subject: 'Invoice 1001',
      text: 'Please find the invoice attached.',
      attachments: [{ filename: 'invoice.txt', contentType: 'text/plain', contentBase64: 'SW52b2ljZSAxMDAx' }],
    },
  });

export const sendResultSchema = openObject({
  messageId: z.string(),
  accepted: z.array(z.string()),
  rejected: z.array(z.string()),
}).meta({
  id: 'SendResult',
  example: { messageId: '<0f3a…@contoso.com>', accepted: ['someone@contoso.com'], rejected: [] },
});
