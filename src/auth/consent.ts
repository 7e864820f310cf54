import { type Locale, messages, t as say } from '../i18n/index.js';
import type { OAuthFlow, RefreshTokenStatus } from '../config/resource.js';
import { gmailFlowUnsupported } from '../config/presets.js';
import { AuthError } from '../errors.js';
import {
  buildAuthorizationRequest, exchangeAuthorizationCode, parseAuthorizationResponse, processAuthorizationResponse,
  type AuthorizationResponseParams,
} from './authorization-code.js';
import { isLoopbackCallback, startCallbackListener } from './callback-listener.js';
import { checkTokenFitsProtocol, decodeAccessTokenClaims } from './claims.js';
import { requireOAuth } from './client-auth.js';
import { pollDeviceAccessToken, requestDeviceAuthorization } from './device-code.js';
import { analyseScope, resourceAudience } from './scopes.js';
import type { AccessToken, TokenManager } from './token-manager.js';

/**
 * Getting a resource from "client id + secret" to status Available: pick the flow the
 * resource and the person's situation allow, run it, and store the grant.
 * - browser + loopback listener: the callback URL is http://localhost or 127.0.0.1;
 * - paste: the guide's https://localhost, where nothing listens: the person copies the
 *   URL the browser was sent to (an error page is fine) back to us;
 * - redirect URL given up front (`--redirect-url`): finishes a consent started earlier,
 *   for scripts;
 * - device code: no browser on this machine;
 * - client credentials: no person at all.
 */
export type ConsentMode = 'auto' | 'paste' | 'device';
/**
 * How a consent came back: the loopback listener, a pasted URL, a given redirect URL, the device code, or none needed.
 */
export type ConsentVia = 'listener' | 'paste' | 'redirect-url' | 'device' | 'client-credentials';

/** How `authorize` talks to the person consenting. */
export interface ConsentIO {
  /** Tell the person something (the URL to open, the device code message). */
  print(text: string): void;
  /** Paste mode: one line with the redirected URL; undefined when there is none (EOF). */
  readRedirectUrl?(): Promise<string | undefined>;
  /** Open the authorize URL in a browser, when that makes sense here. */
  openBrowser?(url: string): Promise<void>;
  /** Called with the authorize URL as soon as it exists (tests drive the consent from it). */
  onAuthorizeUrl?(url: string): void;
  /** Called with the device code's user code and page (tests, or a UI showing them big). */
  onDeviceCode?(d: { userCode: string; verificationUri: string; message: string }): void;
  /** The language of the instructions (default English). */
  locale?: Locale;
}

/** The instructions a person follows during a consent, in both languages. */
const m = messages('consent', {
  openListening: { en: 'Open this URL in a browser and sign in (waiting on {redirect}):', ja: 'ブラウザーでこの URL を開いてサインインしてください ({redirect} で応答を待っています):' },
  open: { en: 'Open this URL in a browser and sign in:', ja: 'ブラウザーでこの URL を開いてサインインしてください:' },
  paste: {
    en: 'Then paste here the whole URL the browser was sent to (it starts with {redirect}; an error page there is normal):',
    ja: '次に、ブラウザーがリダイレクトされた先の URL を丸ごとここに貼り付けてください ({redirect} で始まります。そこでエラー ページが表示されるのは正常です):',
  },
  device: {
    en: 'To sign in, open {uri} in a browser on any device and enter the code {code}.',
    ja: 'サインインするには、任意のデバイスのブラウザーで {uri} を開き、コード {code} を入力してください。',
  },
});

/** Options of `authorize`. */
export interface AuthorizeOptions {
  mode?: ConsentMode;
  /** The redirected URL of a consent started earlier. */
  redirectUrl?: string;
  /** How long the loopback listener waits (default 5 min). */
  timeoutMs?: number;
  io: ConsentIO;
}

/** What a finished consent gave: the status, the token audience and expiry, and warnings. */
export interface AuthorizeResult {
  resource: string;
  flow: OAuthFlow;
  via: ConsentVia;
  status: RefreshTokenStatus;
  audience: string;
  expiresAt: number;
  scope?: string;
  warnings: string[];
}

/**
 * Runs the whole consent for resource `name` as `mailbridge auth` does: loopback listener, pasted redirect URL, device
 * code or client credentials, by the resource's flow and `opts.mode`; stores the refresh token through `manager`.
 *
 * @throws `AuthError` when the sign-in is refused, times out or the state does not match
 * @throws `ConfigError` when the resource is missing or does not use OAuth 2.0
 */
export async function authorize(manager: TokenManager, name: string, opts: AuthorizeOptions): Promise<AuthorizeResult> {
  const resource = await manager.resource(name);
  const oauth = requireOAuth(resource);
  const mode = opts.mode ?? 'auto';
  const deps = manager.endpointDeps(name);
  const audience = resourceAudience(resource);

  if (oauth.flow === 'client_credentials') {
    const t = await manager.getAccessToken(name, { forceRefresh: true, retryBlocked: true });
    return finish(manager, name, 'client_credentials', 'client-credentials', t);
  }

  const useDevice = mode === 'device' || (mode === 'auto' && oauth.flow === 'device_code' && !opts.redirectUrl);
  if (useDevice && resource.preset === 'gmail') throw gmailFlowUnsupported('device_code', name);
  if (useDevice) {
    const device = await requestDeviceAuthorization(resource, deps);
    // Microsoft's own message is English whatever the reader's language; in Japanese say the same in Japanese.
    const locale = opts.io.locale ?? 'en';
    opts.io.print(locale === 'en' ? device.message : say(m.device, locale, { uri: device.verificationUri, code: device.userCode }));
    opts.io.onDeviceCode?.({ userCode: device.userCode, verificationUri: device.verificationUri, message: device.message });
    const response = await pollDeviceAccessToken(resource, manager.store, device, deps);
    const t = await manager.recordGrant(name, response, audience);
    await recordFlow(manager, name, 'device_code');
    return finish(manager, name, 'device_code', 'device', t);
  }

  let params: AuthorizationResponseParams;
  let via: ConsentVia;
  if (opts.redirectUrl) {
    params = parseAuthorizationResponse(opts.redirectUrl);
    via = 'redirect-url';
  } else if (mode !== 'paste' && isLoopbackCallback(oauth.callbackUrl)) {
    const listener = await startCallbackListener(oauth.callbackUrl, {
      ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}), ...(deps.logger ? { logger: deps.logger } : {}),
    });
    try {
      const req = await buildAuthorizationRequest(resource, manager.store, { redirectUri: listener.redirectUri, now: () => manager.now() });
      opts.io.print(`${say(m.openListening, opts.io.locale ?? 'en', { redirect: listener.redirectUri })}\n${req.url}`);
      opts.io.onAuthorizeUrl?.(req.url);
      await opts.io.openBrowser?.(req.url);
      params = parseAuthorizationResponse(await listener.result);
    } finally {
      await listener.close();
    }
    via = 'listener';
  } else {
    const req = await buildAuthorizationRequest(resource, manager.store, { now: () => manager.now() });
    const locale = opts.io.locale ?? 'en';
    opts.io.print(`${say(m.open, locale)}\n${req.url}\n${say(m.paste, locale, { redirect: req.redirectUri })}`);
    opts.io.onAuthorizeUrl?.(req.url);
    await opts.io.openBrowser?.(req.url);
    const line = await opts.io.readRedirectUrl?.();
    if (!line || line.trim().length === 0) {
      throw new AuthError({ code: 'CONSENT_PENDING', message: 'no redirected URL was pasted; the consent stays open for 10 minutes',
        hint: `finish it with \`mailbridge auth ${name} --redirect-url '<the redirected URL>'\`` });
    }
    params = parseAuthorizationResponse(line);
    via = 'paste';
  }
  const grant = await processAuthorizationResponse(name, manager.store, params, () => manager.now());
  const { response } = await exchangeAuthorizationCode(resource, manager.store, grant, deps);
  const t = await manager.recordGrant(name, response, audience);
  await recordFlow(manager, name, 'authorization_code');
  return finish(manager, name, 'authorization_code', via, t);
}

/**
 * The resource's flow says how its grant was obtained (`token status`, `resource show`) and
 * which way the next plain `mailbridge auth` goes: after `auth --device` it is device_code.
 */
async function recordFlow(manager: TokenManager, name: string, flow: 'authorization_code' | 'device_code'): Promise<void> {
  const current = await manager.store.getResource(name);
  if (!current?.oauth || current.oauth.flow === flow) return;
  await manager.store.putResource({ ...current, oauth: { ...current.oauth, flow } });
}

async function finish(
  manager: TokenManager, name: string, flow: OAuthFlow, via: ConsentVia,
  t: AccessToken,
): Promise<AuthorizeResult> {
  const resource = await manager.resource(name);
  const state = await manager.store.getTokenState(name);
  const fit = checkTokenFitsProtocol(decodeAccessTokenClaims(t.token), resource.kind, resource.user);
  const warnings = [
    ...(flow === 'client_credentials' ? [] : analyseScope(requireOAuth(resource).scope).warnings),
    ...fit.problems, ...fit.warnings,
  ];
  return {
    resource: name, flow, via, status: state?.status ?? 'Missing', audience: t.audience, expiresAt: t.expiresAt,
    ...(t.scope ? { scope: t.scope } : {}), warnings,
  };
}
