import {
  buildAuthorizationRequest, exchangeAuthorizationCode, parseAuthorizationResponse, processAuthorizationResponse,
} from '../auth/authorization-code.js';
import { createHash } from 'node:crypto';
import { isLoopbackCallback } from '../auth/callback-listener.js';
import { requireOAuth } from '../auth/client-auth.js';
import { resourceAudience } from '../auth/scopes.js';
import type { TokenManager, TokenStatusReport } from '../auth/token-manager.js';
import { AuthError, ConfigError } from '../errors.js';
import { recordAttempt } from '../services/attempts.js';

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
  /** Set when this answer was finished before (a reload of the result page): when it was. */
  finishedAt?: number;
}

/** A consent this service finished, kept for a reload of its result page. */
interface Finished {
  codeHash: string;
  resource: string;
  at: number;
  expiresAt: number;
  done?: ConsentDone;
  error?: Error;
}

/** As long as a pending consent lives: a reload after that starts over, as any stale page would. */
const FINISHED_TTL_MS = 10 * 60_000;

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
  readonly #finished = new Map<string, Finished>();

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
  async finish(response: URLSearchParams | string, expectedResource?: string, opts: { reload?: boolean } = {}): Promise<ConsentDone> {
    const params = parseAuthorizationResponse(response);
    // A browser reloading the result page sees that result again; an API client replaying an answer is refused as before.
    const again = opts.reload ? this.#again(params.state, params.code ?? params.error, expectedResource) : undefined;
    if (again) return again;
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
    const now = this.#tokens.now();
    const finished: Finished = { codeHash: hash(params.code ?? params.error), resource: name, at: now, expiresAt: now + FINISHED_TTL_MS };
    try {
      const resource = await this.#tokens.resource(name);
      const grant = await processAuthorizationResponse(name, this.#tokens.store, params, () => this.#tokens.now());
      const { response: tokenResponse } = await exchangeAuthorizationCode(resource, this.#tokens.store, grant, this.#tokens.endpointDeps(name));
      await this.#tokens.recordGrant(name, tokenResponse, resourceAudience(resource));
      finished.done = { resource: name, status: await this.#tokens.status(name), ...(pending.returnTo ? { returnTo: pending.returnTo } : {}) };
      return finished.done;
    } catch (e) {
      finished.error = e instanceof Error ? e : new Error(String(e));
      // Kept on the resource until the next success: a refused consent does not leave a bare "Missing".
      await recordAttempt({ store: this.#tokens.store, now: () => this.#tokens.now() }, name, 'token', 'consent', e);
      throw e;
    } finally {
      this.#finished.set(params.state, finished);
    }
  }

  /**
   * The same answer again (the result page reloaded, the browser's back button): its result
   * as it was, without a second exchange (the code is good once). Only for the very same code:
   * another code with a used state is refused as before.
   */
  #again(state: string | undefined, code: string | undefined, expectedResource: string | undefined): ConsentDone | undefined {
    const f = state ? this.#finished.get(state) : undefined;
    if (!f || f.expiresAt <= this.#tokens.now() || f.codeHash !== hash(code)) return undefined;
    if (expectedResource !== undefined && f.resource !== expectedResource) return undefined;
    if (f.error !== undefined) throw f.error;
    return f.done ? { ...f.done, finishedAt: f.at } : undefined;
  }

  #forgetExpired(): void {
    const now = this.#tokens.now();
    for (const [state, p] of this.#pending) if (p.expiresAt <= now) this.#pending.delete(state);
    for (const [state, f] of this.#finished) if (f.expiresAt <= now) this.#finished.delete(state);
  }

  /** Records a Connect that could not start (an unknown tenant, a bad setting) on the resource. */
  async recordStartFailure(name: string, e: unknown): Promise<void> {
    await recordAttempt({ store: this.#tokens.store, now: () => this.#tokens.now() }, name, 'token', 'connect', e);
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

/** Codes are kept as hashes only: a reload is recognised without keeping a usable code around. */
function hash(value: string | undefined): string {
  return createHash('sha256').update(value ?? '').digest('base64url');
}
