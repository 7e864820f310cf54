import type { Secret } from '../secret.js';

/**
 * How a protocol client gets the access token for its resource. The token manager
 * implements it; protocols ask again with `forceRefresh` once when a server says the token
 * is bad, and never see refresh tokens or client secrets.
 */
export interface AccessTokenProvider {
  /** The current access token; `forceRefresh` after a server refused the last one. */
  getAccessToken(opts?: { forceRefresh?: boolean }): Promise<Secret>;
}
