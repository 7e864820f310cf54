import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { decodeAccessTokenClaims } from '../../src/auth/claims.js';
import { requestClientCredentialsToken } from '../../src/auth/client-credentials.js';
import { GRAPH_RESOURCE, OUTLOOK_RESOURCE } from '../../src/auth/scopes.js';
import { AuthError } from '../../src/errors.js';
import { startAuthTestEnv, type AuthTestEnv } from './support.js';

let env: AuthTestEnv;
before(async () => { env = await startAuthTestEnv(); });
after(async () => { await env.close(); });

test('client credentials: an app-only Outlook token with roles, status Available, no refresh token', async () => {
  await env.addResource({ name: 'app-imap', kind: 'imap', flow: 'client_credentials', user: 'bob@contoso.onmicrosoft.com' });
  const m = env.manager();
  assert.equal((await m.status('app-imap')).status, 'Missing');
  const t = await m.getAccessToken('app-imap');
  assert.equal(t.audience, OUTLOOK_RESOURCE);
  const claims = decodeAccessTokenClaims(t.token);
  assert.equal(claims.aud, OUTLOOK_RESOURCE);
  assert.ok(claims.roles.includes('IMAP.AccessAsApp'));
  assert.deepEqual(claims.scp, []);
  const report = await m.status('app-imap');
  assert.equal(report.status, 'Available');
  assert.equal((await env.store.getTokenState('app-imap'))?.refreshToken, undefined);
  // Cached: a second call makes no token request.
  const before = env.emulator.stats().tokenRequests;
  await m.getAccessToken('app-imap');
  assert.equal(env.emulator.stats().tokenRequests, before);
});

test('client credentials asks for {resource}/.default of the audience asked', async () => {
  const r = await env.addResource({ name: 'app-graph', kind: 'graph', flow: 'client_credentials' });
  const t = await requestClientCredentialsToken(r, env.store, GRAPH_RESOURCE, { logger: env.logger });
  const claims = decodeAccessTokenClaims(t.accessToken);
  assert.equal(claims.aud, GRAPH_RESOURCE);
  assert.ok(claims.roles.includes('Mail.ReadWrite'));
  assert.equal(t.refreshToken, undefined);
});

test('a wrong client secret: InvalidClient with the secret-Value hint, then fail fast until fixed', async () => {
  await env.addResource({ name: 'app-bad', kind: 'smtp', flow: 'client_credentials' }, 'not-the-secret');
  const m = env.manager();
  await assert.rejects(m.getAccessToken('app-bad'), (e: unknown) => {
    assert.ok(e instanceof AuthError);
    assert.equal(e.code, 'AADSTS7000215');
    assert.match(e.hint, /Value/);
    assert.ok(typeof e.details.traceId === 'string' && typeof e.details.correlationId === 'string', 'trace and correlation ids kept');
    return true;
  });
  const report = await m.status('app-bad');
  assert.equal(report.status, 'InvalidClient');
  assert.equal(report.code, 'AADSTS7000215');
  const count = env.emulator.stats().tokenRequests;
  await assert.rejects(m.getAccessToken('app-bad'), (e: unknown) => e instanceof AuthError && e.code === 'REFRESH_TOKEN_INVALID_CLIENT');
  assert.equal(env.emulator.stats().tokenRequests, count, 'no request while the status says the client is invalid');
});
