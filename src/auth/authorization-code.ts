import type { Resource } from '../config/resource.js';
import { aadstsCode, AuthError, oauthErrorCode } from '../errors.js';
import { Secret } from '../secret.js';
import type { ConsentStore, PendingConsent, ResourceStore } from '../store/store.js';
import { networkOf } from './network.js';
import { clientAuthenticationParams, requireOAuth } from './client-auth.js';
import { lookupAadsts, normaliseAadstsCode } from './errors-catalogue.js';
import { createPkcePair, randomUrlToken } from './pkce.js';
import { isGoogleIdentity, resourceAudience, tokenRequestTarget, withOfflineAccess } from './scopes.js';
import { isV1Endpoint, requestToken, type TokenEndpointDeps, type TokenResponse } from './token-endpoint.js';

/**
 * The authorization code grant (RFC 6749 §4.1) with PKCE (RFC 7636), in its three steps:
 * build the authorization request, process the authorization response (state check), and
 * exchange the code at the token endpoint.
 */

/** Microsoft's codes live about 10 minutes; a consent older than that cannot succeed anyway. */
export const CONSENT_TTL_MS = 10 * 60_000;

/** An authorization request ready to send the user to (RFC 6749 §4.1.1), remembered in the store. */
export interface AuthorizationRequest {
  /** Open this in a browser. */
  url: string;
  state: string;
  redirectUri: string;
  expiresAt: number;
}

/**
 * The `state` for one consent. Random by default. When the resource fixes one (the guide's
 * free "state" field, which some integrations check), we keep it as the prefix and append
 * a per-consent nonce: two consents then never share a state, and an answer replayed from
 * an earlier consent finds no pending consent and is refused. Microsoft echoes the state
 * unchanged, so the fixed part still comes back for whoever checks it.
 */
export function newState(fixed: string | undefined): string {
  const nonce = randomUrlToken(16);
  return fixed && fixed.length > 0 ? `${fixed}.${nonce}` : nonce;
}

/**
 * RFC 6749 §4.1.1: the URL to send the user to, with the consent remembered in the store.
 * @throws ConfigError `RESOURCE_NOT_OAUTH` when the resource does not use OAuth 2.0.
 */
export async function buildAuthorizationRequest(
  resource: Resource, store: Pick<ConsentStore, 'putPendingConsent'>,
  opts: { redirectUri?: string; now?: () => number; loginHint?: string; prompt?: string } = {},
): Promise<AuthorizationRequest> {
  const oauth = requireOAuth(resource);
  const now = (opts.now ?? Date.now)();
  const redirectUri = opts.redirectUri ?? oauth.callbackUrl;
  const state = newState(oauth.state);
  const url = new URL(oauth.authorizeUrl);
  const q = url.searchParams;
  q.set('client_id', oauth.clientId);
  q.set('response_type', 'code');
  q.set('redirect_uri', redirectUri);
  q.set('response_mode', oauth.responseMode);
  if (isV1Endpoint(oauth.authorizeUrl)) {
    q.set('resource', resourceAudience(resource));
  } else if (isGoogleIdentity(oauth)) {
    q.set('scope', oauth.scope);
    // Google's way of asking for a refresh token (it has no offline_access scope).
    q.set('access_type', 'offline');
    q.set('prompt', 'consent');
  } else {
    // The whole string: /authorize may span resources, so one consent covers all of them.
    q.set('scope', withOfflineAccess(oauth.scope));
  }
  q.set('state', state);
  let codeVerifier: Secret | undefined;
  if (oauth.usePkce) {
    const pkce = createPkcePair();
    codeVerifier = pkce.codeVerifier;
    q.set('code_challenge', pkce.codeChallenge);
    q.set('code_challenge_method', pkce.codeChallengeMethod);
  }
  if (opts.loginHint) q.set('login_hint', opts.loginHint);
  if (opts.prompt) q.set('prompt', opts.prompt);
  const expiresAt = now + CONSENT_TTL_MS;
  await store.putPendingConsent({
    state, resource: resource.name, redirectUri, createdAt: now, expiresAt,
    ...(codeVerifier ? { codeVerifier } : {}),
  });
  return { url: url.toString(), state, redirectUri, expiresAt };
}

/** The parameters of an authorization response (RFC 6749 §4.1.2, §4.1.2.1). */
export interface AuthorizationResponseParams {
  code?: string;
  state?: string;
  error?: string;
  errorDescription?: string;
}

/**
 * Read an authorization response from what the user pasted (the whole redirected URL, or
 * just its query) or from the listener's query/form parameters. The code may come in the
 * query, or in the fragment when a response_mode=fragment slipped in.
 * @throws AuthError `REDIRECT_URL_INVALID` when the input is not a URL or query string.
 */
export function parseAuthorizationResponse(input: string | URLSearchParams): AuthorizationResponseParams {
  let params: URLSearchParams;
  if (typeof input === 'string') {
    const text = input.trim().replace(/^["'<]+|["'>]+$/g, '');
    let search = text;
    try {
      const u = new URL(text);
      search = u.search.length > 1 ? u.search.slice(1) : u.hash.slice(1);
    } catch {
      search = text.replace(/^[?#]/, '');
    }
    params = new URLSearchParams(search);
  } else {
    params = input;
  }
  const out: AuthorizationResponseParams = {};
  const code = params.get('code');
  const state = params.get('state');
  const error = params.get('error');
  const desc = params.get('error_description');
  if (code) out.code = code;
  if (state !== null) out.state = state;
  if (error) out.error = error;
  if (desc) out.errorDescription = desc;
  if (!out.code && !out.error) {
    throw new AuthError({ code: 'REDIRECT_URL_INVALID',
      message: 'the redirected URL has neither a code nor an error parameter',
      hint: 'paste the whole URL from the browser address bar after the consent (it starts with the callback URL and contains code=…&state=…)' });
  }
  return out;
}

/**
 * RFC 6749 §10.12: the answer must carry the state of a consent we started, for this
 * resource, not expired, and each state is good once (the store hands it out once).
 * Then an `error` from the authorization server is turned into a typed error.
 * @throws AuthError `STATE_MISSING`, `STATE_UNKNOWN`, `STATE_OTHER_RESOURCE`, `STATE_EXPIRED`,
 * `REDIRECT_URL_INVALID` (no code), or the authorization server's error (e.g. `access_denied`, with its AADSTS code).
 */
export async function processAuthorizationResponse(
  resourceName: string, store: Pick<ConsentStore, 'takePendingConsent'>, params: AuthorizationResponseParams, now: () => number = Date.now,
): Promise<{ code: Secret; consent: PendingConsent }> {
  if (!params.state) {
    throw new AuthError({ code: 'STATE_MISSING', message: 'the redirected URL carries no state',
      hint: `paste the complete redirected URL, or start again with \`mailbridge auth ${resourceName}\`` });
  }
  const consent = await store.takePendingConsent(params.state);
  if (!consent) {
    throw new AuthError({ code: 'STATE_UNKNOWN',
      // The store forgets expired consents, so "unknown" also covers "too late".
      message: 'the state in the redirected URL matches no consent in progress: it is wrong, was already used, or expired (10 minutes)',
      hint: `start again with \`mailbridge auth ${resourceName}\`, use the URL of that run and finish within 10 minutes` });
  }
  if (consent.resource !== resourceName) {
    throw new AuthError({ code: 'STATE_OTHER_RESOURCE',
      message: `the redirected URL belongs to a consent for resource ${consent.resource}, not ${resourceName}`,
      hint: `finish it with \`mailbridge auth ${consent.resource}\`, or start again for ${resourceName}` });
  }
  // The SQLite store already hides expired consents; this keeps the rule for any Store.
  if (consent.expiresAt <= now()) {
    throw new AuthError({ code: 'STATE_EXPIRED', message: 'the consent expired (more than 10 minutes since it was started)',
      hint: `start again with \`mailbridge auth ${resourceName}\` and finish within 10 minutes` });
  }
  if (params.error) throw authorizationError(resourceName, params.error, params.errorDescription);
  if (!params.code) {
    throw new AuthError({ code: 'REDIRECT_URL_INVALID', message: 'the redirected URL has no code',
      hint: `start again with \`mailbridge auth ${resourceName}\`` });
  }
  return { code: new Secret(params.code), consent };
}

/** §4.1.2.1 error → AuthError, with the AADSTS entry when the description names one. */
function authorizationError(resourceName: string, error: string, description?: string): AuthError {
  const aadsts = description && /AADSTS\d+/.test(description) ? normaliseAadstsCode(description) : undefined;
  const entry = aadsts ? lookupAadsts(aadsts) : undefined;
  const text = description?.split(/\r?\n/)[0] ?? error;
  const denied = error === 'access_denied' || error === 'consent_required';
  return new AuthError({
    code: aadstsCode(aadsts) ?? (denied ? 'CONSENT_DENIED' : oauthErrorCode(error)),
    message: entry ? `${entry.message} (Microsoft: ${error})` : denied
      ? `the sign-in or consent was refused (${text})` : `the authorization server answered ${error}: ${text}`,
    hint: (entry?.hint ?? (denied
      ? `run \`mailbridge auth ${resourceName}\` again and accept the permissions, or ask an administrator to grant consent`
      : `check the resource settings, then run \`mailbridge auth ${resourceName}\` again`)).replaceAll('RESOURCE', resourceName),
    details: { error, ...(aadsts ? { aadsts } : {}), ...(description ? { description: text } : {}) },
  });
}

/**
 * RFC 6749 §4.1.3 (+ RFC 7636 §4.5): redeem the code with the verifier and client credentials.
 * @throws TokenEndpointError when the token endpoint refuses the code or cannot be reached.
 */
export async function exchangeAuthorizationCode(
  resource: Resource, store: Pick<ResourceStore, 'getSecret'>, grant: { code: Secret; consent: PendingConsent }, deps: TokenEndpointDeps = {},
): Promise<{ response: TokenResponse; audience: string }> {
  const oauth = requireOAuth(resource);
  const audience = resourceAudience(resource);
  const params: Record<string, string> = {
    grant_type: 'authorization_code',
    client_id: oauth.clientId,
    code: grant.code.reveal(),
    redirect_uri: grant.consent.redirectUri,
    ...tokenRequestTarget(oauth, audience, 'delegated', isV1Endpoint(oauth.tokenUrl)),
    ...(grant.consent.codeVerifier ? { code_verifier: grant.consent.codeVerifier.reveal() } : {}),
    ...(await clientAuthenticationParams(resource, store, oauth.tokenUrl, deps.now)),
  };
  const response = await requestToken(oauth.tokenUrl, params, { resourceName: resource.name, ...networkOf(resource), ...deps });
  return { response, audience };
}
