/** Rules that come from an app registration, shared by the authorize, token and device flows. */
import type { Permission } from './resources.js';
import type { App } from './state.js';

/** Registered URIs match exactly, except that the port of a loopback URI is ignored (as Microsoft does). */
export function redirectUriMatches(registered: string, requested: string): boolean {
  let a: URL, b: URL;
  try {
    a = new URL(registered);
    b = new URL(requested);
  } catch {
    return false;
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(a.hostname);
  return a.protocol === b.protocol && a.hostname === b.hostname && (loopback || a.port === b.port)
    && a.pathname === b.pathname && a.search === b.search;
}

/** `{resource}/.default` asks for every delegated permission the app registered on that resource. */
export function expandDefault(perms: Permission[], client: App): Permission[] {
  return perms.flatMap((p) => (p.name === '.default' ? client.delegated.filter((d) => d.resource === p.resource) : [p]));
}
