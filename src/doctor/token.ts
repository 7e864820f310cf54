import { assertTokenFitsProtocol, checkTokenFitsProtocol, decodeAccessTokenClaims } from '../auth/claims.js';
import type { TokenManager } from '../auth/token-manager.js';
import type { Resource } from '../config/resource.js';
import { isMailbridgeError } from '../errors.js';
import type { DoctorCheck } from './check.js';

/**
 * Token checks: can we get an access token, what it says (aud, scp/roles, upn, expiry, read
 * from the payload only; the signature is never printed or checked here), and does it fit
 * the protocol. Returns the checks and whether a login is worth trying.
 */
export async function checkToken(resource: Resource, tokens: TokenManager, now: number): Promise<{ checks: DoctorCheck[]; usable: boolean }> {
  // A fresh refresh, not the cached token: a revoked grant shows now, not at the next expiry.
  const check = await tokens.check(resource.name);
  if (!check.ok && check.error) {
    const { code, message, hint } = check.error;
    const detail = `${message}${check.transient ? ' (transient: the stored status and tokens were kept)' : ''}`;
    return { checks: [{ name: 'access token', status: 'fail', detail, fix: hint, code }], usable: false };
  }
  let token;
  try {
    token = await tokens.getAccessToken(resource.name);
  } catch (e) {
    return { checks: [failed('access token', e, `run \`mailbridge auth ${resource.name}\` to consent again`)], usable: false };
  }
  const checks: DoctorCheck[] = [{ name: 'token endpoint', status: 'pass', detail: 'a refresh just now issued a new access token' }];
  const claims = decodeAccessTokenClaims(token.token);
  if (!claims.jwt) {
    // Some providers issue opaque tokens; only the server can judge those.
    checks.push({ name: 'access token', status: 'warn', detail: 'obtained, but it is not a JWT so its claims cannot be shown', fix: 'none needed unless the login below fails' });
    return { checks, usable: true };
  }
  const minutes = Math.round(((claims.expiresAt ?? token.expiresAt) - now) / 60_000);
  const perms = claims.scp.length ? `scp ${claims.scp.join(' ')}` : claims.roles.length ? `roles ${claims.roles.join(' ')}` : 'no scp or roles';
  checks.push({
    name: 'access token',
    status: minutes > 0 ? 'pass' : 'warn',
    detail: `aud ${claims.aud ?? '?'}; ${perms}; user ${claims.user ?? claims.appid ?? '?'}; ${minutes > 0 ? `expires in ${minutes} min` : 'expired (it is refreshed on use)'}`,
  });
  try {
    assertTokenFitsProtocol(claims, resource.kind, resource.user);
  } catch (e) {
    checks.push(failed('token fits protocol', e, 'fix the resource\'s scope and consent again'));
    return { checks, usable: false };
  }
  const { warnings } = checkTokenFitsProtocol(claims, resource.kind, resource.user);
  checks.push(warnings.length > 0
    ? { name: 'token fits protocol', status: 'warn', detail: warnings.join('; '), fix: 'see the detail' }
    : { name: 'token fits protocol', status: 'pass', detail: `audience and permissions allow ${resource.kind.toUpperCase()}` });
  return { checks, usable: true };
}

export function failed(name: string, e: unknown, fallbackFix: string): DoctorCheck {
  if (isMailbridgeError(e)) return { name, status: 'fail', detail: e.message, fix: e.hint, code: e.code };
  return { name, status: 'fail', detail: e instanceof Error ? e.message : String(e), fix: fallbackFix };
}
