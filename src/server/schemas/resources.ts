import { z } from 'zod';
import { presetInputSchema } from '../../config/entry.js';
import { REFRESH_TOKEN_STATUSES, RESOURCE_KINDS, resourceSchema } from '../../config/resource.js';
import { epochMs, openObject } from './common.js';

const clientSecret = z.string().describe("the client secret's Value; stored sealed, never returned");
const password = z.string().describe('basic auth only: the mailbox password; stored sealed, never returned');

/** POST /api/resources: the short form the CLI and the config file use, plus the secret. */
export const resourceAddBody = presetInputSchema
  .extend({
    clientSecret: clientSecret.optional(),
    password: password.optional(),
  })
  .meta({
    id: 'NewResource',
    description: "The short form: a preset fills the guide's values; any field overrides what the preset derives.",
    example: {
      name: 'inbox',
      kind: 'imap',
      preset: 'm365',
      tenantId: 'contoso.onmicrosoft.com',
      clientId: '00000000-0000-0000-0000-000000000001',
      user: 'someone@contoso.onmicrosoft.com',
      clientSecret: 'the secret Value',
    },
  });
/** PATCH /api/resources/{name}: the same fields, each optional; the name comes from the path. */
export const resourcePatchBody = presetInputSchema
  .partial()
  .extend({
    clientSecret: clientSecret
      .optional()
      .describe("the client secret's Value; required with a change to where the credentials go (tenant, URLs, …)"),
    password: password.optional().describe('basic auth only: required with a change to where the credentials go'),
  })
  .meta({
    id: 'ResourcePatch',
    description:
      'Fields to change; everything is validated again and nothing is written on error. Changing where the ' +
      'credentials go needs the secret again in the same request (CREDENTIALS_REQUIRED otherwise).',
    example: { user: 'other@contoso.onmicrosoft.com' },
  });

export const refreshTokenStatus = z.enum(REFRESH_TOKEN_STATUSES).meta({
  id: 'RefreshTokenStatus',
  description: "The guide's refresh token status: Available when mail can flow; the others name what a person must do.",
});

export const resourceViewSchema = openObject({
  name: z.string(),
  kind: z.string().meta({ enum: [...RESOURCE_KINDS] }),
  server: z.string().describe('host:port (IMAP/POP3/SMTP) or base URL (EWS/Graph)'),
  user: z.string(),
  status: refreshTokenStatus,
  statusReason: z.string().optional(),
  accessTokenExpiresAt: epochMs.optional().describe('when the cached access token expires (ms since 1970)'),
  clientSecret: z.string().optional().describe('masked (first characters and ***), when a secret is stored'),
}).meta({
  id: 'Resource',
  example: {
    name: 'inbox',
    kind: 'imap',
    server: 'outlook.office365.com:993',
    user: 'someone@contoso.onmicrosoft.com',
    status: 'Available',
    accessTokenExpiresAt: 1767225600000,
    clientSecret: 'abc***',
  },
});

export const warningSchema = z.object({ field: z.string(), message: z.string(), hint: z.string() }).meta({
  id: 'Warning',
  description: 'Something valid but likely to hurt later (e.g. a client secret about to expire).',
});

export const resourceSavedSchema = z.object({
  resource: resourceViewSchema,
  warnings: z.array(warningSchema),
});

/** PATCH's answer: also the destination fields whose change dropped the stored tokens. */
export const resourceChangedSchema = resourceSavedSchema.extend({
  tokensDropped: z
    .array(z.string())
    .optional()
    .describe('the fields that moved the credentials: the stored tokens were dropped, consent again'),
});

export const fieldRowSchema = z.object({ label: z.string(), value: z.string() }).meta({
  id: 'FieldRow',
  example: {
    label: 'Client ID',
    value: '00000000-0000-0000-0000-000000000001',
  },
});

export const resourceDetailSchema = resourceViewSchema
  .extend({
    settings: resourceSchema.describe('the full settings the preset derived (never a secret)'),
    fields: z.array(fieldRowSchema),
  })
  .meta({ id: 'ResourceDetail' });

export const importBody = z
  .object({
    format: z.enum(['yaml', 'json']).optional().describe('default yaml'),
    text: z.string().min(1).describe("the config file's text"),
    replace: z.boolean().optional().describe('overwrite resources of the same name'),
  })
  .strict()
  .meta({
    example: {
      format: 'yaml',
      text: 'resources:\n  - name: inbox\n    kind: imap\n    tenantId: contoso.onmicrosoft.com\n',
    },
  });

export const importedSchema = z
  .object({ imported: z.array(z.string()), warnings: z.array(warningSchema) })
  .meta({ example: { imported: ['inbox'], warnings: [] } });

export const exportQuery = z.object({
  format: z.enum(['yaml', 'json']).optional().describe('default yaml'),
});

const doctorCheck = openObject({
  name: z.string(),
  status: z.enum(['pass', 'fail', 'warn', 'skip']),
  detail: z.string(),
  fix: z.string().optional(),
  code: z.string().optional(),
});
export const doctorReportSchema = openObject({
  resource: z.string(),
  ok: z.boolean(),
  checks: z.array(doctorCheck),
}).meta({
  id: 'DoctorReport',
  example: {
    resource: 'inbox',
    ok: true,
    checks: [
      {
        name: 'login',
        status: 'pass',
        detail: 'AUTHENTICATE XOAUTH2 accepted',
      },
    ],
  },
});

export const probeBody = z
  .object({
    action: z
      .enum(['send', 'receive'])
      .optional()
      .describe(
        'send (smtp, ews, graph) or receive (imap, pop3, ews, graph); default: send for smtp, receive otherwise',
      ),
    to: z.string().min(3).optional().describe("a send: the recipient (default: the resource's own address)"),
    subject: z.string().min(1).max(998).optional().describe('a send: the subject (default: mailbridge test message)'),
    text: z.string().min(1).max(100_000).optional().describe('a send: the text body (default: a short English note)'),
    encoding: z
      .enum(['utf-8', 'iso-2022-jp'])
      .optional()
      .describe(
        'a send: the charset of subject and body (default utf-8; iso-2022-jp for Japanese systems that expect it)',
      ),
  })
  .strict()
  .optional();
export const probeResultSchema = openObject({
  ok: z.boolean(),
  action: z.enum(['send', 'receive']),
  detail: z.string(),
  messageId: z.string().optional(),
  error: openObject({
    code: z.string(),
    message: z.string(),
    hint: z.string(),
    serverResponse: z.string().optional(),
  })
    .optional()
    .describe("the typed error, with the mail server's own words in serverResponse"),
}).meta({
  id: 'ProbeResult',
  example: {
    ok: true,
    action: 'receive',
    detail: 'logged in; 2 recent message(s) listed',
  },
});
