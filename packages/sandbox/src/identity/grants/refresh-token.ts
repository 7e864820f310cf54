import type { AuthenticatedClient } from '../client-auth.js';
import type { EmulatorContext } from '../context.js';
import { OAuthError, missingParameter } from '../errors.js';
import { issueDelegatedTokens } from '../issue.js';
import { parseScopes } from '../resources.js';
import { expandDefault } from '../registration.js';
import type { User } from '../state.js';

/** The user a grant belongs to, if they may still get tokens. */
export function activeUser(ctx: EmulatorContext, username: string): User {
  const user = ctx.state.user(username);
  if (!user) {
    throw new OAuthError({ error: 'invalid_grant', aadsts: 50034, text: `The user account ${username} does not exist in the ${ctx.seed.tenant.domain} directory.` });
  }
  if (user.disabled) throw new OAuthError({ error: 'invalid_grant', aadsts: 50057, text: 'The user account is disabled.' });
  return user;
}

/** Microsoft's .NET-style dates in AADSTS texts: `2025-01-01T00:00:00.0000000Z`. */
function dotnetDate(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');
}

/**
 * grant_type=refresh_token (RFC 6749 §6). Rotation as at Microsoft: every use returns a new
 * refresh token, and the old one keeps working until it expires (90 days after it was issued,
 * the inactivity window) or the user's sessions are revoked.
 */
export async function redeemRefreshToken(
  ctx: EmulatorContext,
  client: AuthenticatedClient,
  body: Record<string, string>,
  version: 'v1' | 'v2',
  tenant: string,
): Promise<Record<string, unknown>> {
  if (!body.refresh_token) throw missingParameter('refresh_token');
  const rec = ctx.state.refreshTokens.get(body.refresh_token);
  if (!rec) throw new OAuthError({ error: 'invalid_grant', aadsts: 9002313, text: 'Invalid request. Request is malformed or invalid.' });
  if (rec.clientId.toLowerCase() !== client.app.clientId.toLowerCase()) {
    throw new OAuthError({ error: 'invalid_grant', aadsts: 70000, text: 'Provided grant is invalid or malformed. The refresh token was issued to a different client.' });
  }
  const user = activeUser(ctx, rec.username);
  if (rec.revoked || ctx.state.isRevoked(user, rec.seq, rec.issuedMs)) {
    throw new OAuthError({
      error: 'invalid_grant',
      aadsts: 50173,
      text: `The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '${dotnetDate(rec.issuedMs)}' and the TokensValidFrom date (before which tokens are not valid) for this user is '${dotnetDate(user.revokedAtMs ?? ctx.now())}'.`,
    });
  }
  const inactiveMs = ctx.now() - rec.issuedMs;
  if (inactiveMs > ctx.seed.options.refreshTokenInactivitySeconds * 1000) {
    throw new OAuthError({
      error: 'invalid_grant',
      aadsts: 700082,
      text: `The refresh token has expired due to inactivity. The token was issued on ${dotnetDate(rec.issuedMs)} and was inactive for ${formatSpan(inactiveMs)}.`,
    });
  }
  const parsed = version === 'v2' && body.scope ? parseScopes(body.scope, tenant) : undefined;
  return issueDelegatedTokens(ctx, {
    app: client.app,
    clientAuth: client.clientAuth,
    user,
    permissions: parsed ? expandDefault(parsed.permissions, client.app) : rec.permissions,
    // A refresh always rotates the refresh token, whether or not offline_access is repeated.
    oidc: new Set([...(parsed?.oidc ?? rec.oidc), 'offline_access']),
    endpointVersion: version,
    clientInfo: body.client_info === '1',
    ...(version === 'v1' && body.resource ? { resource: body.resource } : {}),
  });
}

/** `d.hh:mm:ss`, the TimeSpan format of Microsoft's texts. */
function formatSpan(ms: number): string {
  const s = Math.floor(ms / 1000);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${Math.floor(s / 86400)}.${pad(Math.floor(s / 3600) % 24)}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
}
