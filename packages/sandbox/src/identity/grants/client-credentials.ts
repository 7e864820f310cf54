import type { AuthenticatedClient } from '../client-auth.js';
import type { EmulatorContext } from '../context.js';
import { OAuthError, missingParameter, resourceNotFound } from '../errors.js';
import { issueAppOnlyToken } from '../issue.js';
import { findResource } from '../resources.js';

/**
 * grant_type=client_credentials (RFC 6749 §4.4): v2 takes exactly one `{resource}/.default`
 * scope, v1 a `resource`; the token carries the admin-consented application permissions as
 * `roles`, and no refresh token is ever issued.
 */
export async function redeemClientCredentials(
  ctx: EmulatorContext,
  client: AuthenticatedClient,
  body: Record<string, string>,
  version: 'v1' | 'v2',
  tenant: { name: string; multi: boolean },
): Promise<Record<string, unknown>> {
  if (client.clientAuth === '0') {
    throw new OAuthError({
      error: 'invalid_client',
      aadsts: 7000218,
      text: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    });
  }
  if (tenant.multi) {
    throw new OAuthError({
      error: 'invalid_request',
      aadsts: 9001023,
      text: `The grant type isn't supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.`,
    });
  }
  let identifier: string;
  if (version === 'v1') {
    if (!body.resource) throw missingParameter('resource');
    identifier = body.resource;
  } else {
    if (!body.scope) throw missingParameter('scope');
    const scopes = body.scope.split(/\s+/).filter(Boolean);
    const only = scopes.length === 1 ? scopes[0]! : undefined;
    if (!only?.endsWith('/.default')) {
      throw new OAuthError({
        error: 'invalid_scope',
        aadsts: 1002012,
        text: `The provided value for scope ${body.scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
      });
    }
    identifier = only.slice(0, -'/.default'.length);
  }
  const resource = findResource(identifier);
  if (!resource) throw resourceNotFound(identifier, tenant.name);
  return issueAppOnlyToken(ctx, {
    app: client.app,
    clientAuth: client.clientAuth,
    resource,
    endpointVersion: version,
    ...(version === 'v1' ? { resourceParam: identifier } : {}),
  });
}
