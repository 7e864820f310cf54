import type { Resource } from '../config/resource.js';
import { ConfigError } from '../errors.js';
import type { ResourceStore } from '../store/store.js';
import { networkOf } from './network.js';
import { clientAuthenticationParams, requireOAuth } from './client-auth.js';
import { tokenRequestTarget } from './scopes.js';
import { isV1Endpoint, requestToken, type TokenEndpointDeps, type TokenResponse } from './token-endpoint.js';

/**
 * RFC 6749 §4.4, app-only: the app asks for `{audience}/.default` (every application
 * permission an admin consented there) with its own credential. No user, no refresh token;
 * the mailbox is named at login (XOAUTH2 `user=`) and Exchange checks the app's rights to it.
 * @throws ConfigError `CLIENT_CREDENTIALS_NEED_CREDENTIAL` for a public client; TokenEndpointError when the
 * token endpoint refuses (e.g. AADSTS7000215, a wrong secret) or cannot be reached.
 */
export async function requestClientCredentialsToken(
  resource: Resource, store: Pick<ResourceStore, 'getSecret'>, audience: string, deps: TokenEndpointDeps = {},
): Promise<TokenResponse> {
  const oauth = requireOAuth(resource);
  if (oauth.clientAuth === 'none') {
    throw new ConfigError({ code: 'CLIENT_CREDENTIALS_NEED_CREDENTIAL', field: 'oauth.clientAuth',
      message: `resource ${resource.name} uses client credentials without a client secret or certificate`,
      hint: 'set clientAuth to secret (and store the secret) or certificate' });
  }
  const params: Record<string, string> = {
    grant_type: 'client_credentials',
    client_id: oauth.clientId,
    ...tokenRequestTarget(oauth, audience, 'app', isV1Endpoint(oauth.tokenUrl)),
    ...(await clientAuthenticationParams(resource, store, oauth.tokenUrl, deps.now)),
  };
  return requestToken(oauth.tokenUrl, params, { resourceName: resource.name, ...networkOf(resource), ...deps });
}
