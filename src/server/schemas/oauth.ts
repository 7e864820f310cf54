import { z } from 'zod';
import { OAUTH_FLOWS } from '../../config/resource.js';
import { epochMs, openObject, queryFlag } from './common.js';
import { refreshTokenStatus } from './resources.js';

export const consentQuery = z.object({
  redirect: queryFlag.optional().describe('true: answer 303 with the authorize URL as Location instead of JSON'),
});

export const consentStartSchema = z
  .object({
    resource: z.string(),
    authorizeUrl: z.string().describe("open this in a browser: Microsoft's sign-in and consent page"),
    state: z.string(),
    redirectUri: z.string(),
    expiresAt: epochMs.describe('the consent must finish before this (ms since 1970)'),
    completion: z
      .enum(['callback', 'paste'])
      .describe(
        'callback: the browser comes back to this service by itself; ' +
          'paste: POST the URL the browser ended on to …/consent/finish',
      ),
  })
  .meta({
    id: 'ConsentStart',
    example: {
      resource: 'inbox',
      authorizeUrl: 'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize?client_id=…',
      state: 'k3J…',
      redirectUri: 'http://127.0.0.1:8025/oauth/callback',
      expiresAt: 1767225600000,
      completion: 'callback',
    },
  });

export const tokenStatusSchema = openObject({
  resource: z.string(),
  flow: z.enum(OAUTH_FLOWS),
  status: refreshTokenStatus,
  reason: z.string().optional(),
  code: z.string().optional().describe('the AADSTS code (or OAuth error) behind a status other than Available'),
  audience: z.string(),
  accessTokens: z.array(
    openObject({ audience: z.string(), expiresAt: z.string().optional(), scope: z.string().optional() }),
  ),
  refreshTokenIssuedAt: z.string().optional(),
  refreshTokenLastUsedAt: z.string().optional(),
  grantedScope: z.string().optional(),
  warnings: z.array(z.string()),
}).meta({
  id: 'TokenStatus',
  example: {
    resource: 'inbox',
    flow: 'authorization_code',
    status: 'Available',
    audience: 'https://outlook.office.com',
    accessTokens: [{ audience: 'https://outlook.office.com', expiresAt: '2026-01-01T00:00:00.000Z' }],
    warnings: [],
  },
});

export const consentDoneSchema = z.object({ resource: z.string(), status: tokenStatusSchema });

export const finishConsentBody = z
  .object({
    redirectUrl: z.string().min(1).describe('the full URL the browser was sent to after consent (with code and state)'),
  })
  .strict()
  .meta({ example: { redirectUrl: 'https://localhost/?code=0.AX…&state=k3J…' } });

export const deviceFlowSchema = openObject({
  id: z.string(),
  resource: z.string(),
  userCode: z.string(),
  verificationUri: z.string(),
  message: z.string(),
  expiresAt: epochMs,
  state: z.enum(['pending', 'done', 'failed']),
  status: z.string().optional().describe('the refresh token status once done'),
  error: openObject({ code: z.string(), message: z.string(), hint: z.string() }).optional(),
}).meta({
  id: 'DeviceFlow',
  example: {
    id: 'df_1',
    resource: 'inbox',
    userCode: 'ABCD-EFGH',
    verificationUri: 'https://microsoft.com/devicelogin',
    message: 'To sign in, use a web browser to open https://microsoft.com/devicelogin and enter the code ABCD-EFGH.',
    expiresAt: 1767225600000,
    state: 'pending',
  },
});

export const refreshedSchema = z
  .object({
    resource: z.string(),
    audience: z.string(),
    expiresAt: z.string().describe('ISO time the new access token expires (the token itself stays inside the service)'),
    scope: z.string().nullable(),
    status: refreshTokenStatus,
  })
  .meta({
    example: {
      resource: 'inbox',
      audience: 'https://outlook.office.com',
      expiresAt: '2026-01-01T01:00:00.000Z',
      scope: 'https://outlook.office.com/IMAP.AccessAsUser.All',
      status: 'Available',
    },
  });

export const revokedSchema = z.object({ resource: z.string(), status: z.literal('Missing'), note: z.string() });

/** The OAuth redirect's parameters (query, or a form_post body), as Microsoft sends them. */
export const callbackParams = openObject({
  code: z.string().optional(),
  state: z.string().optional(),
  error: z.string().optional(),
  error_description: z.string().optional(),
});
export const callbackDoneSchema = consentDoneSchema;
