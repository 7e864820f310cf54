import { createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { TenantSettings, TokenCheck, TokenPrincipal, TokenRefusal } from './contract.js';
import { hasFullAccess } from './settings.js';

/** The `aud` values each kind of endpoint accepts (App ID URIs and the resource app ids). */
export const AUDIENCES: Record<'outlook' | 'graph', string[]> = {
  outlook: ['https://outlook.office365.com', 'https://outlook.office.com', '00000002-0000-0ff1-ce00-000000000000'],
  graph: ['https://graph.microsoft.com', '00000003-0000-0000-c000-000000000000'],
};

export interface TokenCheckOptions {
  /** The identity emulator's signing keys: a JWKS URL or a jose key getter. */
  jwks: string | URL | JWTVerifyGetKey;
  tenantId: string;
  settings: TenantSettings;
  now(): number;
}

/** The emulator's JWKS URL for a tenant (v2 discovery path; v1 and v2 keys are the same). */
export function jwksUrlFor(identityUrl: string, tenantId: string): string {
  return `${identityUrl.replace(/\/+$/, '')}/${tenantId}/discovery/v2.0/keys`;
}

/** Validate the identity emulator's access tokens as Exchange Online and Graph do. */
export function createTokenCheck(opts: TokenCheckOptions): TokenCheck {
  const keys: JWTVerifyGetKey = typeof opts.jwks === 'function' ? opts.jwks : createRemoteJWKSet(new URL(String(opts.jwks)));
  const issuers = [`https://sts.windows.net/${opts.tenantId}/`, `https://login.microsoftonline.com/${opts.tenantId}/v2.0`];
  const refuse = (reason: TokenRefusal, detail: string) => ({ ok: false as const, reason, detail });

  const canAccess = (p: TokenPrincipal, mailbox: string): boolean => {
    if (p.appOnly) return hasFullAccess(opts.settings, mailbox, p.appId);
    return (!!p.upn && p.upn.toLowerCase() === mailbox.toLowerCase()) || (!!p.upn && hasFullAccess(opts.settings, mailbox, p.upn));
  };

  return {
    canAccess,
    async validate(token, need) {
      if (!token) return refuse('missing', 'no access token');
      try {
        decodeProtectedHeader(token);
        decodeJwt(token);
      } catch {
        return refuse('malformed', 'the access token is not a JWT');
      }
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keys, { algorithms: ['RS256'], currentDate: new Date(opts.now()), clockTolerance: 0 }));
      } catch (e) {
        if (e instanceof errors.JWTExpired) return refuse('expired', 'the access token has expired');
        if (e instanceof errors.JWSSignatureVerificationFailed || e instanceof errors.JWKSNoMatchingKey) {
          return refuse('bad_signature', 'the access token signature is invalid');
        }
        if (e instanceof errors.JWTClaimValidationFailed) return refuse('expired', `the access token is not valid now (${e.claim})`);
        return refuse('malformed', `the access token cannot be verified: ${(e as Error).message}`);
      }
      const aud = Array.isArray(payload.aud) ? payload.aud : payload.aud ? [payload.aud] : [];
      const accepted = AUDIENCES[need.audience];
      if (!aud.some((a) => accepted.includes(a.replace(/\/+$/, '').toLowerCase()))) {
        return refuse('wrong_audience', `the token's audience ${aud.join(',') || '(none)'} is not ${accepted[0]}`);
      }
      const tid = typeof payload['tid'] === 'string' ? payload['tid'] : '';
      if (tid.toLowerCase() !== opts.tenantId.toLowerCase() || !issuers.includes(String(payload.iss))) {
        return refuse('wrong_tenant', `the token was issued for tenant ${tid || '(none)'}, not ${opts.tenantId}`);
      }
      const scopes = typeof payload['scp'] === 'string' ? payload['scp'].split(' ').filter(Boolean) : [];
      const roles = Array.isArray(payload['roles']) ? payload['roles'].filter((r): r is string => typeof r === 'string') : [];
      const upn = typeof payload['upn'] === 'string' ? payload['upn'].toLowerCase() : undefined;
      const appOnly = payload['idtyp'] === 'app' || (!upn && scopes.length === 0);
      const principal: TokenPrincipal = {
        ...(upn && !appOnly ? { upn } : {}),
        ...(typeof payload['oid'] === 'string' ? { oid: payload['oid'] } : {}),
        appId: String(payload['appid'] ?? payload['azp'] ?? ''),
        tenantId: tid,
        audience: aud[0] ?? '',
        scopes,
        roles,
        appOnly,
        expiresAt: (payload.exp ?? 0) * 1000,
      };
      const has = (have: string[], want: string[]) => want.some((w) => have.some((h) => h.toLowerCase() === w.toLowerCase()));
      if (appOnly ? !has(roles, need.anyRole) : !has(scopes, need.anyScope)) {
        const wanted = appOnly ? need.anyRole : need.anyScope;
        return refuse('insufficient_scope', `the token carries none of ${wanted.join(', ') || '(nothing is accepted)'}`);
      }
      if (need.mailbox && appOnly && !canAccess(principal, need.mailbox)) {
        return refuse('no_mailbox_permission', `app ${principal.appId} has no mailbox permission on ${need.mailbox}`);
      }
      return { ok: true, principal };
    },
  };
}
