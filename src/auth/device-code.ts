import { setTimeout as sleepMs } from 'node:timers/promises';
import { z } from 'zod';
import type { Resource } from '../config/resource.js';
import { AuthError } from '../errors.js';
import { Secret } from '../secret.js';
import type { ResourceStore } from '../store/store.js';
import { networkOf } from './network.js';
import { clientAuthenticationParams, requireOAuth } from './client-auth.js';
import { resourceAudience, withOfflineAccess } from './scopes.js';
import {
  isV1Endpoint, parseTokenResponse, postForm, TokenEndpointError, type TokenEndpointDeps, type TokenResponse,
} from './token-endpoint.js';

/**
 * RFC 8628, the device authorization grant, for machines without a browser: ask for a
 * user code, show it, and poll the token endpoint at the pace the server sets.
 */
export const DEVICE_CODE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';

/** The device authorization response (RFC 8628 §3.2): what to show the user, and the code to poll with. */
export interface DeviceAuthorization {
  deviceCode: Secret;
  userCode: string;
  verificationUri: string;
  /** Microsoft's ready-made sentence for the user. */
  message: string;
  /** ms since epoch. */
  expiresAt: number;
  /** Seconds between polls (RFC 8628 §3.2, default 5). */
  intervalS: number;
}

const numeric = z.union([z.number(), z.string().regex(/^\d+$/).transform(Number)]);
const deviceAuthorizationSchema = z.object({
  device_code: z.string().min(1),
  user_code: z.string().min(1),
  verification_uri: z.string().optional(),
  /** v1's spelling. */
  verification_url: z.string().optional(),
  expires_in: numeric.default(900),
  interval: numeric.default(5),
  message: z.string().optional(),
});

/** The device authorization endpoint: explicit, or the token URL's sibling `…/devicecode`. */
export function deviceCodeUrlOf(oauth: { deviceCodeUrl?: string | undefined; tokenUrl: string }): string {
  return oauth.deviceCodeUrl ?? oauth.tokenUrl.replace(/\/token\/?$/, '/devicecode');
}

/**
 * RFC 8628 §3.1-3.2: the device authorization request.
 * @throws AuthError `DEVICE_CODE_RESPONSE_INVALID` on an unreadable answer; TokenEndpointError when the endpoint
 * refuses or cannot be reached.
 */
export async function requestDeviceAuthorization(
  resource: Resource, deps: TokenEndpointDeps = {},
): Promise<DeviceAuthorization> {
  const oauth = requireOAuth(resource);
  const url = deviceCodeUrlOf(oauth);
  const target: Record<string, string> = isV1Endpoint(url)
    ? { resource: resourceAudience(resource) } : { scope: withOfflineAccess(oauth.scope) };
  const json = await postForm(url, { client_id: oauth.clientId, ...target }, { resourceName: resource.name, ...networkOf(resource), ...deps });
  const parsed = deviceAuthorizationSchema.safeParse(json);
  const verificationUri = parsed.success ? (parsed.data.verification_uri ?? parsed.data.verification_url) : undefined;
  if (!parsed.success || !verificationUri) {
    throw new AuthError({ code: 'DEVICE_CODE_RESPONSE_INVALID', message: 'the device code endpoint answered without a user code or verification URI',
      hint: 'check oauth.deviceCodeUrl (…/oauth2/v2.0/devicecode)' });
  }
  const d = parsed.data;
  const now = (deps.now ?? Date.now)();
  return {
    deviceCode: new Secret(d.device_code),
    userCode: d.user_code,
    verificationUri,
    message: d.message ?? `To sign in, use a web browser to open the page ${verificationUri} and enter the code ${d.user_code} to authenticate.`,
    expiresAt: now + d.expires_in * 1000,
    intervalS: Math.max(1, d.interval),
  };
}

/**
 * RFC 8628 §3.4-3.5: poll until the user finishes. `authorization_pending` → wait the
 * interval; `slow_down` → add 5 s to it for good; declined / expired → stop with a typed error.
 * @throws AuthError `DEVICE_AUTHORIZATION_DECLINED`; TokenEndpointError when the code expired or the endpoint refuses.
 */
export async function pollDeviceAccessToken(
  resource: Resource, store: Pick<ResourceStore, 'getSecret'>, device: DeviceAuthorization,
  deps: TokenEndpointDeps & { signal?: AbortSignal } = {},
): Promise<TokenResponse> {
  const oauth = requireOAuth(resource);
  const now = deps.now ?? Date.now;
  let intervalS = device.intervalS;
  for (;;) {
    await sleepMs(intervalS * 1000, undefined, deps.signal ? { signal: deps.signal } : undefined);
    if (now() >= device.expiresAt) throw deviceExpired(resource.name);
    const params: Record<string, string> = {
      grant_type: DEVICE_CODE_GRANT_TYPE,
      client_id: oauth.clientId,
      device_code: device.deviceCode.reveal(),
      // v1 polls with `code`, v2 with `device_code`; the other one is ignored.
      ...(isV1Endpoint(oauth.tokenUrl) ? { code: device.deviceCode.reveal(), resource: resourceAudience(resource) } : {}),
      ...(await clientAuthenticationParams(resource, store, oauth.tokenUrl, deps.now)),
    };
    try {
      const json = await postForm(oauth.tokenUrl, params, { resourceName: resource.name, ...networkOf(resource), ...deps });
      return parseTokenResponse(json, now());
    } catch (e) {
      if (!(e instanceof TokenEndpointError)) throw e;
      switch (e.oauthError) {
        case 'authorization_pending': continue;
        case 'slow_down': intervalS += 5; continue;
        case 'authorization_declined':
          throw new AuthError({ code: 'DEVICE_AUTHORIZATION_DECLINED', message: 'the user declined the sign-in on the device login page',
            hint: `run \`mailbridge auth ${resource.name} --device\` again and accept`, details: e.details });
        case 'expired_token':
        case 'code_expired':
          throw deviceExpired(resource.name);
        default: throw e;
      }
    }
  }
}

function deviceExpired(name: string): AuthError {
  return new AuthError({ code: 'DEVICE_CODE_EXPIRED', message: 'the device code expired before the sign-in was finished',
    hint: `run \`mailbridge auth ${name} --device\` again and finish within 15 minutes` });
}
