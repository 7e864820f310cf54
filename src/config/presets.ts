import { ConfigError } from '../errors.js';
import { CLOUD_HOSTS, type CloudHosts } from './clouds.js';
import { graphResourceFor, withGraphSendScope } from './graph-fallback.js';
import type { PresetInput } from './entry.js';
import type { OAuthFlow, ResourceInput, ResourceKind, SecureMode } from './resource.js';

export type { PresetInput } from './entry.js';

/**
 * Turns the short form of a resource into its full settings. The result is not validated:
 * pass it to parseResource (validate.ts). Values given explicitly always win over what the
 * preset derives, so a preset is a starting point, never a cage.
 */
export function applyPreset(input: PresetInput): ResourceInput {
  const preset = input.preset ?? 'm365';
  if (preset === 'm365') return m365Preset(input);
  if (preset === 'gmail') return gmailPreset(input);
  return genericPreset(input);
}

/** Exchange Online's SMTP AUTH limit: 30 messages per minute per mailbox (microsoft.md §3.7). */
export const M365_SMTP_RATE_LIMIT_PER_MINUTE = 30;

/** The guide's delegated scopes per protocol, written fully qualified as Microsoft asks (§3.2). */
export function m365DelegatedScope(kind: ResourceKind, hosts: CloudHosts = CLOUD_HOSTS.global): string {
  const outlook = `https://${hosts.outlook}`;
  const graph = `https://${hosts.graph}`;
  switch (kind) {
    case 'imap': return `offline_access ${outlook}/IMAP.AccessAsUser.All`;
    case 'pop3': return `offline_access ${outlook}/POP.AccessAsUser.All`;
    case 'smtp': return `offline_access ${outlook}/SMTP.Send`;
    case 'ews': return `openid offline_access ${outlook}/EWS.AccessAsUser.All`;
    case 'graph': return `offline_access ${graph}/Mail.ReadWrite ${graph}/Mail.Send ${graph}/User.Read`;
  }
}

/** App-only tokens: `{App ID URI}/.default`, one resource per request (§1.3). */
export function m365AppOnlyScope(kind: ResourceKind, hosts: CloudHosts = CLOUD_HOSTS.global): string {
  return kind === 'graph' ? `https://${hosts.graph}/.default` : `https://${hosts.outlook}/.default`;
}

/** The Microsoft 365 preset: the guide's three resources, for any national cloud. */
export function m365Preset(input: PresetInput): ResourceInput {
  const tenantId = required(input.tenantId, 'tenantId', 'give the Directory (tenant) ID from the app registration\'s Overview page (--tenant)');
  const clientId = required(input.clientId, 'clientId', 'give the Application (client) ID from the app registration\'s Overview page (--client-id)');
  const cloud = input.cloud ?? 'global';
  const hosts = CLOUD_HOSTS[cloud];
  const flow: OAuthFlow = input.flow ?? 'authorization_code';
  const authority = trimSlash(input.authorityUrl ?? `https://${hosts.login}`);
  const v2 = `${authority}/${tenantId}/oauth2/v2.0`;
  // The guide's Exchange resource uses the v1 authorize URL with the v2 token URL; keep that
  // only when asked, since v2 throughout is what Microsoft documents today.
  const authorizeUrl = input.kind === 'ews' && input.ewsV1 ? `${authority}/${tenantId}/oauth2/authorize` : `${v2}/authorize`;
  const defaultServer = m365Server(input.kind, hosts);
  return {
    name: input.name,
    kind: input.kind,
    preset: 'm365',
    cloud,
    server: serverFor(input, defaultServer),
    ...userAndFrom(input),
    authType: input.authType ?? 'oauth2',
    oauth: {
      tenantId,
      flow,
      authorizeUrl: input.authorizeUrl ?? authorizeUrl,
      tokenUrl: input.tokenUrl ?? `${v2}/token`,
      deviceCodeUrl: input.deviceCodeUrl ?? `${v2}/devicecode`,
      callbackUrl: input.callbackUrl ?? 'https://localhost',
      clientId,
      clientAuth: input.clientAuth ?? defaultClientAuth(flow, input),
      ...(input.certificate ? { certificate: input.certificate } : {}),
      scope: input.scope ?? (flow === 'client_credentials' ? m365AppOnlyScope(input.kind, hosts)
        : input.graphFallback ? withGraphSendScope(m365DelegatedScope(input.kind, hosts), cloud) : m365DelegatedScope(input.kind, hosts)),
      ...optionalOAuth(input),
      responseMode: input.responseMode ?? 'query',
    },
    ...tlsAndLimits(input, input.kind === 'smtp' ? M365_SMTP_RATE_LIMIT_PER_MINUTE : undefined),
    // The fallback sends to the cloud's own Graph (graph.microsoft.us for GCC High…), not the global one.
    ...(input.graphFallback ? { graphFallback: { baseUrl: input.graphFallback.baseUrl ?? graphResourceFor(cloud) } } : {}),
  };
}

/** Gmail over IMAP/POP3/SMTP with XOAUTH2 (Google's OAuth 2.0 endpoints, scope https://mail.google.com/). */
export function gmailPreset(input: PresetInput): ResourceInput {
  if (input.kind === 'ews' || input.kind === 'graph') {
    throw new ConfigError({
      code: 'CONFIG_INVALID', field: 'kind',
      message: `the gmail preset has no ${input.kind.toUpperCase()} endpoint`,
      hint: 'use --kind imap, pop3 or smtp with --preset gmail',
    });
  }
  const clientId = required(input.clientId, 'clientId', 'give the OAuth client ID from the Google Cloud console (--client-id)');
  const flow: OAuthFlow = input.flow ?? 'authorization_code';
  if (flow !== 'authorization_code') throw gmailFlowUnsupported(flow, input.name);
  const defaults: Record<'imap' | 'pop3' | 'smtp', DefaultServer> = {
    imap: { host: 'imap.gmail.com', port: 993, secure: 'tls' },
    pop3: { host: 'pop.gmail.com', port: 995, secure: 'tls' },
    smtp: { host: 'smtp.gmail.com', port: 465, secure: 'tls' },
  };
  return {
    name: input.name,
    kind: input.kind,
    preset: 'gmail',
    server: serverFor(input, defaults[input.kind]),
    ...userAndFrom(input),
    authType: input.authType ?? 'oauth2',
    oauth: {
      // Google has no tenant; the field is Microsoft's, kept for one shape of resource.
      tenantId: input.tenantId ?? 'none',
      flow,
      authorizeUrl: input.authorizeUrl ?? 'https://accounts.google.com/o/oauth2/v2/auth',
      tokenUrl: input.tokenUrl ?? 'https://oauth2.googleapis.com/token',
      ...(input.deviceCodeUrl ? { deviceCodeUrl: input.deviceCodeUrl } : {}),
      // Google's installed-app flow redirects to a loopback listener.
      callbackUrl: input.callbackUrl ?? 'http://localhost',
      clientId,
      clientAuth: input.clientAuth ?? defaultClientAuth(flow, input),
      ...(input.certificate ? { certificate: input.certificate } : {}),
      scope: input.scope ?? 'https://mail.google.com/',
      ...optionalOAuth(input),
      responseMode: input.responseMode ?? 'query',
    },
    ...tlsAndLimits(input, undefined),
  };
}

/**
 * Google offers neither of Microsoft's other flows for Gmail: no client-credentials grant
 * (server-to-server is a Workspace service account with domain-wide delegation,
 * https://developers.google.com/identity/protocols/oauth2/service-account), and its device
 * flow refuses the Gmail scope
 * (https://developers.google.com/identity/protocols/oauth2/limited-input-device#allowedscopes).
 */
export function gmailFlowUnsupported(flow: 'client_credentials' | 'device_code', name: string): ConfigError {
  return new ConfigError({
    code: 'GMAIL_FLOW_UNSUPPORTED', field: 'oauth.flow',
    message: flow === 'client_credentials'
      ? 'Google has no client-credentials grant for Gmail (app-only access is a Workspace service account with domain-wide delegation, which mailbridge does not do)'
      : 'Google\'s device flow does not allow the Gmail scope https://mail.google.com/',
    hint: `use the default flow (--flow authorization_code) and sign in once with \`mailbridge auth ${name}\`; ` +
      `on a machine without a browser, \`mailbridge auth ${name} --paste\` and open the URL anywhere`,
  });
}

/** Any server: every endpoint given explicitly; missing ones are reported by validation. */
export function genericPreset(input: PresetInput): ResourceInput {
  const authType = input.authType ?? (input.tokenUrl || input.clientId ? 'oauth2' : 'none');
  const flow: OAuthFlow = input.flow ?? 'authorization_code';
  const server = input.mailHost === undefined ? undefined : serverFor(input, { host: input.mailHost, port: 0, secure: 'tls' });
  const out: ResourceInput = {
    name: input.name,
    kind: input.kind,
    preset: 'generic',
    // Left undefined when absent so that validation names the missing field (server.host).
    server: server as ResourceInput['server'],
    ...userAndFrom(input),
    authType,
    ...tlsAndLimits(input, undefined),
  };
  if (authType === 'oauth2') {
    out.oauth = {
      tenantId: input.tenantId ?? 'none',
      flow,
      authorizeUrl: input.authorizeUrl as string,
      tokenUrl: input.tokenUrl as string,
      ...(input.deviceCodeUrl ? { deviceCodeUrl: input.deviceCodeUrl } : {}),
      callbackUrl: input.callbackUrl ?? 'https://localhost',
      clientId: input.clientId as string,
      clientAuth: input.clientAuth ?? defaultClientAuth(flow, input),
      ...(input.certificate ? { certificate: input.certificate } : {}),
      scope: input.scope as string,
      ...optionalOAuth(input),
      responseMode: input.responseMode ?? 'query',
    };
  }
  return out;
}

interface DefaultServer { host: string; port: number; secure: SecureMode; domain?: string }

function m365Server(kind: ResourceKind, hosts: CloudHosts): DefaultServer {
  switch (kind) {
    case 'imap': return { host: hosts.outlook, port: 993, secure: 'tls' };
    case 'pop3': return { host: hosts.outlook, port: 995, secure: 'tls' };
    case 'smtp': return { host: hosts.smtp, port: 587, secure: 'starttls' };
    // EWS lives at /EWS/Exchange.asmx under this base URL (the guide's "Server" field).
    case 'ews': return { host: `https://${hosts.outlook}`, port: 443, secure: 'tls' };
    case 'graph': return { host: `https://${hosts.graph}`, port: 443, secure: 'tls' };
  }
}

/**
 * Server settings: IMAP/POP3/SMTP take a host name; EWS/Graph take a base URL whose scheme and
 * port decide `secure` and `port`, so the sandbox's http://127.0.0.1:PORT works as given.
 */
function serverFor(input: PresetInput, d: DefaultServer): ResourceInput['server'] {
  const domain = input.domain ?? d.domain ?? (input.kind === 'ews' ? domainOf(input.user) : undefined);
  if (input.kind === 'ews' || input.kind === 'graph') {
    const base = input.mailHost === undefined
      ? d.host
      : /^[a-z][a-z0-9+.-]*:\/\//i.test(input.mailHost)
        ? input.mailHost
        : `https://${input.mailHost}${input.port ? `:${input.port}` : ''}`;
    const host = trimSlash(base);
    const url = safeUrl(host);
    const secure: SecureMode = input.secure ?? (url?.protocol === 'http:' ? 'none' : 'tls');
    const port = input.port ?? (url?.port ? Number(url.port) : url?.protocol === 'http:' ? 80 : 443);
    return { host, port, secure, ...(domain ? { domain } : {}) };
  }
  const secure = input.secure ?? d.secure;
  const port = input.port ?? (d.port || defaultPort(input.kind, secure));
  return { host: input.mailHost ?? d.host, port, secure, ...(domain ? { domain } : {}) };
}

/** The IANA ports for each protocol and security mode. */
export function defaultPort(kind: ResourceKind, secure: SecureMode): number {
  switch (kind) {
    case 'imap': return secure === 'tls' ? 993 : 143;
    case 'pop3': return secure === 'tls' ? 995 : 110;
    case 'smtp': return secure === 'tls' ? 465 : 587;
    default: return secure === 'none' ? 80 : 443;
  }
}

/** The guide fills "From address" with the user's own address; keep that as the default. */
function userAndFrom(input: PresetInput): Pick<ResourceInput, 'user' | 'from'> {
  const from = input.from ?? (input.kind === 'ews' || input.kind === 'graph' ? undefined : input.user);
  return { ...(input.user ? { user: input.user } : {}), ...(from ? { from } : {}) };
}

function optionalOAuth(input: PresetInput): Record<string, unknown> {
  return {
    ...(input.state ? { state: input.state } : {}),
    ...(input.resource ? { resource: input.resource } : {}),
    ...(input.usePkce !== undefined ? { usePkce: input.usePkce } : {}),
    ...(input.secretExpiresAt ? { secretExpiresAt: input.secretExpiresAt } : {}),
  };
}

function tlsAndLimits(input: PresetInput, rateLimit: number | undefined): Pick<ResourceInput, 'tls' | 'rateLimitPerMinute' | 'graphFallback'> {
  const limit = input.rateLimitPerMinute ?? rateLimit;
  return {
    ...(input.graphFallback ? { graphFallback: { ...input.graphFallback } } : {}),
    tls: {
      ...(input.tls?.caFile ? { caFile: input.tls.caFile } : {}),
      insecureLoopback: input.tls?.insecureLoopback ?? false,
      allowPlaintextLoopback: input.tls?.allowPlaintextLoopback ?? false,
    },
    ...(limit !== undefined ? { rateLimitPerMinute: limit } : {}),
  };
}

/** Device code is for public clients (no secret); the other flows authenticate the client. */
function defaultClientAuth(flow: OAuthFlow, input: PresetInput): 'secret' | 'certificate' | 'none' {
  if (input.certificate) return 'certificate';
  return flow === 'device_code' ? 'none' : 'secret';
}

function required(value: string | undefined, field: string, hint: string): string {
  if (value === undefined || value.trim() === '') {
    throw new ConfigError({ code: 'CONFIG_INVALID', field, message: `${field} is required by this preset`, hint });
  }
  return value.trim();
}

function domainOf(user: string | undefined): string | undefined {
  const at = user?.lastIndexOf('@') ?? -1;
  return user && at > 0 ? user.slice(at + 1) : undefined;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

function safeUrl(s: string): URL | undefined {
  try {
    return new URL(s);
  } catch {
    return undefined;
  }
}
