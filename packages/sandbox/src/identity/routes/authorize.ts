import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { resolveTenant, type EmulatorContext } from '../context.js';
import { OAuthError, applicationNotFound, missingParameter, resourceNotFound } from '../errors.js';
import { formFields, requestIds, sendHtml } from '../http.js';
import { redirectToClient } from '../login.js';
import { errorPage, signInPage } from '../pages.js';
import { findResource, parseScopes, type Permission } from '../resources.js';
import { expandDefault, redirectUriMatches } from '../registration.js';
import { opaque, type App, type PendingLogin } from '../state.js';

/**
 * GET /{tenant}/oauth2/v2.0/authorize and the v1 /{tenant}/oauth2/authorize (RFC 6749 §4.1.1,
 * PKCE RFC 7636). Errors before the redirect URI is trusted are shown on a page; later ones go
 * back to the client, as at Microsoft.
 */
export function registerAuthorizeRoutes(app: FastifyInstance, ctx: EmulatorContext): void {
  app.get<{ Params: { tenant: string } }>('/:tenant/oauth2/v2.0/authorize', (req, reply) => authorize(ctx, req, reply, 'v2'));
  app.get<{ Params: { tenant: string } }>('/:tenant/oauth2/authorize', (req, reply) => authorize(ctx, req, reply, 'v1'));
}

async function authorize(
  ctx: EmulatorContext,
  req: FastifyRequest<{ Params: { tenant: string } }>,
  reply: FastifyReply,
  version: 'v1' | 'v2',
): Promise<FastifyReply> {
  const q = formFields(req.query);
  const page = (e: OAuthError) => sendHtml(reply, errorPage(`AADSTS${e.aadsts}: ${e.text}`), 400);
  let client: App;
  try {
    resolveTenant(ctx, req.params.tenant);
    if (!q.client_id) throw missingParameter('client_id');
    const found = ctx.state.app(q.client_id);
    if (!found) throw applicationNotFound(q.client_id, req.params.tenant);
    client = found;
    if (!q.redirect_uri) throw missingParameter('redirect_uri');
    if (!client.redirectUris.some((r) => redirectUriMatches(r, q.redirect_uri!))) {
      throw new OAuthError({
        error: 'invalid_request',
        aadsts: 50011,
        text: `The redirect URI '${q.redirect_uri}' specified in the request does not match the redirect URIs configured for the application '${client.clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this.`,
      });
    }
  } catch (e) {
    if (e instanceof OAuthError) return page(e);
    throw e;
  }

  const responseMode = q.response_mode ?? 'query';
  const target = {
    redirectUri: q.redirect_uri,
    responseMode: (['query', 'form_post', 'fragment'].includes(responseMode) ? responseMode : 'query') as PendingLogin['responseMode'],
  };
  try {
    const pending = buildPendingLogin(ctx, client, q, version, req.params.tenant);
    ctx.state.pending.set(pending.id, pending);
    return sendHtml(reply, signInPage({ loginId: pending.id, appName: client.displayName, ...(q.login_hint ? { loginHint: q.login_hint } : {}) }));
  } catch (e) {
    if (!(e instanceof OAuthError)) throw e;
    return redirectToClient(reply, target, {
      error: e.error,
      error_description: e.body(ctx.now(), requestIds(reply.request)).error_description,
      ...(q.state !== undefined ? { state: q.state } : {}),
    });
  }
}

/** Check the rest of the request and turn it into a pending login (throws OAuthError). */
function buildPendingLogin(ctx: EmulatorContext, client: App, q: Record<string, string>, version: 'v1' | 'v2', tenant: string): PendingLogin {
  if (q.response_mode && !['query', 'form_post', 'fragment'].includes(q.response_mode)) {
    throw new OAuthError({ error: 'invalid_request', aadsts: 70007, text: `The response_mode '${q.response_mode}' is not supported.` });
  }
  if (q.response_type !== 'code') {
    throw new OAuthError({
      error: 'unsupported_response_type',
      aadsts: 700054,
      text: `response_type '${q.response_type ?? ''}' is not enabled for the application. Only 'code' is supported by the sandbox.`,
    });
  }
  if (q.code_challenge_method && !q.code_challenge) throw missingParameter('code_challenge');
  if (q.code_challenge_method && !['S256', 'plain'].includes(q.code_challenge_method)) {
    throw new OAuthError({ error: 'invalid_request', aadsts: 501491, text: `Invalid code_challenge_method '${q.code_challenge_method}'.` });
  }
  if (q.prompt === 'none') {
    // The sandbox keeps no browser session, so silent sign-in is never possible.
    throw new OAuthError({
      error: 'login_required',
      aadsts: 50058,
      text: 'A silent sign-in request was sent but no user is signed in.',
    });
  }

  let permissions: Permission[];
  let oidc: Set<string>;
  let resource: string | undefined;
  if (version === 'v2') {
    if (q.resource !== undefined) {
      throw new OAuthError({ error: 'invalid_request', aadsts: 901002, text: "The 'resource' request parameter is not supported." });
    }
    if (!q.scope) throw missingParameter('scope');
    ({ permissions, oidc } = parseScopes(q.scope, tenant));
  } else {
    // v1 consent is static: every delegated permission registered on the app, plus any scope sent.
    if (q.resource && !findResource(q.resource)) throw resourceNotFound(q.resource, tenant);
    resource = q.resource;
    const extra = q.scope ? parseScopes(q.scope, tenant) : { permissions: [], oidc: new Set<string>() };
    permissions = [...client.delegated, ...extra.permissions];
    oidc = extra.oidc;
  }
  return {
    id: opaque(24),
    kind: 'authorize',
    clientId: client.clientId,
    permissions: expandDefault(permissions, client),
    oidc,
    forceConsent: q.prompt === 'consent',
    endpointVersion: version,
    redirectUri: q.redirect_uri!,
    responseMode: (q.response_mode ?? 'query') as PendingLogin['responseMode'],
    createdMs: ctx.now(),
    ...(q.login_hint ? { loginHint: q.login_hint } : {}),
    ...(q.state !== undefined ? { state: q.state } : {}),
    ...(q.nonce ? { nonce: q.nonce } : {}),
    ...(q.code_challenge ? { codeChallenge: q.code_challenge, codeChallengeMethod: (q.code_challenge_method ?? 'plain') as 'S256' | 'plain' } : {}),
    ...(resource ? { resource } : {}),
  };
}
