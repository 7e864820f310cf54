import { randomBytes } from 'node:crypto';
import { requireOAuth } from '../auth/client-auth.js';
import { pollDeviceAccessToken, requestDeviceAuthorization } from '../auth/device-code.js';
import { resourceAudience } from '../auth/scopes.js';
import type { TokenManager } from '../auth/token-manager.js';
import { ConfigError, isMailbridgeError } from '../errors.js';

export interface DeviceFlowView {
  id: string;
  resource: string;
  userCode: string;
  verificationUri: string;
  message: string;
  expiresAt: number;
  state: 'pending' | 'done' | 'failed';
  /** The refresh token status once done. */
  status?: string;
  error?: { code: string; message: string; hint: string };
}

/**
 * Device code sign-ins in progress (RFC 8628): started by one call, polled by the service in
 * the background at the server's pace, and read by the caller with its id.
 */
export class DeviceFlows {
  readonly #tokens: TokenManager;
  readonly #flows = new Map<string, DeviceFlowView>();
  readonly #abort = new AbortController();

  constructor(tokens: TokenManager) {
    this.#tokens = tokens;
  }

  async start(name: string): Promise<DeviceFlowView> {
    const resource = await this.#tokens.resource(name);
    const oauth = requireOAuth(resource);
    if (oauth.flow === 'client_credentials') {
      throw new ConfigError({ code: 'CONSENT_FLOW_MISMATCH', field: 'oauth.flow', message: `resource ${name} uses client credentials: no person signs in`,
        hint: `get a token with POST /api/resources/${name}/token/refresh` });
    }
    const deps = this.#tokens.endpointDeps(name);
    const device = await requestDeviceAuthorization(resource, deps);
    const view: DeviceFlowView = {
      id: randomBytes(12).toString('base64url'), resource: name, userCode: device.userCode, verificationUri: device.verificationUri,
      message: device.message, expiresAt: device.expiresAt, state: 'pending',
    };
    this.#flows.set(view.id, view);
    void pollDeviceAccessToken(resource, this.#tokens.store, device, { ...deps, signal: this.#abort.signal })
      .then((response) => this.#tokens.recordGrant(name, response, resourceAudience(resource)))
      .then(async () => {
        view.state = 'done';
        view.status = (await this.#tokens.status(name)).status;
      })
      .catch((e: unknown) => {
        view.state = 'failed';
        view.error = isMailbridgeError(e)
          ? { code: e.code, message: e.message, hint: e.hint }
          : { code: 'DEVICE_CODE_FAILED', message: e instanceof Error ? e.message : String(e), hint: 'start the device code sign-in again' };
      });
    return { ...view };
  }

  get(id: string): DeviceFlowView {
    const v = this.#flows.get(id);
    if (!v) {
      throw new ConfigError({ code: 'DEVICE_FLOW_NOT_FOUND', field: 'id', message: `no device code sign-in with id ${id}`,
        hint: 'start one with POST /api/resources/NAME/device-code' });
    }
    return { ...v };
  }

  /** Stops every poll (service shutdown). */
  close(): void {
    this.#abort.abort();
  }
}
