/**
 * Reading OAuth scope strings and endpoint URLs the way the Microsoft identity platform does
 * (reference/microsoft.md §1.3, §1.5, §3.2): validation and warnings need the same answers.
 */

/** OpenID Connect and refresh scopes: they name no resource, so they never pick the audience. */
export const NON_RESOURCE_SCOPES: readonly string[] = ['openid', 'profile', 'email', 'offline_access'];

/** Scope strings are space separated (RFC 6749 §3.3). */
export function splitScopes(scope: string): string[] {
  return scope.split(/\s+/).filter((s) => s.length > 0);
}

/**
 * The resource (App ID URI) a scope belongs to: `https://outlook.office365.com/IMAP.AccessAsUser.All`
 * → `https://outlook.office365.com`. At Microsoft a bare name (`Mail.Read`, `SMTP.Send`) is
 * Graph's, so it maps to `bareResource`. OpenID scopes map to undefined.
 */
export function scopeResource(scope: string, bareResource = 'https://graph.microsoft.com'): string | undefined {
  if (NON_RESOURCE_SCOPES.includes(scope.toLowerCase())) return undefined;
  const m = /^([a-z][a-z0-9+.-]*:\/\/[^/]+)\/./i.exec(scope);
  if (m?.[1]) return m[1].toLowerCase();
  return bareResource;
}

/** The distinct resources a scope string asks for, in order: the first one gets the token. */
export function scopeResources(scope: string, bareResource?: string): string[] {
  const out: string[] = [];
  for (const s of splitScopes(scope)) {
    const r = scopeResource(s, bareResource);
    if (r !== undefined && !out.includes(r)) out.push(r);
  }
  return out;
}

/** Outlook's two App ID URIs name the same resource (Office 365 Exchange Online). */
export function sameMicrosoftResource(a: string, b: string): boolean {
  const norm = (r: string) => r.toLowerCase().replace(/^https:\/\/outlook\.office\.com$/, 'https://outlook.office365.com');
  return norm(a) === norm(b);
}

export function hasOfflineAccess(scope: string): boolean {
  return splitScopes(scope).some((s) => s.toLowerCase() === 'offline_access');
}

/** `.default` scopes (client credentials, admin consent) exist on the v2 endpoint only. */
export function isDefaultScope(scope: string): boolean {
  return /\/\.default$/i.test(scope);
}

export type EndpointVersion = 'v1' | 'v2' | 'other';

/**
 * Which Entra endpoint generation a URL is: `/oauth2/v2.0/…` is v2, `/oauth2/authorize|token|devicecode`
 * is v1 (which wants `resource` instead of scopes). Anything else (Google, a generic server) is 'other'.
 */
export function endpointVersion(url: string): EndpointVersion {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return 'other';
  }
  if (/\/oauth2\/v2\.0\/(authorize|token|devicecode)\/?$/i.test(path)) return 'v2';
  if (/\/oauth2\/(authorize|token|devicecode)\/?$/i.test(path)) return 'v1';
  return 'other';
}

/** The host of a URL or of a bare host name (`host`, `host:port`, `https://host:port/path`). */
export function hostOf(hostOrUrl: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(hostOrUrl)) {
    try {
      return new URL(hostOrUrl).hostname;
    } catch {
      return hostOrUrl;
    }
  }
  return hostOrUrl.replace(/:\d+$/, '');
}
