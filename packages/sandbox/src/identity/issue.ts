import { consentRequired, resourceNotFound } from './errors.js';
import type { EmulatorContext } from './context.js';
import {
  GRAPH, delegatedOf, findResource, formatScope, isOidc, type Permission, type ResourceDef,
} from './resources.js';
import { opaque, type App, type User } from './state.js';
import { mintAccessToken, mintIdToken, randomLifetime } from './tokens.js';

/** A delegated grant the token endpoint has authenticated: who, for which app, asking what. */
export interface DelegatedGrant {
  app: App;
  clientAuth: '0' | '1' | '2';
  user: User;
  /** The scopes asked for this token (v2), decide the resource by their first resource scope. */
  permissions: Permission[];
  oidc: Set<string>;
  /** v1: the `resource` parameter (decides the audience instead of scopes). */
  resource?: string;
  endpointVersion: 'v1' | 'v2';
  nonce?: string;
  /** The request carried `client_info=1` (MSAL always sends it). */
  clientInfo?: boolean;
}

/**
 * `client_info`: base64url JSON `{uid, utid}` of the signed-in user, from which MSAL builds
 * `homeAccountId` = `<uid>.<utid>` (the user's object id and home tenant id).
 * https://learn.microsoft.com/entra/msal/javascript/browser/accounts (homeAccountId)
 */
function clientInfo(objectId: string, tenantId: string): string {
  return Buffer.from(JSON.stringify({ uid: objectId, utid: tenantId })).toString('base64url');
}

/** Which resource a delegated token is for: v1 `resource`, else the first resource scope, else Graph. */
function targetResource(ctx: EmulatorContext, g: DelegatedGrant): ResourceDef {
  if (g.endpointVersion === 'v1' && g.resource) {
    const r = findResource(g.resource);
    if (!r) throw resourceNotFound(g.resource, ctx.seed.tenant.domain);
    return r;
  }
  return g.permissions.find((p) => !isOidc(p))?.resource ?? GRAPH;
}

/**
 * Issue the token response of a delegated grant (code, refresh, device code): checks the
 * consent for what is asked, puts every consented permission of the resource in `scp`,
 * rotates the refresh token, adds an id_token when `openid` was asked.
 */
export async function issueDelegatedTokens(ctx: EmulatorContext, g: DelegatedGrant): Promise<Record<string, unknown>> {
  const { state } = ctx;
  const resource = targetResource(ctx, g);
  const asked = g.permissions.filter((p) => p.resource === resource && p.name !== '.default' && !isOidc(p));
  if (asked.some((p) => !state.hasConsent(g.user.username, g.app, p))) throw consentRequired(g.app.clientId, g.app.displayName);
  // Graph lists the consented OIDC permissions (openid profile email) in scp too, as Microsoft does.
  const scp = delegatedOf(resource, (name) => state.hasConsent(g.user.username, g.app, { resource, name }));
  if (scp.length === 0) throw consentRequired(g.app.clientId, g.app.displayName);

  const nowMs = ctx.now();
  const o = ctx.seed.options;
  const lifetime = randomLifetime(o.accessTokenMinSeconds, o.accessTokenMaxSeconds);
  const minted = await mintAccessToken(ctx.key, {
    tenantId: ctx.seed.tenant.id, clientId: g.app.clientId, appDisplayName: g.app.displayName, clientAuth: g.clientAuth,
    resource, user: g.user, scp, lifetimeSeconds: lifetime, nowMs,
  });
  state.accessTokens.set(minted.uti, { username: g.user.username, issuedMs: nowMs, seq: state.nextSeq() });

  // v2 gives a refresh token only for offline_access; v1 always does.
  let refreshToken: string | undefined;
  if (g.endpointVersion === 'v1' || g.oidc.has('offline_access')) {
    refreshToken = opaque(96);
    state.refreshTokens.set(refreshToken, {
      token: refreshToken, clientId: g.app.clientId, username: g.user.username,
      permissions: g.permissions, oidc: g.oidc, issuedMs: nowMs, seq: state.nextSeq(), revoked: false,
    });
  }
  const idToken = g.oidc.has('openid')
    ? await mintIdToken(ctx.key, {
        tenantId: ctx.seed.tenant.id, clientId: g.app.clientId, user: g.user, version: g.endpointVersion === 'v1' ? '1.0' : '2.0',
        email: g.oidc.has('email'), nowMs, ...(g.nonce ? { nonce: g.nonce } : {}),
      })
    : undefined;

  const scope = [
    ...scp.map((name) => formatScope({ resource, name })),
    ...(resource === GRAPH ? [] : [...g.oidc].filter((s) => s !== 'offline_access')),
  ].join(' ');
  const extras = {
    ...(refreshToken ? { refresh_token: refreshToken } : {}), ...(idToken ? { id_token: idToken } : {}),
    ...(g.clientInfo ? { client_info: clientInfo(g.user.objectId, ctx.seed.tenant.id) } : {}),
  };
  if (g.endpointVersion === 'v1') {
    return {
      token_type: 'Bearer', scope: scp.join(' '), ...v1Times(minted.iat, minted.exp),
      resource: g.resource ?? resource.uri, access_token: minted.token, ...extras,
    };
  }
  return { token_type: 'Bearer', scope, expires_in: lifetime, ext_expires_in: lifetime, access_token: minted.token, ...extras };
}

/** v1 answers numbers as strings and adds absolute times. */
function v1Times(iat: number, exp: number): Record<string, string> {
  const lifetime = String(exp - iat);
  return { expires_in: lifetime, ext_expires_in: lifetime, expires_on: String(exp), not_before: String(iat) };
}

/** Issue an app-only (client credentials) token: `roles` are the admin-consented application permissions. */
export async function issueAppOnlyToken(
  ctx: EmulatorContext,
  g: { app: App; clientAuth: '1' | '2'; resource: ResourceDef; endpointVersion: 'v1' | 'v2'; resourceParam?: string },
): Promise<Record<string, unknown>> {
  const roles = g.app.adminConsentApplication
    ? g.app.application.filter((p) => p.resource === g.resource).map((p) => p.name)
    : [];
  const nowMs = ctx.now();
  const o = ctx.seed.options;
  const lifetime = randomLifetime(o.accessTokenMinSeconds, o.accessTokenMaxSeconds);
  const minted = await mintAccessToken(ctx.key, {
    tenantId: ctx.seed.tenant.id, clientId: g.app.clientId, appDisplayName: g.app.displayName, clientAuth: g.clientAuth,
    resource: g.resource, roles, lifetimeSeconds: lifetime, nowMs,
  });
  ctx.state.accessTokens.set(minted.uti, { issuedMs: nowMs, seq: ctx.state.nextSeq() });
  if (g.endpointVersion === 'v1') {
    return { token_type: 'Bearer', ...v1Times(minted.iat, minted.exp), resource: g.resourceParam ?? g.resource.uri, access_token: minted.token };
  }
  return { token_type: 'Bearer', expires_in: lifetime, ext_expires_in: lifetime, access_token: minted.token };
}
