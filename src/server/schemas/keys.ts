import { z } from 'zod';
import { API_SCOPES, apiScopesSchema } from '../scopes.js';
import { epochMs, openObject } from './common.js';

export const apiKeySchema = openObject({
  id: z.string(),
  label: z.string(),
  prefix: z.string().describe('the first characters of the key, to tell keys apart; never enough to use one'),
  scopes: z.array(z.enum(API_SCOPES)).describe('what the key may do: read, send, modify, admin (docs/security.md)'),
  createdAt: epochMs,
  lastUsedAt: epochMs.optional(),
  expiresAt: epochMs.optional().describe('when the key stops working (401 API_KEY_EXPIRED after); absent: never'),
}).meta({
  id: 'ApiKey',
  example: {
    id: 'k_01',
    label: 'n8n',
    prefix: 'mbk_1a2b3c4d',
    scopes: ['read'],
    createdAt: 1767225600000,
  },
});

export const createKeyBody = z
  .object({
    label: z.string().min(1).max(100),
    scopes: apiScopesSchema
      .refine((s) => new Set(s).size === s.length, 'each scope once')
      .default(['read'])
      .describe('read, send, modify, admin (docs/security.md); default read'),
    expiresInDays: z
      .number()
      .int()
      .min(1)
      .max(3650)
      .optional()
      .describe('the key stops working this many days from now (401 API_KEY_EXPIRED); default: never'),
  })
  .strict()
  .meta({ example: { label: 'n8n', scopes: ['read', 'send'], expiresInDays: 90 } });

export const createdKeySchema = apiKeySchema
  .extend({ key: z.string().describe('the key itself: in this answer only') })
  .meta({
    example: {
      id: 'k_01',
      label: 'n8n',
      prefix: 'mbk_1a2b3c4d',
      scopes: ['read', 'send'],
      createdAt: 1767225600000,
      expiresAt: 1774999200000,
      key: 'mbk_1a2b3c4d…',
    },
  });
