import { createHash } from 'node:crypto';
import type { AuthenticatedClient } from '../client-auth.js';
import type { EmulatorContext } from '../context.js';
import { OAuthError, missingParameter } from '../errors.js';
import { issueDelegatedTokens } from '../issue.js';
import { parseScopes } from '../resources.js';
import { expandDefault, redirectUriMatches } from '../registration.js';
import type { AuthorizationCode } from '../state.js';
import { activeUser } from './refresh-token.js';

/** RFC 7636 §4.6: S256 compares BASE64URL(SHA256(verifier)), plain compares the verifier itself. */
function verifierMatches(rec: AuthorizationCode, verifier: string | undefined): boolean {
  if (!rec.codeChallenge) return true;
  if (!verifier) return false;
  const computed = rec.codeChallengeMethod === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  return computed === rec.codeChallenge;
}

/** grant_type=authorization_code (RFC 6749 §4.1.3): a code is good once, for ~10 minutes. */
export async function redeemAuthorizationCode(
  ctx: EmulatorContext,
  client: AuthenticatedClient,
  body: Record<string, string>,
  version: 'v1' | 'v2',
  tenant: string,
): Promise<Record<string, unknown>> {
  if (!body.code) throw missingParameter('code');
  if (!body.redirect_uri) throw missingParameter('redirect_uri');
  const rec = ctx.state.codes.get(body.code);
  if (!rec || rec.clientId.toLowerCase() !== client.app.clientId.toLowerCase()) {
    throw new OAuthError({ error: 'invalid_grant', aadsts: 70000, text: "The provided value for the 'code' parameter is not valid." });
  }
  if (rec.redeemed) {
    throw new OAuthError({
      error: 'invalid_grant',
      aadsts: 54005,
      text: 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.',
    });
  }
  if (ctx.now() >= rec.expiresMs) {
    throw new OAuthError({
      error: 'invalid_grant',
      aadsts: 70008,
      text: 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.',
    });
  }
  if (!redirectUriMatches(rec.redirectUri, body.redirect_uri) || !redirectUriMatches(body.redirect_uri, rec.redirectUri)) {
    throw new OAuthError({
      error: 'invalid_grant',
      aadsts: 50011,
      text: `The redirect URI '${body.redirect_uri}' specified in the request does not match the redirect URI used to obtain the authorization code.`,
    });
  }
  if (!verifierMatches(rec, body.code_verifier)) {
    throw new OAuthError({
      error: 'invalid_grant',
      aadsts: 501481,
      text: 'The Code_Verifier does not match the code_challenge supplied in the authorization request.',
    });
  }
  rec.redeemed = true;
  const user = activeUser(ctx, rec.username);
  const parsed = version === 'v2' && body.scope ? parseScopes(body.scope, tenant) : undefined;
  return issueDelegatedTokens(ctx, {
    app: client.app,
    clientAuth: client.clientAuth,
    user,
    permissions: parsed ? expandDefault(parsed.permissions, client.app) : rec.permissions,
    oidc: parsed ? new Set([...parsed.oidc, ...rec.oidc]) : rec.oidc,
    endpointVersion: version,
    clientInfo: body.client_info === '1',
    ...(version === 'v1' && (body.resource ?? rec.resource) ? { resource: body.resource ?? rec.resource } : {}),
    ...(rec.nonce ? { nonce: rec.nonce } : {}),
  });
}
