/**
 * What a Microsoft tenant id may be: the directory's GUID (the app registration's "Directory
 * (tenant) ID"), one of its domain names (contoso.onmicrosoft.com or a verified custom
 * domain), or a multi-tenant alias. Anything else makes the identity platform answer
 * AADSTS90002 on its own pages, where a person has no way back to the form.
 * https://learn.microsoft.com/entra/identity-platform/v2-protocols#endpoints
 */
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DOMAIN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i;
const ALIASES = ['common', 'organizations', 'consumers'];

/**
 * The same shapes for the browser's `pattern` attribute (the whole value must match; no flags,
 * so both cases are listed). Chromium compiles patterns with the `v` flag: a `-` inside a class
 * must be escaped there, and outside a class it must not be (an identity escape is an error).
 */
export const TENANT_PATTERN =
  '[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}' +
  '|([A-Za-z0-9]([A-Za-z0-9\\-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}|common|organizations|consumers';

/** Why `value` is not a Microsoft tenant id, or undefined when it is one. */
export function tenantIdProblem(value: string): string | undefined {
  if (GUID.test(value) || DOMAIN.test(value) || ALIASES.includes(value.toLowerCase())) return undefined;
  if (/^[0-9a-f-]+$/i.test(value) && value.includes('-')) {
    const groups = value
      .split('-')
      .map((g) => g.length)
      .join('-');
    return `"${value}" looks like a Directory (tenant) ID but is not one: ${value.length} characters in groups ${groups}, a GUID has 36 in groups 8-4-4-4-12`;
  }
  return `"${value}" is neither a Directory (tenant) ID (a GUID) nor a domain name of the tenant`;
}
