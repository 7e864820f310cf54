import { z } from 'zod';
import {
  AUTH_TYPES, CLIENT_AUTH_METHODS, CLOUDS, OAUTH_FLOWS, PRESETS, RESOURCE_KINDS, RESPONSE_MODES, SECURE_MODES,
} from './resource.js';

/**
 * The short, flat form of a resource that people write: a preset plus the few values it
 * cannot guess (tenant, client id, user). Every other field may be given to override what the
 * preset derives. The config file, the CLI options and `resource export` all use this form, so
 * there is one way to describe a resource from outside.
 */
export const presetInputSchema = z.strictObject({
  name: z.string(),
  kind: z.enum(RESOURCE_KINDS),
  /** Default: m365. */
  preset: z.enum(PRESETS).optional(),
  cloud: z.enum(CLOUDS).optional(),
  tenantId: z.string().min(1).optional(),
  clientId: z.string().min(1).optional(),
  user: z.string().optional(),
  from: z.string().optional(),
  flow: z.enum(OAUTH_FLOWS).optional(),
  /** Replaces https://login.microsoftonline.com (e.g. the sandbox's http://127.0.0.1:PORT). */
  authorityUrl: z.string().url().optional(),
  /** Replaces the mail host (IMAP/POP3/SMTP host name, or the EWS/Graph base URL). */
  mailHost: z.string().min(1).optional(),
  port: z.number().int().optional(),
  secure: z.enum(SECURE_MODES).optional(),
  /** EWS: the Exchange domain of the guide's Exchange resource. */
  domain: z.string().optional(),
  /** EWS: keep the guide's v1 authorize URL (…/oauth2/authorize) with response_mode=query. */
  ewsV1: z.boolean().optional(),
  authType: z.enum(AUTH_TYPES).optional(),
  authorizeUrl: z.string().url().optional(),
  tokenUrl: z.string().url().optional(),
  deviceCodeUrl: z.string().url().optional(),
  callbackUrl: z.string().url().optional(),
  clientAuth: z.enum(CLIENT_AUTH_METHODS).optional(),
  certificate: z.strictObject({ keyFile: z.string().min(1), certFile: z.string().min(1) }).optional(),
  scope: z.string().optional(),
  state: z.string().optional(),
  responseMode: z.enum(RESPONSE_MODES).optional(),
  resource: z.string().optional(),
  usePkce: z.boolean().optional(),
  secretExpiresAt: z.string().optional(),
  tls: z
    .strictObject({
      caFile: z.string().optional(),
      insecureLoopback: z.boolean().optional(),
      allowPlaintextLoopback: z.boolean().optional(),
    })
    .optional(),
  rateLimitPerMinute: z.number().int().min(0).optional(),
  /** SMTP: send through Microsoft Graph when SMTP AUTH is refused (baseUrl default https://graph.microsoft.com). */
  graphFallback: z.strictObject({ baseUrl: z.string().url().optional() }).optional(),
});
export type PresetInput = z.infer<typeof presetInputSchema>;
