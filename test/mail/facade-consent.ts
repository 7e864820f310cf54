/**
 * A store holding an imap/pop3/smtp resource that points at the rig, with a refresh token
 * from a real consent at the rig's identity emulator (sign-in page, consent page, code).
 */
import { randomBytes } from 'node:crypto';
import {
  buildAuthorizationRequest, exchangeAuthorizationCode, parseAuthorizationResponse, processAuthorizationResponse,
} from '../../src/auth/authorization-code.js';
import { TokenManager } from '../../src/auth/token-manager.js';
import type { Resource } from '../../src/config/resource.js';
import { applyPreset } from '../../src/config/presets.js';
import { parseResource } from '../../src/config/validate.js';
import { SANDBOX } from '@mailbridge/sandbox';
import { Secret } from '../../src/secret.js';
import { createSealer } from '../../src/store/seal.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { completeConsent } from '../helpers/consent.js';
import type { Rig } from '../helpers/rig.js';

export async function consentedResource(
  rig: Rig, kind: 'imap' | 'pop3' | 'smtp', opts: { store?: Store; name?: string; user?: string } = {},
): Promise<{ store: Store; tokens: TokenManager; resource: Resource }> {
  const store = opts.store ?? openSqliteStore({ path: ':memory:', sealer: createSealer(randomBytes(32)) });
  const user = opts.user ?? SANDBOX.alice;
  const port = kind === 'imap' ? rig.imap.port : kind === 'pop3' ? rig.pop3.port : rig.smtp.submissionPort;
  const resource = parseResource({
    ...applyPreset({
      preset: 'm365', name: opts.name ?? `rig-${kind}`, kind, tenantId: rig.tenantId, clientId: SANDBOX.confidentialClientId,
      user, authorityUrl: rig.emulatorUrl, mailHost: rig.host, port, callbackUrl: 'https://localhost',
    }),
    tls: { caFile: rig.caFile },
  });
  await store.putResource(resource);
  await store.putSecret(resource.name, 'client_secret', new Secret(SANDBOX.clientSecret));
  const tokens = new TokenManager({ store });
  const req = await buildAuthorizationRequest(resource, store);
  const redirect = await completeConsent(req.url, { username: user, password: SANDBOX.password });
  const grant = await processAuthorizationResponse(resource.name, store, parseAuthorizationResponse(redirect.searchParams));
  const { response, audience } = await exchangeAuthorizationCode(resource, store, grant, tokens.endpointDeps(resource.name));
  await tokens.recordGrant(resource.name, response, audience);
  return { store, tokens, resource };
}
