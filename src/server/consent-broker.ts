import {
  buildAuthorizationRequest, exchangeAuthorizationCode, parseAuthorizationResponse, processAuthorizationResponse,
} from '../auth/authorization-code.js';
import { isLoopbackCallback } from '../auth/callback-listener.js';
import { requireOAuth } from '../auth/client-auth.js';
import { resourceAudience } from '../auth/scopes.js';
import type { TokenManager, TokenStatusReport } from '../auth/token-manager.js';
import { AuthError, ConfigError } from '../errors.js';

/** Paths of this service that finish a consent (both answer query and form_post). */
export const CALLBACK_PATHS = ['/oauth/callback', '/'] as const;

export interface ConsentStart {
  resource: string;
  authorizeUrl: string;
  state: string;
  redirectUri: string;
  expiresAt: number;
  /**
   * `callback`: the browser comes back to this service by itself. `paste`: the resource's
   * callback URL is not one this service answers (e.g. the guide's https://localhost), so
   * the person pastes the URL the browser was sent to into finish-consent.
   */
  completion: 'callback' | 'paste';
}

export interface ConsentDone {
  resource: string;
  status: TokenStatusReport;
  /** Where the console wants the person afterwards (console-started consents). */
  returnTo?: string;
}

interface Pending {
  resource: string;
  expiresAt: number;
  returnTo?: string;
}

/**
 * Consents started by this service. The store keeps each consent's PKCE verifier under its
 * state; this broker additionally remembers which states this service started, so the public
 * callback refuses any other state before touching the store (an attacker's own code and
 * state, or a state another process started, never get exchanged here).
 */
export class ConsentBroker {
  readonly #tokens: TokenManager;
  readonly #pending = new Map<string, Pending>();

  constructor(tokens: TokenManager) {
    this.#tokens = tokens;
  }

  /**
   * Builds the authorization request (PKCE S256, random state) for a resource. `servicePort`
   * is the port the browser reaches this service on: for a loopback callback URL Microsoft
   * (and the emulator) ignore the registered port, so the service's own port is used.
   */
  async start(name: string, o: { servicePort: number; returnTo?: string }): Promise<ConsentStart> {
    const resource = await this.#tokens.resource(name);
    const oauth = requireOAuth(resource);
    if (oauth.flow !== 'authorization_code') {
      throw new ConfigError({ code: 'CONSENT_FLOW_MISMATCH', field: 'oauth.flow',
        message: `resource ${name} uses the ${oauth.flow} flow, not a browser consent`,
        hint: oauth.flow === 'device_code' ? `start a device code sign-in: POST /api/resources/${name}/device-code` : `get a token with POST /api/resources/${name}/token/refresh` });
    }
    const served = serviceRedirectUri(oauth.callbackUrl, o.servicePort);
    const now = this.#tokens.now();
    const req = await buildAuthorizationRequest(resource, this.#tokens.store, {
      now: () => now, ...(served ? { redirectUri: served } : {}),
    });
    this.#forgetExpired();
    this.#pending.set(req.state, { resource: name, expiresAt: req.expiresAt, ...(o.returnTo ? { returnTo: o.returnTo } : {}) });
    return { resource: name, authorizeUrl: req.url, state: req.state, redirectUri: req.redirectUri, expiresAt: req.expiresAt,
      completion: served ? 'callback' : 'paste' };
  }

  /**
   * Finishes a consent from the authorization response (callback query or form, or a pasted
   * URL): state known to this service → the store's state check and verifier → code exchange
   * with the verifier → grant stored.
   */
  async finish(response: URLSearchParams | string, expectedResource?: string): Promise<ConsentDone> {
    const params = parseAuthorizationResponse(response);
    const pending = params.state ? this.#pending.get(params.state) : undefined;
    if (!params.state || !pending || pending.expiresAt <= this.#tokens.now()) {
      throw new AuthError({ code: 'STATE_UNKNOWN',
        message: 'the answer carries a state this service did not start (or it was used already, or expired after 10 minutes)',
        hint: 'start the consent again from the console (Connect) or POST /api/resources/NAME/consent, and finish it within 10 minutes' });
    }
    if (expectedResource !== undefined && pending.resource !== expectedResource) {
      throw new AuthError({ code: 'STATE_OTHER_RESOURCE', message: `this answer belongs to a consent for resource ${pending.resource}, not ${expectedResource}`,
        hint: `finish it for ${pending.resource}` });
    }
    // Taken before the exchange: a state is good once, whatever happens next.
    this.#pending.delete(params.state);
    const name = pending.resource;
    const resource = await this.#tokens.resource(name);
    const grant = await processAuthorizationResponse(name, this.#tokens.store, params, () => this.#tokens.now());
    const { response: tokenResponse } = await exchangeAuthorizationCode(resource, this.#tokens.store, grant, this.#tokens.endpointDeps(name));
    await this.#tokens.recordGrant(name, tokenResponse, resourceAudience(resource));
    return { resource: name, status: await this.#tokens.status(name), ...(pending.returnTo ? { returnTo: pending.returnTo } : {}) };
  }

  #forgetExpired(): void {
    const now = this.#tokens.now();
    for (const [state, p] of this.#pending) if (p.expiresAt <= now) this.#pending.delete(state);
  }
}

/**
 * The redirect URI this service answers for a resource's callback URL, or undefined when the
 * browser cannot come back here (not plain http on a loopback host, or a path the service
 * does not serve). The host stays as registered (localhost vs 127.0.0.1 matter: exact match),
 * the port becomes the service's.
 */
export function serviceRedirectUri(callbackUrl: string, servicePort: number): string | undefined {
  if (!isLoopbackCallback(callbackUrl)) return undefined;
  const u = new URL(callbackUrl);
  if (u.search !== '' || !(CALLBACK_PATHS as readonly string[]).includes(u.pathname)) return undefined;
  u.port = String(servicePort);
  return u.pathname === '/' ? `${u.protocol}//${u.host}/` : u.toString();
}
