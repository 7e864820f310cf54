import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { completeConsent, completeDeviceLogin } from '../helpers/consent.js';
import { defaultSeed, SANDBOX, startIdentityEmulator, type IdentityEmulator } from '@mailbridge/sandbox';
import { m365Body, startService, type Service } from './support.js';

let svc: Service;
let emulator: IdentityEmulator;
const alice = { username: SANDBOX.alice, password: SANDBOX.password };

before(async () => {
  const seed = defaultSeed();
  emulator = await startIdentityEmulator({ seed: { ...seed, options: { ...seed.options, deviceCodeIntervalSeconds: 1 } } });
  svc = await startService();
  await svc.listen();
});
after(async () => {
  await svc?.close();
  await emulator?.close();
});

async function addResource(name: string, extra: Partial<Parameters<typeof m365Body>[1]> = {}): Promise<void> {
  const res = await svc.api('POST', '/api/resources', m365Body(name, {
    kind: 'imap', authorityUrl: emulator.url, tenantId: SANDBOX.tenantId, clientId: SANDBOX.confidentialClientId,
    clientSecret: SANDBOX.clientSecret, user: SANDBOX.alice, ...extra,
  }));
  assert.equal(res.status, 201, res.text);
}

test('consent start: the authorize URL carries PKCE S256, a fresh state and the service\'s own loopback redirect URI', async () => {
  await addResource('c-start');
  const a = await svc.api('POST', '/api/resources/c-start/consent');
  const b = await svc.api('POST', '/api/resources/c-start/consent');
  assert.equal(a.status, 200, a.text);
  const url = new URL(a.json.authorizeUrl);
  assert.equal(url.origin, emulator.url);
  assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
  assert.match(url.searchParams.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
  assert.equal(url.searchParams.get('redirect_uri'), `${svc.base}/`);
  assert.equal(a.json.completion, 'callback');
  assert.notEqual(a.json.state, b.json.state);
  const redirect = await svc.server.app.inject({ method: 'POST', url: '/api/resources/c-start/consent?redirect=true', headers: { authorization: `Bearer ${svc.key}` } });
  assert.equal(redirect.statusCode, 303);
  assert.match(redirect.headers.location as string, new RegExp(`^${emulator.url}/`));
  assert.equal((await svc.api('POST', '/api/resources/nope/consent')).status, 404);
});

test('over real HTTP: sign in and consent at the emulator, the browser comes back to the callback, the status is Available', async () => {
  await addResource('c-flow');
  const start = await svc.api('POST', '/api/resources/c-flow/consent');
  const back = await completeConsent(start.json.authorizeUrl, alice);
  assert.equal(`${back.origin}${back.pathname}`, `${svc.base}/`);
  const res = await fetch(back, { headers: { accept: 'text/html' } });
  assert.equal(res.status, 200);
  assert.match(await res.text(), /refresh token status <strong>Available<\/strong>/);
  const status = await svc.api('GET', '/api/resources/c-flow/token');
  assert.equal(status.json.status, 'Available');
  assert.equal(status.json.accessTokens[0].audience, 'https://outlook.office365.com');
  assert.ok(!status.text.includes('eyJ'), 'no token in the status');
  // The same answer again: the state was used once and is refused now.
  const replay = await fetch(back);
  assert.equal(replay.status, 400);
  assert.equal(((await replay.json()) as { error: { code: string } }).error.code, 'STATE_UNKNOWN');
});

test('a foreign state on /oauth/callback is refused before anything is exchanged', async () => {
  await addResource('c-foreign');
  const start = await svc.api('POST', '/api/resources/c-foreign/consent');
  const back = await completeConsent(start.json.authorizeUrl, alice);
  const code = back.searchParams.get('code')!;
  const before = emulator.stats();
  for (const state of ['attacker-state', '', start.json.state.slice(0, -1)]) {
    const res = await fetch(`${svc.base}/oauth/callback?code=${encodeURIComponent(code)}&state=${encodeURIComponent(state)}`);
    assert.equal(res.status, 400, state);
    const body = (await res.json()) as { error: { code: string; hint: string } };
    assert.match(body.error.code, /^STATE_/);
    assert.ok(body.error.hint.length > 0);
  }
  assert.deepEqual(emulator.stats(), before, 'the token endpoint was not called');
  assert.equal((await svc.api('GET', '/api/resources/c-foreign/token')).json.status, 'Missing');
  // The genuine answer still works afterwards.
  const ok = await fetch(back);
  assert.equal(ok.status, 200);
  assert.equal((await svc.api('GET', '/api/resources/c-foreign/token')).json.status, 'Available');
});

test('a path redirect URI must be registered (exact path match); once it is, form_post to /oauth/callback finishes the consent', async () => {
  await addResource('c-form', { responseMode: 'form_post', callbackUrl: 'http://127.0.0.1/oauth/callback' });
  const start = await svc.api('POST', '/api/resources/c-form/consent');
  assert.equal(new URL(start.json.authorizeUrl).searchParams.get('response_mode'), 'form_post');
  assert.equal(start.json.redirectUri, `${svc.base}/oauth/callback`);
  // The default app registers http://127.0.0.1 (root path) only: the emulator refuses the path, as Microsoft does.
  await assert.rejects(completeConsent(start.json.authorizeUrl, alice), /AADSTS50011/);
  const app = emulator.admin.listApps().find((a) => a.clientId === SANDBOX.confidentialClientId)!;
  emulator.admin.upsertApp({ ...app, redirectUris: [...app.redirectUris, 'http://127.0.0.1/oauth/callback'] });
  const again = await svc.api('POST', '/api/resources/c-form/consent');
  const back = await completeConsent(again.json.authorizeUrl, alice);
  assert.equal(back.pathname, '/oauth/callback');
  const res = await fetch(`${back.origin}${back.pathname}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: back.searchParams });
  assert.equal(res.status, 200);
  assert.equal((await svc.api('GET', '/api/resources/c-form/token')).json.status, 'Available');
});

test('form_post on the root redirect URI (the default app registration)', async () => {
  await addResource('c-form-root', { responseMode: 'form_post' });
  const start = await svc.api('POST', '/api/resources/c-form-root/consent');
  const back = await completeConsent(start.json.authorizeUrl, alice);
  const res = await fetch(`${back.origin}${back.pathname}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: back.searchParams });
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal((await svc.api('GET', '/api/resources/c-form-root/token')).json.status, 'Available');
});

test('a cancelled consent comes back as a typed error and leaves the status Missing', async () => {
  await addResource('c-cancel');
  const start = await svc.api('POST', '/api/resources/c-cancel/consent');
  // Bob has not consented yet (alice's consent is remembered by now), so he sees the consent page.
  const back = await completeConsent(start.json.authorizeUrl, { username: SANDBOX.bob, password: SANDBOX.password }, { accept: false });
  assert.equal(back.searchParams.get('error'), 'access_denied', back.toString());
  const res = await fetch(back);
  const body = (await res.json()) as { error: { code: string; message: string } };
  assert.equal(res.status, 400, JSON.stringify(body));
  assert.match(`${body.error.code} ${body.error.message}`, /DENIED|refused|access_denied/i);
  assert.equal((await svc.api('GET', '/api/resources/c-cancel/token')).json.status, 'Missing');
});

test('a callback URL the service cannot answer (https://localhost) switches to paste: finish with the redirected URL', async () => {
  await addResource('c-paste', { callbackUrl: 'https://localhost' });
  const start = await svc.api('POST', '/api/resources/c-paste/consent');
  assert.equal(start.json.completion, 'paste');
  assert.equal(start.json.redirectUri, 'https://localhost');
  const back = await completeConsent(start.json.authorizeUrl, alice);
  const wrong = await svc.api('POST', '/api/resources/c-start/consent/finish', { redirectUrl: back.toString() });
  assert.equal(wrong.status, 400);
  assert.equal(wrong.json.error.code, 'STATE_OTHER_RESOURCE');
  const done = await svc.api('POST', '/api/resources/c-paste/consent/finish', { redirectUrl: back.toString() });
  assert.equal(done.status, 200, done.text);
  assert.equal(done.json.status.status, 'Available');
});

test('device code: start, the person signs in on the verification page, the poll ends Available', async () => {
  const res = await svc.api('POST', '/api/resources', { ...m365Body('c-device', { kind: 'imap', authorityUrl: emulator.url, tenantId: SANDBOX.tenantId,
    clientId: SANDBOX.publicClientId, clientSecret: '', user: SANDBOX.alice }), clientSecret: undefined, flow: 'device_code' });
  assert.equal(res.status, 201, res.text);
  const start = await svc.api('POST', '/api/resources/c-device/device-code');
  assert.equal(start.status, 200, start.text);
  assert.equal(start.json.state, 'pending');
  assert.match(start.json.userCode, /\S+/);
  assert.ok(!start.text.includes('deviceCode'), 'the device code itself stays in the service');
  await completeDeviceLogin(start.json.verificationUri, start.json.userCode, alice);
  let view = start.json;
  for (let i = 0; i < 100 && view.state === 'pending'; i++) {
    await new Promise((r) => setTimeout(r, 100));
    view = (await svc.api('GET', `/api/device-codes/${start.json.id}`)).json;
  }
  assert.equal(view.state, 'done', JSON.stringify(view));
  assert.equal(view.status, 'Available');
  assert.equal((await svc.api('GET', '/api/device-codes/unknown')).status, 404);
  const browserConsent = await svc.api('POST', '/api/resources/c-device/consent');
  assert.equal(browserConsent.status, 400);
  assert.equal(browserConsent.json.error.code, 'CONSENT_FLOW_MISMATCH');
});

test('refresh gives expiry but never the token; revoke forgets the tokens (status Missing) and refresh then says how to fix it', async () => {
  await addResource('c-tokens');
  const start = await svc.api('POST', '/api/resources/c-tokens/consent');
  await fetch(await completeConsent(start.json.authorizeUrl, alice));
  const refreshed = await svc.api('POST', '/api/resources/c-tokens/token/refresh');
  assert.equal(refreshed.status, 200, refreshed.text);
  assert.equal(refreshed.json.status, 'Available');
  assert.ok(Date.parse(refreshed.json.expiresAt) > Date.now());
  assert.ok(!refreshed.text.includes('eyJ'));
  const revoked = await svc.api('DELETE', '/api/resources/c-tokens/token');
  assert.equal(revoked.json.status, 'Missing');
  assert.equal((await svc.api('GET', '/api/resources/c-tokens/token')).json.status, 'Missing');
  const after = await svc.api('POST', '/api/resources/c-tokens/token/refresh');
  assert.equal(after.status, 409);
  assert.equal(after.json.error.code, 'REFRESH_TOKEN_MISSING');
  assert.match(after.json.error.hint, /auth c-tokens/);
});
