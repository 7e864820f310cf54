import { tenantIdProblem } from './tenant.js';
import { isLoopbackHost } from './loopback.js';
import { ConfigError } from '../errors.js';
import type { Secret } from '../secret.js';
import { CLOUD_HOSTS, MICROSOFT_LOGIN_HOSTS } from './clouds.js';
import { resourceSchema, type Resource, type ResourceKind } from './resource.js';
import {
  endpointVersion, hostOf, isDefaultScope, scopeResources, splitScopes,
} from './scopes.js';
import { configErrorFromZod } from './zod-errors.js';

export { resourceWarnings, type ResourceWarning } from './warnings.js';

/**
 * Parses anything from outside into a Resource: the zod schema first, then the rules that
 * span several fields. The first broken rule is thrown as a ConfigError naming the field and
 * the fix; nothing is ever half-accepted.
 */
export function parseResource(input: unknown): Resource {
  const parsed = resourceSchema.safeParse(input);
  if (!parsed.success) throw configErrorFromZod(parsed.error);
  const resource = parsed.data;
  for (const rule of RULES) {
    const problem = rule(resource);
    if (problem) throw invalid(problem);
  }
  return resource;
}

/** A rule's finding: the field at fault, what is wrong, and what to do. */
interface Problem { field: string; message: string; hint: string }
type Rule = (r: Resource) => Problem | undefined;

function invalid(p: Problem): ConfigError {
  return new ConfigError({ code: 'CONFIG_INVALID', field: p.field, message: `${p.field}: ${p.message}`, hint: p.hint });
}

const MAIL_KINDS: readonly ResourceKind[] = ['imap', 'pop3', 'smtp'];
const KIND_LABEL: Record<ResourceKind, string> = { imap: 'IMAP', pop3: 'POP3', smtp: 'SMTP', ews: 'EWS', graph: 'Graph' };
/** Implicit-TLS ports and the ports that expect a plaintext greeting then STARTTLS (RFC 8314). */
const TLS_PORT: Partial<Record<ResourceKind, number>> = { imap: 993, pop3: 995, smtp: 465 };
const STARTTLS_PORTS: Partial<Record<ResourceKind, number[]>> = { imap: [143], pop3: [110], smtp: [587, 25] };
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** IMAP/POP3/SMTP take a host name; a URL there is a common paste mistake. */
const hostIsBareForMail: Rule = (r) => {
  if (!MAIL_KINDS.includes(r.kind)) return undefined;
  if (/[/:]/.test(r.server.host.replace(/^\[[0-9a-f:]+\]$/i, ''))) {
    return {
      field: 'server.host',
      message: `"${r.server.host}" is not a host name`,
      hint: `give the host name only, e.g. ${r.kind === 'smtp' ? 'smtp.office365.com' : 'outlook.office365.com'}, and the port with --port`,
    };
  }
  return undefined;
};

/** Implicit TLS and STARTTLS ports are not interchangeable: the handshake would hang or fail. */
const secureFitsPort: Rule = (r) => {
  const { port, secure } = r.server;
  const tlsPort = TLS_PORT[r.kind];
  const starttlsPorts = STARTTLS_PORTS[r.kind] ?? [];
  if (secure === 'tls' && starttlsPorts.includes(port)) {
    return {
      field: 'server.secure',
      message: `${KIND_LABEL[r.kind]} port ${port} expects STARTTLS, not implicit TLS`,
      hint: `use --secure starttls${tlsPort ? ` (or --port ${tlsPort} for implicit TLS)` : ''}`,
    };
  }
  if (secure !== 'tls' && tlsPort === port) {
    return {
      field: 'server.secure',
      message: `${KIND_LABEL[r.kind]} port ${port} expects implicit TLS, not ${secure}`,
      hint: `use --secure tls${starttlsPorts[0] ? ` (or --port ${starttlsPorts[0]} for STARTTLS)` : ''}`,
    };
  }
  return undefined;
};

/** An OAuth token over a plaintext connection is a stolen mailbox; only a loopback test server may. */
const noPlaintextMail: Rule = (r) => {
  if (!MAIL_KINDS.includes(r.kind) || r.server.secure !== 'none' || r.authType === 'none') return undefined;
  if (!isLoopbackHost(r.server.host)) {
    return {
      field: 'server.secure',
      message: `secure "none" would send the ${r.authType === 'oauth2' ? 'access token' : 'password'} to ${r.server.host} in clear text`,
      hint: `use --secure ${TLS_PORT[r.kind] === r.server.port ? 'tls' : 'starttls'} (or tls on port ${TLS_PORT[r.kind]})`,
    };
  }
  if (!r.tls.allowPlaintextLoopback) {
    return {
      field: 'tls.allowPlaintextLoopback',
      message: 'a plaintext connection needs tls.allowPlaintextLoopback, even on loopback',
      hint: 'use --secure starttls or tls, or set tls.allowPlaintextLoopback: true for a loopback test server',
    };
  }
  return undefined;
};

/** EWS and Graph take a base URL; http only for a loopback sandbox; port and secure follow the URL. */
const webBaseUrl: Rule = (r) => {
  if (MAIL_KINDS.includes(r.kind)) return undefined;
  let url: URL;
  try {
    url = new URL(r.server.host);
  } catch {
    return {
      field: 'server.host',
      message: `${KIND_LABEL[r.kind]} needs a base URL, got "${r.server.host}"`,
      hint: r.kind === 'ews' ? 'give e.g. https://outlook.office365.com (the EWS endpoint is /EWS/Exchange.asmx under it)' : 'give e.g. https://graph.microsoft.com',
    };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { field: 'server.host', message: `unsupported scheme ${url.protocol}`, hint: 'use an https:// URL' };
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    return {
      field: 'server.host',
      message: `http:// would send the access token to ${url.hostname} in clear text`,
      hint: `use https://${url.host}`,
    };
  }
  const urlSecure = url.protocol === 'https:' ? 'tls' : 'none';
  if (r.server.secure !== urlSecure) {
    return { field: 'server.secure', message: `"${r.server.secure}" does not match the URL scheme ${url.protocol}`, hint: `use --secure ${urlSecure} or change the URL` };
  }
  const urlPort = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  if (r.server.port !== urlPort) {
    return { field: 'server.port', message: `port ${r.server.port} does not match the URL's port ${urlPort}`, hint: `use --port ${urlPort} or put the port in the URL` };
  }
  return undefined;
};

const oauthBlockPresent: Rule = (r) =>
  r.authType === 'oauth2' && !r.oauth
    ? { field: 'oauth', message: 'authentication type OAuth 2 needs the OAuth settings', hint: 'use --preset m365 with --tenant and --client-id, or give --authorize-url, --token-url, --client-id and --scope' }
    : undefined;

/** A redirect URI must be https, or loopback http (RFC 8252 §7.3), as Entra itself requires. */
const callbackIsSafe: Rule = (r) => {
  if (!r.oauth) return undefined;
  const url = new URL(r.oauth.callbackUrl);
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return undefined;
  return {
    field: 'oauth.callbackUrl',
    message: `${r.oauth.callbackUrl} is neither https nor a loopback http address`,
    hint: 'use https://localhost (as the guide registers) or http://localhost:PORT / http://127.0.0.1:PORT, and register the same URI on the app',
  };
};

/**
 * The identity endpoints receive the client secret and refresh tokens: https only, or http to
 * a loopback address (the sandbox, a test server).
 */
const identityEndpointsAreSafe: Rule = (r) => {
  if (!r.oauth) return undefined;
  const endpoints = [['oauth.authorizeUrl', r.oauth.authorizeUrl], ['oauth.tokenUrl', r.oauth.tokenUrl], ['oauth.deviceCodeUrl', r.oauth.deviceCodeUrl]] as const;
  for (const [field, value] of endpoints) {
    if (value === undefined) continue;
    const url = new URL(value);
    if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))) continue;
    return {
      field,
      message: `${value} would carry the client secret and tokens ${url.protocol === 'http:' ? 'in clear text' : `over ${url.protocol}`}`,
      hint: `use https://${url.host}${url.pathname} (http is accepted for loopback addresses only)`,
    };
  }
  return undefined;
};

/**
 * A tenant is a directory GUID, a domain, or common/organizations/consumers: nothing that could
 * change the path of the login URLs built from it.
 */
const tenantIsPlain: Rule = (r) => {
  if (!r.oauth) return undefined;
  const hint = 'give the Directory (tenant) ID GUID from the app\'s Overview page, or the tenant\'s domain (contoso.onmicrosoft.com)';
  if (!/^[A-Za-z0-9][A-Za-z0-9.-]{0,254}$/.test(r.oauth.tenantId)) return { field: 'oauth.tenantId', message: `"${r.oauth.tenantId}" is not a tenant id`, hint };
  // Microsoft's tenants (the m365 preset) must be a GUID or a domain; other presets keep their own ids.
  const problem = r.preset === 'm365' ? tenantIdProblem(r.oauth.tenantId) : undefined;
  return problem ? { field: 'oauth.tenantId', message: problem, hint } : undefined;
};

const scopeNotEmpty: Rule = (r) =>
  r.oauth && splitScopes(r.oauth.scope).length === 0
    ? { field: 'oauth.scope', message: 'no scope given', hint: 'give the scopes, e.g. "offline_access https://outlook.office365.com/IMAP.AccessAsUser.All"' }
    : undefined;

/** Client credentials ask for `{resource}/.default` and need a confidential client (microsoft.md §1.3). */
const clientCredentialsShape: Rule = (r) => {
  if (r.oauth?.flow !== 'client_credentials') return undefined;
  const scopes = splitScopes(r.oauth.scope);
  if (scopes.length !== 1 || !isDefaultScope(scopes[0] ?? '')) {
    const resource = scopeResources(r.oauth.scope)[0] ?? (r.kind === 'graph' ? 'https://graph.microsoft.com' : 'https://outlook.office365.com');
    return {
      field: 'oauth.scope',
      message: 'client_credentials takes exactly one scope of the form {resource}/.default',
      hint: `use --scope ${resource}/.default (application permissions are granted by admin consent, not by scope)`,
    };
  }
  if (r.oauth.clientAuth === 'none') {
    return { field: 'oauth.clientAuth', message: 'client_credentials needs a confidential client', hint: 'use a client secret (--client-secret-stdin) or a certificate (--certificate-key, --certificate)' };
  }
  return undefined;
};

const deviceCodeUrlPresent: Rule = (r) =>
  r.oauth?.flow === 'device_code' && !r.oauth.deviceCodeUrl
    ? { field: 'oauth.deviceCodeUrl', message: 'the device code flow needs the device authorization endpoint', hint: 'give e.g. https://login.microsoftonline.com/{tenant}/oauth2/v2.0/devicecode' }
    : undefined;

const certificatePresent: Rule = (r) =>
  r.oauth?.clientAuth === 'certificate' && !r.oauth.certificate
    ? { field: 'oauth.certificate', message: 'certificate client authentication needs a key and a certificate', hint: 'give --certificate-key KEY.pem --certificate CERT.pem' }
    : undefined;

/**
 * v1 and v2 endpoints ask differently: v1 wants `resource` (an App ID URI), v2 wants scopes
 * and refuses `resource` (AADSTS901002). What we accept:
 * - v2 authorize + v2 token: scopes only, no `resource`.
 * - v1 token URL: `resource` is required (scopes alone name no audience there), `.default` is refused.
 * - the guide's Exchange resource, v1 authorize + v2 token, is accepted as is: the token
 *   request goes to v2 with the scope, and the scope (not the authorize call) decides the
 *   token's audience, so the code from the v1 authorize page redeems to an EWS token. `resource`
 *   may be set for it; it is then sent to the v1 authorize endpoint only.
 */
const endpointVersionsFit: Rule = (r) => {
  if (!r.oauth) return undefined;
  const authV = endpointVersion(r.oauth.authorizeUrl);
  const tokenV = endpointVersion(r.oauth.tokenUrl);
  if (tokenV === 'v1') {
    if (splitScopes(r.oauth.scope).some(isDefaultScope)) {
      return { field: 'oauth.scope', message: '.default scopes exist on the v2 token endpoint only', hint: 'use the v2 token URL …/oauth2/v2.0/token' };
    }
    if (!r.oauth.resource) {
      return {
        field: 'oauth.resource',
        message: 'the v1 token endpoint (…/oauth2/token) asks for a resource, not scopes',
        hint: 'use the v2 token URL …/oauth2/v2.0/token (recommended), or set resource, e.g. https://outlook.office365.com',
      };
    }
  }
  if (authV !== 'v1' && tokenV === 'v2' && r.oauth.resource) {
    return { field: 'oauth.resource', message: 'v2 endpoints refuse the resource parameter (AADSTS901002)', hint: 'remove resource: on v2 the scope names the resource' };
  }
  return undefined;
};

function isMicrosoft(r: Resource): boolean {
  if (!r.oauth) return false;
  if (r.preset === 'm365') return true;
  try {
    return MICROSOFT_LOGIN_HOSTS.includes(new URL(r.oauth.tokenUrl).hostname);
  } catch {
    return false;
  }
}

/** Which Microsoft API an App ID URI is, whatever the cloud. */
export function microsoftApiOf(resource: string): 'outlook' | 'graph' | undefined {
  const host = hostOf(resource).toLowerCase();
  const clouds = Object.values(CLOUD_HOSTS);
  if (clouds.some((c) => c.outlook === host) || host === 'outlook.office.com' || host === 'ps.outlook.com') return 'outlook';
  if (clouds.some((c) => c.graph === host)) return 'graph';
  return undefined;
}

/**
 * At Microsoft the token is for the first resource in the scope (bare names mean Graph), and
 * IMAP/POP3/SMTP/EWS reject a Graph token (`AUTHENTICATE failed`, `535 5.7.3`): catch it here.
 */
const audienceFitsKind: Rule = (r) => {
  if (!r.oauth || !isMicrosoft(r) || endpointVersion(r.oauth.tokenUrl) === 'v1') return undefined;
  const graph = `https://${CLOUD_HOSTS[r.cloud ?? 'global'].graph}`;
  const first = scopeResources(r.oauth.scope, graph)[0];
  if (!first) return undefined;
  const api = microsoftApiOf(first);
  const needs = r.kind === 'graph' ? 'graph' : 'outlook';
  if (api === undefined || api === needs) return undefined;
  const outlook = `https://${CLOUD_HOSTS[r.cloud ?? 'global'].outlook}`;
  const want = needs === 'graph' ? graph : outlook;
  return {
    field: 'oauth.scope',
    message: `${KIND_LABEL[r.kind]} needs a token for ${want}, but the scope's first resource is ${first} (the token is for the first)`,
    hint: needs === 'outlook'
      ? `put the Outlook scope first and fully qualified, e.g. "offline_access ${outlook}/${r.kind === 'smtp' ? 'SMTP.Send' : r.kind === 'pop3' ? 'POP.AccessAsUser.All' : r.kind === 'ews' ? 'EWS.AccessAsUser.All' : 'IMAP.AccessAsUser.All'}"`
      : `use Graph scopes, e.g. "offline_access ${graph}/Mail.ReadWrite ${graph}/Mail.Send"`,
  };
};

/** XOAUTH2 puts the mailbox address in `user=`; app-only tokens name no mailbox at all. */
const userFits: Rule = (r) => {
  if (r.oauth?.flow === 'client_credentials' && !r.user) {
    return { field: 'user', message: 'app-only access (client_credentials) needs the mailbox to act on', hint: 'give --user mailbox@yourtenant.onmicrosoft.com' };
  }
  if (r.preset === 'm365' && r.user !== undefined && !EMAIL.test(r.user)) {
    return { field: 'user', message: `"${r.user}" is not a mailbox address`, hint: 'give the user principal name / SMTP address, e.g. alice@contoso.onmicrosoft.com' };
  }
  if (r.from !== undefined && !EMAIL.test(r.from)) {
    return { field: 'from', message: `"${r.from}" is not an email address`, hint: 'give e.g. alice@contoso.onmicrosoft.com' };
  }
  return undefined;
};

/** Test-only relaxations are honoured for loopback hosts only; elsewhere they would be a hole. */
const loopbackOnlyRelaxations: Rule = (r) => {
  const host = hostOf(r.server.host);
  if (isLoopbackHost(host)) return undefined;
  if (r.tls.insecureLoopback) {
    return { field: 'tls.insecureLoopback', message: `certificate checks can only be skipped for a loopback host, not ${host}`, hint: 'remove --insecure-loopback and trust the server\'s CA with --ca-file' };
  }
  if (r.tls.allowPlaintextLoopback) {
    return { field: 'tls.allowPlaintextLoopback', message: `plaintext is only allowed for a loopback host, not ${host}`, hint: 'remove allowPlaintextLoopback and use tls or starttls' };
  }
  return undefined;
};

const secretExpiryIsDate: Rule = (r) =>
  r.oauth?.secretExpiresAt !== undefined && Number.isNaN(Date.parse(r.oauth.secretExpiresAt))
    ? { field: 'oauth.secretExpiresAt', message: `"${r.oauth.secretExpiresAt}" is not a date`, hint: 'give the expiry Entra shows, as YYYY-MM-DD' }
    : undefined;

/**
 * The Graph fallback is an SMTP sending path, and it carries a Graph access token: https only,
 * or http to a loopback test server.
 */
const graphFallbackFits: Rule = (r) => {
  if (!r.graphFallback) return undefined;
  if (r.kind !== 'smtp') {
    return {
      field: 'graphFallback',
      message: `only smtp resources fall back to Graph; this is a ${KIND_LABEL[r.kind]} resource`,
      hint: r.kind === 'graph' ? 'remove graphFallback: a graph resource sends through Graph already' : 'remove graphFallback (--no-graph-fallback); it applies to smtp resources only',
    };
  }
  const url = new URL(r.graphFallback.baseUrl);
  if (url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname))) return undefined;
  return {
    field: 'graphFallback.baseUrl',
    message: `${r.graphFallback.baseUrl} would carry the Graph access token ${url.protocol === 'http:' ? 'in clear text' : `over ${url.protocol}`}`,
    hint: `use https://${url.host} (default https://graph.microsoft.com; http is accepted for loopback addresses only)`,
  };
};

const RULES: readonly Rule[] = [
  oauthBlockPresent, hostIsBareForMail, webBaseUrl, secureFitsPort, noPlaintextMail, loopbackOnlyRelaxations,
  callbackIsSafe, identityEndpointsAreSafe, tenantIsPlain, scopeNotEmpty, clientCredentialsShape, deviceCodeUrlPresent, certificatePresent,
  endpointVersionsFit, audienceFitsKind, userFits, secretExpiryIsDate, graphFallbackFits,
];

/** The secrets a resource has, as known where they are read (CLI, config file, store). */
export interface ResourceSecrets { clientSecret?: Secret; password?: Secret }

/** Fails when the resource's flow needs a secret that was not given. */
export function checkSecretsPresent(resource: Resource, secrets: ResourceSecrets): void {
  if (resource.oauth?.clientAuth === 'secret' && !secrets.clientSecret?.reveal()) {
    throw new ConfigError({
      code: 'CONFIG_INVALID',
      field: 'clientSecret',
      message: `${resource.name}: the ${resource.oauth.flow} flow with client authentication "secret" needs the client secret`,
      hint: 'pass it with --client-secret-stdin or --client-secret-env VAR (config file: clientSecret: "env:VAR" or clientSecretFile), or use --client-auth none for a public client',
    });
  }
  if (resource.authType === 'basic' && !secrets.password?.reveal()) {
    throw new ConfigError({
      code: 'CONFIG_INVALID',
      field: 'password',
      message: `${resource.name}: basic authentication needs a password`,
      hint: 'give the password on stdin or through an environment variable',
    });
  }
}
