/**
 * Scope strings as Microsoft reads them (microsoft.md 1.3, 3.2): a space-separated list where
 * each scope belongs to a resource (`https://outlook.office365.com/IMAP.AccessAsUser.All`),
 * bare names (`Mail.Read`, `SMTP.Send`) belong to Microsoft Graph, and `openid profile email
 * offline_access` belong to no resource. A token is for the resource of the FIRST resource
 * scope; the other resources' scopes only widen the consent.
 */
export const OUTLOOK_RESOURCE = 'https://outlook.office365.com';
/** Same resource app (Office 365 Exchange Online), older host name. */
export const OUTLOOK_ALIAS = 'https://outlook.office.com';
export const GRAPH_RESOURCE = 'https://graph.microsoft.com';
export const OIDC_SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;

export interface ParsedScope {
  /** As written. */
  raw: string;
  /** Canonical resource (audience) of the scope; undefined for the OpenID Connect scopes. */
  resource?: string;
  /** The permission name without its resource, e.g. `IMAP.AccessAsUser.All`, `.default`. */
  permission: string;
}

function isOidc(scope: string): boolean {
  return (OIDC_SCOPES as readonly string[]).includes(scope.toLowerCase());
}

/** The audience we compare and cache by: the Outlook alias folds into one, hosts in lower case. */
export function canonicalResource(resource: string): string {
  const trimmed = resource.replace(/\/+$/, '');
  const lower = trimmed.toLowerCase();
  if (lower === OUTLOOK_ALIAS) return OUTLOOK_RESOURCE;
  if (/^https?:\/\//i.test(trimmed)) {
    const u = new URL(trimmed);
    return `${u.protocol}//${u.host.toLowerCase()}${u.pathname === '/' ? '' : u.pathname}`;
  }
  return trimmed;
}

export function parseScope(raw: string): ParsedScope {
  if (isOidc(raw)) return { raw, permission: raw.toLowerCase() };
  // A scope with a resource is `<App ID URI>/<permission>`; the URI may itself contain
  // slashes (api://guid/x), so the permission is what follows the last one.
  const slash = raw.lastIndexOf('/');
  if (slash > 0 && /^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    return { raw, resource: canonicalResource(raw.slice(0, slash)), permission: raw.slice(slash + 1) };
  }
  return { raw, resource: GRAPH_RESOURCE, permission: raw };
}

export function parseScopeString(scope: string): ParsedScope[] {
  return scope.split(/\s+/).filter((s) => s.length > 0).map(parseScope);
}

export interface ScopeAnalysis {
  scopes: ParsedScope[];
  /** The resource the token will be for (first resource scope), if any. */
  audience?: string;
  /** Scopes in the string that belong to another resource than the audience. */
  otherResourceScopes: ParsedScope[];
  wantsRefreshToken: boolean;
  warnings: string[];
}

/** Read a resource's scope string the way Microsoft will, and say what will surprise a user. */
export function analyseScope(scope: string): ScopeAnalysis {
  const scopes = parseScopeString(scope);
  const audience = scopes.find((s) => s.resource !== undefined)?.resource;
  const otherResourceScopes = scopes.filter((s) => s.resource !== undefined && s.resource !== audience);
  const warnings: string[] = [];
  // A bare name (`SMTP.Send`) meant for the audience but read as Graph's is the mistake; a fully
  // qualified scope of another resource is deliberate (an smtp resource's Graph fallback asks
  // for https://graph.microsoft.com/Mail.Send), and "fix" advice there would break it.
  const bare = otherResourceScopes.filter((s) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(s.raw));
  if (audience && bare.length > 0) {
    const names = bare.map((s) => `${s.raw} (${s.resource})`).join(', ');
    warnings.push(
      `the token will be for ${audience} (the first scope's resource); ${names} belong(s) to another resource: ` +
      'they are consented but not in this token (bare names mean Microsoft Graph); write them fully qualified, e.g. ' +
      `${audience}/${bare[0]?.permission ?? 'SMTP.Send'}`,
    );
  }
  return {
    scopes,
    ...(audience ? { audience } : {}),
    otherResourceScopes,
    wantsRefreshToken: scopes.some((s) => s.permission === 'offline_access'),
    warnings,
  };
}

/** The scope string with `offline_access` added (delegated flows always want a refresh token). */
export function withOfflineAccess(scope: string): string {
  const parts = scope.split(/\s+/).filter((s) => s.length > 0);
  if (parts.some((p) => p.toLowerCase() === 'offline_access')) return parts.join(' ');
  return [...parts, 'offline_access'].join(' ');
}

/**
 * The scope to send with a token request for one audience: its own scopes first (so the
 * token is for it), then the OpenID ones, never another resource's (Microsoft refuses mixed
 * resources with AADSTS70011/700022 on the token endpoint). When the string has no scope
 * for that audience, `{audience}/.default` asks for everything consented there: a refresh
 * token works for any resource the user consented to. Sent on every refresh, too: some
 * servers require it (AADSTS900144).
 */
export function scopeForAudience(scope: string, audience: string, opts: { offlineAccess?: boolean } = {}): string {
  const target = canonicalResource(audience);
  const scopes = parseScopeString(scope);
  const own = scopes.filter((s) => s.resource === target).map((s) => s.raw);
  const oidc = scopes.filter((s) => s.resource === undefined).map((s) => s.permission);
  const result = own.length > 0 ? own : [`${target}/.default`];
  for (const o of oidc) if (!result.includes(o)) result.push(o);
  const joined = result.join(' ');
  return opts.offlineAccess === false ? joined : withOfflineAccess(joined);
}

/** Client credentials: one resource, `.default` only (microsoft.md 1.3). */
export function defaultScopeFor(audience: string): string {
  return `${canonicalResource(audience)}/.default`;
}

/** Where a resource's tokens come from: Microsoft's identity platform (or its emulator) or Google. */
export function isGoogleIdentity(oauth: { tokenUrl: string }): boolean {
  const host = new URL(oauth.tokenUrl).hostname;
  return host.endsWith('googleapis.com') || host.endsWith('google.com');
}

/**
 * The audience a resource's tokens are for: the v1 `resource` when set, else the first
 * resource scope's resource (as Microsoft decides), else the protocol's usual one.
 */
export function resourceAudience(r: { kind: string; oauth?: { scope: string; resource?: string | undefined } | undefined }): string {
  if (r.oauth?.resource) return canonicalResource(r.oauth.resource);
  const fromScope = r.oauth ? analyseScope(r.oauth.scope).audience : undefined;
  if (fromScope) return fromScope;
  return r.kind === 'graph' ? GRAPH_RESOURCE : OUTLOOK_RESOURCE;
}

/**
 * What names the target of a token request: `scope` on v2 (and other providers),
 * `resource` on Microsoft's v1 endpoints. `app` requests ask for `{audience}/.default`.
 */
export function tokenRequestTarget(
  oauth: { scope: string; tokenUrl: string },
  audience: string,
  grant: 'delegated' | 'app',
  isV1: boolean,
): Record<string, string> {
  if (isV1) return { resource: audience };
  if (grant === 'app') return { scope: defaultScopeFor(audience) };
  if (isGoogleIdentity(oauth)) return { scope: oauth.scope };
  return { scope: scopeForAudience(oauth.scope, audience) };
}
