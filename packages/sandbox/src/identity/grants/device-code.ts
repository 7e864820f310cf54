import type { AuthenticatedClient } from '../client-auth.js';
import type { EmulatorContext } from '../context.js';
import { OAuthError, missingParameter } from '../errors.js';
import { issueDelegatedTokens } from '../issue.js';
import { activeUser } from './refresh-token.js';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
/**
 * The short name MSAL sends (`grant_type=device_code`); Entra accepts it besides RFC 8628's URN
 * (https://learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code: the doc lists
 * `urn:ietf:params:oauth:grant-type:device_code`; MSAL's `GrantType.DEVICE_CODE_GRANT` is `device_code`).
 */
export const DEVICE_CODE_GRANT_SHORT = 'device_code';

export function isDeviceCodeGrant(grantType: string | undefined): boolean {
  return grantType === DEVICE_CODE_GRANT || grantType === DEVICE_CODE_GRANT_SHORT;
}

/**
 * grant_type=urn:ietf:params:oauth:grant-type:device_code (RFC 8628 §3.4–3.5): the polling
 * answers authorization_pending until the person finishes on /devicelogin, then tokens once.
 * No slow_down: Microsoft does not document sending it (clients must still handle it).
 */
export async function redeemDeviceCode(
  ctx: EmulatorContext,
  client: AuthenticatedClient,
  body: Record<string, string>,
  version: 'v1' | 'v2',
): Promise<Record<string, unknown>> {
  if (!body.device_code) throw missingParameter('device_code');
  const rec = ctx.state.deviceCodes.get(body.device_code);
  if (!rec || rec.clientId.toLowerCase() !== client.app.clientId.toLowerCase()) {
    throw new OAuthError({ error: 'bad_verification_code', aadsts: 70018, text: "The provided value for the input parameter 'device_code' is not valid." });
  }
  if (rec.status === 'redeemed') {
    throw new OAuthError({ error: 'invalid_grant', aadsts: 54005, text: 'The device code was already redeemed, please start a new device code flow.' });
  }
  if (rec.status === 'declined') {
    throw new OAuthError({ error: 'authorization_declined', aadsts: 65004, text: 'User declined to consent to access the app.' });
  }
  if (ctx.now() >= rec.expiresMs) {
    throw new OAuthError({ error: 'expired_token', aadsts: 70019, text: 'Verification code expired.' });
  }
  if (rec.status === 'pending' || !rec.username) {
    throw new OAuthError({ error: 'authorization_pending', aadsts: 70016, text: 'OAuth 2.0 device flow error. Authorization is pending. Continue polling.' });
  }
  rec.status = 'redeemed';
  const user = activeUser(ctx, rec.username);
  return issueDelegatedTokens(ctx, {
    app: client.app,
    clientAuth: client.clientAuth,
    user,
    permissions: rec.permissions,
    oidc: rec.oidc,
    endpointVersion: version,
    clientInfo: body.client_info === '1',
    ...(version === 'v1' && (body.resource ?? rec.resource) ? { resource: body.resource ?? rec.resource } : {}),
  });
}
