import { invalidScope, resourceNotFound } from './errors.js';

/**
 * The resource applications (APIs) the emulated tenant knows, and how scope strings map to
 * them. Microsoft's rules: a scope is `{resource App ID URI}/{permission}`; a bare name means
 * Microsoft Graph; `openid profile email offline_access` are Graph permissions too but never
 * pick the token's audience; scopes are case-insensitive.
 */
export interface ResourceDef {
  key: 'outlook' | 'graph';
  displayName: string;
  /** The well-known application id of the resource's service principal. */
  appId: string;
  /** The App ID URI put in `aud`. */
  uri: string;
  /** Other identifiers accepted in scopes and `resource` (lower-case, no trailing slash). */
  aliases: string[];
  delegated: string[];
  application: string[];
}

export const OUTLOOK: ResourceDef = {
  key: 'outlook',
  displayName: 'Office 365 Exchange Online',
  appId: '00000002-0000-0ff1-ce00-000000000000',
  uri: 'https://outlook.office365.com',
  aliases: ['https://outlook.office.com', 'https://ps.outlook.com', '00000002-0000-0ff1-ce00-000000000000'],
  delegated: [
    'IMAP.AccessAsUser.All', 'POP.AccessAsUser.All', 'SMTP.Send', 'EWS.AccessAsUser.All',
    'Mail.Read', 'Mail.ReadWrite', 'Mail.Send',
  ],
  application: ['full_access_as_app', 'IMAP.AccessAsApp', 'POP.AccessAsApp', 'SMTP.SendAsApp', 'Mail.Read', 'Mail.ReadWrite', 'Mail.Send'],
};

/**
 * Graph tokens get `aud: https://graph.microsoft.com` (the URL, as Microsoft issues for v1-format
 * Graph tokens asked for by URI) rather than the app id GUID, so one audience string identifies
 * each resource throughout the sandbox.
 */
export const GRAPH: ResourceDef = {
  key: 'graph',
  displayName: 'Microsoft Graph',
  appId: '00000003-0000-0000-c000-000000000000',
  uri: 'https://graph.microsoft.com',
  aliases: ['00000003-0000-0000-c000-000000000000'],
  delegated: [
    'openid', 'profile', 'email', 'offline_access', 'User.Read',
    'Mail.Read', 'Mail.ReadBasic', 'Mail.ReadWrite', 'Mail.Read.Shared', 'Mail.ReadWrite.Shared',
    'Mail.Send', 'Mail.Send.Shared', 'IMAP.AccessAsUser.All', 'POP.AccessAsUser.All', 'SMTP.Send',
  ],
  application: ['Mail.Read', 'Mail.ReadWrite', 'Mail.Send', 'User.Read.All'],
};

export const RESOURCES: readonly ResourceDef[] = [OUTLOOK, GRAPH];

export const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;

/**
 * Permissions the portal lists under Graph but which Exchange enforces: consenting one on
 * either resource grants both, so the guide's exact scope strings work either way.
 */
const SHARED_WITH_OUTLOOK = ['IMAP.AccessAsUser.All', 'POP.AccessAsUser.All', 'SMTP.Send'];

/** `openid profile email offline_access`: Graph permissions that never choose the audience. */
export function isOidc(p: Permission): boolean {
  return p.resource.key === 'graph' && (OIDC_SCOPES as readonly string[]).includes(p.name);
}

/** A permission of a resource; `name` is canonical, or `.default` before expansion. */
export interface Permission {
  resource: ResourceDef;
  name: string;
}

export function findResource(identifier: string): ResourceDef | undefined {
  const id = identifier.trim().toLowerCase().replace(/\/+$/, '');
  return RESOURCES.find((r) => r.uri === id || r.aliases.includes(id));
}

function canonical(list: readonly string[], name: string): string | undefined {
  const lower = name.toLowerCase();
  return list.find((p) => p.toLowerCase() === lower);
}

export interface ParsedScopes {
  /** Every permission asked for, OIDC ones included (as Graph permissions). */
  permissions: Permission[];
  /** The OIDC scopes asked for (decide id_token and refresh token). */
  oidc: Set<string>;
  /** The resource of the first non-OIDC scope: the token is for it. */
  firstResource?: ResourceDef;
}

/** Parse a space-separated `scope` as Microsoft does; throws AADSTS500011 / AADSTS70011. */
export function parseScopes(scope: string, tenantName: string, kind: 'delegated' | 'application' = 'delegated'): ParsedScopes {
  const permissions: Permission[] = [];
  const oidc = new Set<string>();
  let firstResource: ResourceDef | undefined;
  for (const raw of scope.split(/\s+/).filter(Boolean)) {
    const oidcName = canonical(OIDC_SCOPES, raw);
    if (oidcName) {
      oidc.add(oidcName);
      permissions.push({ resource: GRAPH, name: oidcName });
      continue;
    }
    const slash = raw.lastIndexOf('/');
    // A bare name (no resource part) is Microsoft Graph's.
    const resource = slash < 0 ? GRAPH : findResource(raw.slice(0, slash));
    if (!resource) throw resourceNotFound(raw.slice(0, slash), tenantName);
    const wanted = slash < 0 ? raw : raw.slice(slash + 1);
    const name = wanted === '.default' ? '.default' : canonical(kind === 'delegated' ? resource.delegated : resource.application, wanted);
    if (!name) throw invalidScope(raw);
    firstResource ??= resource;
    permissions.push({ resource, name });
  }
  return { permissions, oidc, ...(firstResource ? { firstResource } : {}) };
}

/** Parse the app registration's permission strings (same syntax as scopes). */
export function parsePermissionList(list: readonly string[], kind: 'delegated' | 'application'): Permission[] {
  return parseScopes(list.join(' '), 'seed', kind).permissions;
}

/** The key a consent is stored under, and its twin on the other resource for the shared ones. */
export function consentKeys(p: Permission): string[] {
  const own = `${p.resource.key}:${p.name}`;
  if (!SHARED_WITH_OUTLOOK.includes(p.name)) return [own];
  return [`outlook:${p.name}`, `graph:${p.name}`];
}

/** How a permission is written back in a token response's `scope`: Graph's bare, others as URIs. */
export function formatScope(p: Permission): string {
  return p.resource.key === 'graph' ? p.name : `${p.resource.uri}/${p.name}`;
}

/** A resource's delegated permissions in catalog order, filtered by a predicate (for stable `scp`). */
export function delegatedOf(resource: ResourceDef, keep: (name: string) => boolean): string[] {
  return resource.delegated.filter((name) => name !== 'offline_access' && keep(name));
}
