import type { Resource } from '../config/resource.js';
import type { Secret } from '../secret.js';
import type { ResourceStore } from '../store/store.js';
import { networkOf } from './network.js';
import { clientAuthenticationParams, requireOAuth } from './client-auth.js';
import { tokenRequestTarget } from './scopes.js';
import { isV1Endpoint, requestToken, type TokenEndpointDeps, type TokenResponse } from './token-endpoint.js';

/**
 * RFC 6749 §6: a new access token for `audience` from the refresh token. `scope` (v2) is
 * always sent, narrowed to that audience: Microsoft mints the token for the first scope's
 * resource and some deployments refuse a refresh without scope (AADSTS900144). A refresh
 * token is good for any resource the user consented to, so one RT serves Outlook and Graph.
 * The answer usually carries a new (rotated) refresh token; storing it is the caller's job.
 * @throws TokenEndpointError when the token endpoint refuses (e.g. `invalid_grant`) or cannot be reached.
 */
export async function refreshAccessToken(
  resource: Resource, store: Pick<ResourceStore, 'getSecret'>, refreshToken: Secret, audience: string, deps: TokenEndpointDeps = {},
): Promise<TokenResponse> {
  const oauth = requireOAuth(resource);
  const params: Record<string, string> = {
    grant_type: 'refresh_token',
    client_id: oauth.clientId,
    refresh_token: refreshToken.reveal(),
    ...tokenRequestTarget(oauth, audience, 'delegated', isV1Endpoint(oauth.tokenUrl)),
    ...(await clientAuthenticationParams(resource, store, oauth.tokenUrl, deps.now)),
  };
  return requestToken(oauth.tokenUrl, params, { resourceName: resource.name, ...networkOf(resource), ...deps });
}
