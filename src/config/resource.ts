import { z } from 'zod';

/**
 * The shape of a resource: one mailbox connection of one kind, carrying every field of the
 * seed guide's three resources (Email receive, Email send, Exchange). This file holds the
 * types only; presets fill them (presets.ts) and validation rules across fields live in
 * validate.ts. Secrets are never part of a Resource: they live sealed in the store.
 */
export const RESOURCE_KINDS = ['imap', 'pop3', 'smtp', 'ews', 'graph'] as const;
/** The protocol a resource speaks: `imap`, `pop3`, `smtp`, `ews` or `graph`. */
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

/** TLS on a connection: none, implicit TLS, or STARTTLS (STLS on POP3). */
export const SECURE_MODES = ['none', 'tls', 'starttls'] as const;
/** A TLS mode: `none`, `tls` (implicit) or `starttls`. */
export type SecureMode = (typeof SECURE_MODES)[number];

/** How a resource signs in: not at all, with a password, or with OAuth 2.0. */
export const AUTH_TYPES = ['none', 'basic', 'oauth2'] as const;
/** How a resource signs in: `none`, `basic` (password) or `oauth2`. */
export type AuthType = (typeof AUTH_TYPES)[number];

/** The OAuth 2.0 grants a resource can use to get its first token. */
export const OAUTH_FLOWS = ['authorization_code', 'device_code', 'client_credentials'] as const;
/** The grant a resource uses for its first token: `authorization_code`, `device_code` or `client_credentials`. */
export type OAuthFlow = (typeof OAUTH_FLOWS)[number];

/** How the app proves itself at the token endpoint: a client secret, a certificate (JWT assertion) or nothing (public client). */
export const CLIENT_AUTH_METHODS = ['secret', 'certificate', 'none'] as const;
/** `secret`: client_secret; `certificate`: private_key_jwt assertion; `none`: public client. */
export type ClientAuthMethod = (typeof CLIENT_AUTH_METHODS)[number];

export const RESPONSE_MODES = ['query', 'form_post'] as const;
export type ResponseMode = (typeof RESPONSE_MODES)[number];

export const PRESETS = ['m365', 'gmail', 'generic'] as const;
export type PresetName = (typeof PRESETS)[number];

/** The Microsoft 365 clouds a resource can live in. */
export const CLOUDS = ['global', 'usgovhigh', 'dod', 'china'] as const;
/** Microsoft 365 national clouds: global, US GCC High, US DoD, China (21Vianet). */
export type Cloud = (typeof CLOUDS)[number];

/** The guide's "refresh token status", plus the states a demanding user needs to see. */
export const REFRESH_TOKEN_STATUSES = [
  'Available', 'Missing', 'Expired', 'Revoked', 'ConsentRequired', 'InvalidClient',
] as const;
/**
 * The refresh token status a resource shows: `Available`, `Missing`, `Expired`, `Revoked`, `ConsentRequired` or `InvalidClient`.
 */
export type RefreshTokenStatus = (typeof REFRESH_TOKEN_STATUSES)[number];

export const resourceNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/i, 'use 1-63 letters, digits, ".", "_" or "-"')
  // The console's add form is /console/resources/new: a resource of that name could not open its own page.
  .refine((n) => n.toLowerCase() !== 'new', '"new" is reserved (the console\'s add form); choose another name');

/** The zod schema of a resource's server (host, port, TLS mode). */
export const serverSchema = z.object({
  /** Host name (IMAP/POP3/SMTP) or base URL (EWS/Graph, e.g. https://outlook.office365.com). */
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  secure: z.enum(SECURE_MODES),
  /** EWS: the Exchange domain of the guide's Exchange resource (on-premises too). */
  domain: z.string().optional(),
});
/** A resource's server: host (or base URL for EWS and Graph), port, TLS mode. */
export type ServerSettings = z.infer<typeof serverSchema>;

/** The zod schema of a resource's TLS trust settings (extra CA file, loopback exceptions). */
export const tlsSchema = z.object({
  /** PEM file of a CA to trust in addition to the system's (a private or test server). */
  caFile: z.string().optional(),
  /** Trust any certificate, only ever honoured for a loopback host (tests, the sandbox). */
  insecureLoopback: z.boolean().default(false),
  /** Allow XOAUTH2 over a plaintext connection, only ever honoured for a loopback host. */
  allowPlaintextLoopback: z.boolean().default(false),
});
/** A resource's TLS options (extra CA file, loopback exceptions). */
export type TlsSettings = z.infer<typeof tlsSchema>;

export const certificateSchema = z.object({
  /** PEM private key used to sign the client assertion (private_key_jwt). */
  keyFile: z.string().min(1),
  /** PEM certificate; its SHA-1/SHA-256 thumbprints go in the assertion's x5t / x5t#S256. */
  certFile: z.string().min(1),
});

/** The zod schema of a resource's OAuth 2.0 settings (tenant, client, endpoints, scope, flow). */
export const oauthSchema = z.object({
  tenantId: z.string().min(1),
  flow: z.enum(OAUTH_FLOWS),
  authorizeUrl: z.string().url(),
  tokenUrl: z.string().url(),
  /** Device authorization endpoint (device code flow). */
  deviceCodeUrl: z.string().url().optional(),
  /** The guide's callback URL: `https://localhost` by default (the user pastes the redirect). */
  callbackUrl: z.string().url(),
  clientId: z.string().min(1),
  clientAuth: z.enum(CLIENT_AUTH_METHODS),
  certificate: certificateSchema.optional(),
  /** Space separated, as in the guide; the first scope's resource is the token's audience. */
  scope: z.string(),
  /** A fixed state from the guide's field; empty means a fresh random state per consent. */
  state: z.string().optional(),
  responseMode: z.enum(RESPONSE_MODES),
  /** v1 endpoints only: the `resource` (App ID URI) asked for instead of scopes. */
  resource: z.string().optional(),
  usePkce: z.boolean().default(true),
  /** When the client secret expires, if the user told us (Entra shows it). ISO date. */
  secretExpiresAt: z.string().optional(),
});
/** A resource's OAuth 2.0 settings: tenant, client, flow, scopes, endpoints (all filled by presets). */
export type OAuthSettings = z.infer<typeof oauthSchema>;

/** Microsoft Graph's global endpoint, where an smtp resource's Graph fallback sends by default. */
export const GRAPH_DEFAULT_BASE_URL = 'https://graph.microsoft.com';

/**
 * SMTP only: when Exchange refuses SMTP AUTH (535 5.7.139: disabled for the mailbox or tenant,
 * or blocked by policy), send the same message through Graph `sendMail` instead, with a Graph
 * token from the same refresh token (the consent must include Graph's Mail.Send).
 */
export const graphFallbackSchema = z.object({
  baseUrl: z.string().url().default(GRAPH_DEFAULT_BASE_URL),
});

/**
 * The zod schema of a resource's `proxy` override: `none` (always direct, whatever HTTPS_PROXY
 * says) or an http(s) proxy URL used for every connection of the resource (identity platform,
 * mail server, Graph, EWS). No credentials here: resource settings are stored unsealed and shown
 * by the API; proxy credentials go in MAILBRIDGE_PROXY_USER / MAILBRIDGE_PROXY_PASSWORD.
 */
export const proxySettingSchema = z.string().trim().min(1).superRefine((v, ctx) => {
  if (v === 'none') return;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'write "none" or a proxy URL such as http://proxy.example.com:8080' });
    return;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    ctx.addIssue({ code: 'custom', message: 'only http:// and https:// proxies are supported (HTTP CONNECT)' });
  } else if (url.username || url.password) {
    ctx.addIssue({ code: 'custom', message: 'put no credentials in the resource\'s proxy URL; set MAILBRIDGE_PROXY_USER and MAILBRIDGE_PROXY_PASSWORD instead' });
  } else if (url.pathname !== '/' || url.search || url.hash) {
    ctx.addIssue({ code: 'custom', message: 'a proxy URL is scheme, host and port only (http://proxy.example.com:8080)' });
  }
});

/** The zod schema of a resource: what to connect to (kind, server, TLS) and how to sign in (authType, oauth). */
export const resourceSchema = z.object({
  name: resourceNameSchema,
  kind: z.enum(RESOURCE_KINDS),
  preset: z.enum(PRESETS).default('generic'),
  cloud: z.enum(CLOUDS).optional(),
  server: serverSchema,
  /** The guide's From address (send) and the mailbox user name (receive; a shared mailbox too). */
  from: z.string().optional(),
  user: z.string().optional(),
  authType: z.enum(AUTH_TYPES),
  oauth: oauthSchema.optional(),
  tls: tlsSchema.default({ insecureLoopback: false, allowPlaintextLoopback: false }),
  /** SMTP: messages per minute (Exchange Online allows 30 per mailbox); 0 = no limit. */
  rateLimitPerMinute: z.number().int().min(0).optional(),
  graphFallback: graphFallbackSchema.optional(),
  /** `none` or an http(s) proxy URL for every connection of this resource; absent: HTTPS_PROXY / HTTP_PROXY / NO_PROXY decide. */
  proxy: proxySettingSchema.optional(),
});
/** One validated mailbox connection (no secrets: those live sealed in the store). Make one with `parseResource`. */
export type Resource = z.infer<typeof resourceSchema>;
/** What a user writes: defaults may be left out. */
export type ResourceInput = z.input<typeof resourceSchema>;
