import type { Resource } from '../config/resource.js';

/**
 * Where a resource's credentials go: the identity platform's endpoints (client secret,
 * certificate assertion, refresh token), the mail server or EWS/Graph base URL (access token,
 * password), the Graph fallback (access token), and what decides whom TLS trusts there.
 * Changing any of these without the credentials themselves would let a caller send the stored
 * secret or refresh token to a server of their choosing (src/services/resources.ts).
 */
export function credentialDestinations(r: Resource): Record<string, string> {
  const o = r.oauth;
  return {
    // How the stored credentials are used counts too: switching a resource to public-client
    // or basic auth and back must not bring a stored secret back to a changed endpoint.
    authType: r.authType,
    'oauth.clientAuth': o?.clientAuth ?? '',
    'oauth.authorizeUrl': o?.authorizeUrl ?? '',
    'oauth.tokenUrl': o?.tokenUrl ?? '',
    'oauth.deviceCodeUrl': o?.deviceCodeUrl ?? '',
    'server.host': r.server.host,
    'server.port': String(r.server.port),
    'server.secure': r.server.secure,
    'tls.caFile': r.tls.caFile ?? '',
    'tls.insecureLoopback': String(r.tls.insecureLoopback),
    'tls.allowPlaintextLoopback': String(r.tls.allowPlaintextLoopback),
    'graphFallback.baseUrl': r.graphFallback?.baseUrl ?? '',
  };
}

/**
 * The destination fields that a new version of a resource sets to a new value. A field that
 * is removed (the Graph fallback turned off, the CA file dropped) sends nothing anywhere new.
 */
export function changedDestinations(before: Resource, after: Resource): string[] {
  const a = credentialDestinations(before);
  const b = credentialDestinations(after);
  return Object.keys(a).filter((k) => a[k] !== b[k] && b[k] !== '');
}
