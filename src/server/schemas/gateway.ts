import { z } from 'zod';
import { epochMs, openObject } from './common.js';

/** Gateway users and the spool (issue 13, docs/gateway.md): admin scope only. */

export const gatewayUserNameParams = z.object({ name: z.string().min(1).max(128).describe("the gateway user's name") });

const usageSchema = openObject({
  protocol: z.enum(['smtp', 'imap', 'pop3']),
  logins: z.number().int(),
  failures: z.number().int(),
  messages: z.number().int(),
  lastUsedAt: epochMs.optional(),
  lastAddress: z.string().optional().describe('the client address of the last use'),
});

export const gatewayUserSchema = openObject({
  name: z.string(),
  disabled: z.boolean(),
  sendResource: z.string().optional().describe('the smtp or graph resource that sends for this user'),
  receiveResource: z.string().optional().describe('the resource read through the IMAP/POP3 gateway'),
  allowedFrom: z
    .array(z.string())
    .describe("From addresses or @domains it may use; empty = the send resource's own address"),
  createdAt: epochMs,
  updatedAt: epochMs,
  usage: z.array(usageSchema).describe('logins, failed logins, messages and last use, per protocol'),
}).meta({
  id: 'GatewayUser',
  example: {
    name: 'mfp-3f',
    disabled: false,
    sendResource: 'printer-send',
    allowedFrom: ['scanner@contoso.com'],
    createdAt: 1767225600000,
    updatedAt: 1767225600000,
    usage: [
      { protocol: 'smtp', logins: 12, failures: 0, messages: 12, lastUsedAt: 1767229200000, lastAddress: '192.0.2.20' },
    ],
  },
});

const password = z
  .string()
  .min(8)
  .max(256)
  .describe('8 to 256 characters; omitted: a random one is made and returned once');

export const createGatewayUserBody = z
  .object({
    name: z.string().min(1).max(128),
    password: password.optional(),
    sendResource: z.string().min(1).optional(),
    receiveResource: z.string().min(1).optional(),
    allowedFrom: z.array(z.string().min(3).max(320)).max(100).default([]),
    disabled: z.boolean().default(false),
  })
  .strict()
  .meta({ example: { name: 'mfp-3f', sendResource: 'printer-send', allowedFrom: ['scanner@contoso.com'] } });

export const createdGatewayUserSchema = z.object({
  user: gatewayUserSchema,
  password: z
    .string()
    .optional()
    .describe('the generated password: in this answer only (the service keeps its scrypt hash)'),
});

export const updateGatewayUserBody = z
  .object({
    sendResource: z.string().min(1).nullable().optional().describe('null removes the mapping'),
    receiveResource: z.string().min(1).nullable().optional().describe('null removes the mapping'),
    allowedFrom: z.array(z.string().min(3).max(320)).max(100).optional(),
    disabled: z.boolean().optional().describe("true refuses the user's logins (its spooled mail is still delivered)"),
  })
  .strict()
  .meta({ example: { disabled: true } });

export const resetGatewayPasswordBody = z.object({ password: password.optional() }).strict();
export const resetGatewayPasswordSchema = z.object({
  name: z.string(),
  password: z.string().optional().describe('the generated password: in this answer only'),
});

const spoolEntrySchema = openObject({
  id: z.string(),
  resource: z.string(),
  principal: z.string().describe('user:NAME, source:ADDRESS or gateway:dsn (a bounce)'),
  rcptTo: z.array(z.string()),
  size: z.number().int(),
  state: z.enum(['queued', 'sending']),
  attempts: z.number().int(),
  nextAttemptAt: epochMs,
  lastError: z.string().optional(),
  possibleDuplicate: z.boolean(),
  createdAt: epochMs,
});

const relayedSchema = openObject({
  id: z.string(),
  resource: z.string(),
  principal: z.string(),
  recipients: z.number().int(),
  size: z.number().int(),
  upstreamId: z.string().optional().describe("the SMTP server's queue reply or Graph's request-id"),
  via: z.enum(['smtp', 'graph']),
  attempts: z.number().int(),
  possibleDuplicate: z
    .boolean()
    .describe("tried again after a crash between the upstream's answer and the spool's record"),
  acceptedAt: epochMs,
  relayedAt: epochMs,
});

const deadLetterSchema = openObject({
  id: z.string(),
  resource: z.string(),
  principal: z.string(),
  mailFrom: z.string(),
  rcptTo: z.array(z.string()),
  status: z.string().describe('RFC 3463 status, e.g. 5.1.10'),
  reason: z.string(),
  size: z.number().int(),
  bounce: z.string().describe('sent, null-sender, notify-never, or failed: …'),
  createdAt: epochMs,
});

export const gatewayQueueSchema = z
  .object({
    spool: z.array(spoolEntrySchema),
    relayed: z.array(relayedSchema),
    deadLetters: z.array(deadLetterSchema),
  })
  .meta({ id: 'GatewayQueue' });

export const gatewayQueueQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(50) });
