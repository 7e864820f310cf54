import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { decodeAccessTokenClaims } from '../../src/auth/claims.js';
import { requestDeviceAuthorization } from '../../src/auth/device-code.js';
import { OUTLOOK_RESOURCE } from '../../src/auth/scopes.js';
import { defaultSeed } from '@mailbridge/sandbox';
import { AuthError } from '../../src/errors.js';
import { SANDBOX, signIn, startAuthTestEnv, type AuthTestEnv } from './support.js';

let env: AuthTestEnv;
let shortLived: AuthTestEnv;
const device = { flow: 'device_code' as const, clientId: SANDBOX.publicClientId, clientAuth: 'none' as const };

before(async () => {
  env = await startAuthTestEnv();
  const seed = defaultSeed();
  seed.options.deviceCodeExpiresInSeconds = 2;
  shortLived = await startAuthTestEnv({ seed });
});
after(async () => { await Promise.all([env.close(), shortLived.close()]); });

test('device authorization request: user code, verification URI, message, interval', async () => {
  const r = await env.addResource({ name: 'dev-req', kind: 'imap', ...device }, null);
  const d = await requestDeviceAuthorization(r);
  assert.match(d.userCode, /^[A-Z0-9]{6,}$/);
  assert.equal(d.verificationUri, `${env.emulator.url}/devicelogin`);
  assert.match(d.message, new RegExp(d.userCode));
  assert.equal(d.intervalS, 1);
  assert.equal(String(d.deviceCode), '***');
});

test('device code flow (public client): the person signs in elsewhere, we poll, status Available', async () => {
  await env.addResource({ name: 'dev-imap', kind: 'imap', ...device }, null);
  const before = env.emulator.stats().tokenRequestsByGrant['urn:ietf:params:oauth:grant-type:device_code'] ?? 0;
  const result = await signIn(env, 'dev-imap', { mode: 'device' });
  assert.equal(result.via, 'device');
  assert.equal(result.status, 'Available');
  const polls = (env.emulator.stats().tokenRequestsByGrant['urn:ietf:params:oauth:grant-type:device_code'] ?? 0) - before;
  assert.ok(polls >= 1 && polls <= 10, `polled at the server's interval (${polls} polls)`);
  const claims = decodeAccessTokenClaims((await env.manager().getAccessToken('dev-imap')).token);
  assert.equal(claims.aud, OUTLOOK_RESOURCE);
  assert.ok(claims.scp.includes('IMAP.AccessAsUser.All'));
  // The device-code refresh token refreshes like any other.
  await env.manager().getAccessToken('dev-imap', { forceRefresh: true });
});

test('the person declines on the device login page: a typed error, nothing stored', async () => {
  await env.addResource({ name: 'dev-decline', kind: 'imap', ...device }, null);
  await assert.rejects(signIn(env, 'dev-decline', { mode: 'device', username: SANDBOX.bob, accept: false }),
    (e: unknown) => e instanceof AuthError && e.code === 'DEVICE_AUTHORIZATION_DECLINED' && /--device/.test(e.hint));
  assert.equal((await env.manager().status('dev-decline')).status, 'Missing');
});

test('nobody signs in before the code expires: DEVICE_CODE_EXPIRED', async () => {
  await shortLived.addResource({ name: 'dev-late', kind: 'imap', ...device }, null);
  const { authorize } = await import('../../src/auth/consent.js');
  await assert.rejects(authorize(shortLived.manager(), 'dev-late', { mode: 'device', io: { print: () => undefined } }),
    (e: unknown) => e instanceof AuthError && e.code === 'DEVICE_CODE_EXPIRED');
});
