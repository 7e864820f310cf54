import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  buildAuthorizationRequest, exchangeAuthorizationCode, parseAuthorizationResponse, processAuthorizationResponse,
} from '../../src/auth/authorization-code.js';
import { decodeAccessTokenClaims } from '../../src/auth/claims.js';
import { s256Challenge } from '../../src/auth/pkce.js';
import { OUTLOOK_RESOURCE } from '../../src/auth/scopes.js';
import { AuthError } from '../../src/errors.js';
import { Secret } from '../../src/secret.js';
import { completeConsent } from '../helpers/consent.js';
import { SANDBOX, signIn, startAuthTestEnv, type AuthTestEnv } from './support.js';

const alice = { username: SANDBOX.alice, password: SANDBOX.password };
let env: AuthTestEnv;
// One clock for the emulator, the store and the managers, so a test can move time.
let clockOffset = 0;
const now = (): number => Date.now() + clockOffset;

before(async () => { env = await startAuthTestEnv({ now }); });
after(async () => { await env.close(); });

const refusedWith = (code: string, re?: RegExp) => (e: unknown): boolean => {
  assert.ok(e instanceof AuthError, `expected AuthError, got ${String(e)}`);
  assert.equal(e.code, code);
  if (re) assert.match(e.message, re);
  assert.ok(e.hint.length > 0);
  return true;
};

test('v2 authorization request: scope with offline_access, PKCE S256, state, response_mode; consent stored', async () => {
  const r = await env.addResource({ name: 'req-v2', kind: 'imap' });
  const req = await buildAuthorizationRequest(r, env.store, { now });
  const q = new URL(req.url).searchParams;
  assert.equal(q.get('client_id'), SANDBOX.confidentialClientId);
  assert.equal(q.get('response_type'), 'code');
  assert.equal(q.get('redirect_uri'), 'https://localhost');
  assert.equal(q.get('response_mode'), 'query');
  assert.match(q.get('scope') ?? '', /https:\/\/outlook\.office365\.com\/IMAP\.AccessAsUser\.All/);
  assert.match(q.get('scope') ?? '', /offline_access/);
  assert.equal(q.get('resource'), null);
  assert.equal(q.get('code_challenge_method'), 'S256');
  assert.equal(q.get('state'), req.state);
  const pending = await env.store.takePendingConsent(req.state);
  assert.ok(pending?.codeVerifier);
  assert.equal(q.get('code_challenge'), s256Challenge(pending.codeVerifier.reveal()));
  assert.equal(pending.expiresAt - pending.createdAt, 10 * 60_000);
});

test('v1 authorize URL: resource instead of scope', async () => {
  const r = await env.addResource({ name: 'req-v1', kind: 'ews', ewsV1: true });
  const q = new URL((await buildAuthorizationRequest(r, env.store, { now })).url).searchParams;
  assert.equal(q.get('resource'), OUTLOOK_RESOURCE);
  assert.equal(q.get('scope'), null);
});

test('a fixed state keeps its value as prefix and gets a nonce per consent', async () => {
  const r = await env.addResource({ name: 'req-fixed', kind: 'imap', state: 'guide-state' });
  const a = await buildAuthorizationRequest(r, env.store, { now });
  const b = await buildAuthorizationRequest(r, env.store, { now });
  assert.match(a.state, /^guide-state\.[A-Za-z0-9_-]{22}$/);
  assert.notEqual(a.state, b.state);
});

test('pasted redirect URL: whole URL, query only, or junk', () => {
  assert.deepEqual(parseAuthorizationResponse(' https://localhost/?code=abc&state=s1 '), { code: 'abc', state: 's1' });
  assert.deepEqual(parseAuthorizationResponse('code=abc&state=s1'), { code: 'abc', state: 's1' });
  assert.equal(parseAuthorizationResponse('https://localhost/?error=access_denied&state=s&error_description=x').error, 'access_denied');
  assert.throws(() => parseAuthorizationResponse('https://localhost/'), refusedWith('REDIRECT_URL_INVALID'));
});

test('auth code v2 by paste: sign in, consent, status Available, Outlook token with IMAP scope', async () => {
  await env.addResource({ name: 'paste-imap', kind: 'imap' });
  const result = await signIn(env, 'paste-imap', { mode: 'paste' });
  assert.equal(result.status, 'Available');
  assert.equal(result.via, 'paste');
  const state = await env.store.getTokenState('paste-imap');
  assert.ok(state?.refreshToken);
  const t = await env.manager().getAccessToken('paste-imap');
  const claims = decodeAccessTokenClaims(t.token);
  assert.equal(claims.aud, OUTLOOK_RESOURCE);
  assert.ok(claims.scp.includes('IMAP.AccessAsUser.All'));
  assert.equal(claims.user, SANDBOX.alice);
});

test('auth code by the loopback listener, query and form_post', async () => {
  await env.addResource({ name: 'loop-query', kind: 'smtp', callbackUrl: 'http://localhost' });
  const q = await signIn(env, 'loop-query', { mode: 'listener' });
  assert.equal(q.via, 'listener');
  assert.equal(q.status, 'Available');
  await env.addResource({ name: 'loop-form', kind: 'pop3', callbackUrl: 'http://127.0.0.1', responseMode: 'form_post' });
  const f = await signIn(env, 'loop-form', { mode: 'listener' });
  assert.equal(f.via, 'listener');
  assert.equal(f.status, 'Available');
  assert.ok(decodeAccessTokenClaims((await env.manager().getAccessToken('loop-form')).token).scp.includes('POP.AccessAsUser.All'));
});

test("the guide's Exchange resource: v1 authorize URL + v2 token URL gives an EWS token", async () => {
  await env.addResource({ name: 'ews-v1', kind: 'ews', ewsV1: true, mailHost: 'https://127.0.0.1' });
  const result = await signIn(env, 'ews-v1');
  assert.equal(result.status, 'Available');
  assert.equal(result.audience, OUTLOOK_RESOURCE);
  const claims = decodeAccessTokenClaims((await env.manager().getAccessToken('ews-v1')).token);
  assert.ok(claims.scp.includes('EWS.AccessAsUser.All'));
});

test('v1 authorize and v1 token endpoints: resource on both, v1 response parsed', async () => {
  const tokenUrl = `${env.emulator.url}/${SANDBOX.tenantId}/oauth2/token`;
  await env.addResource({ name: 'all-v1', kind: 'ews', ewsV1: true, tokenUrl, resource: OUTLOOK_RESOURCE, mailHost: 'https://127.0.0.1' });
  const result = await signIn(env, 'all-v1');
  assert.equal(result.status, 'Available');
  assert.ok(result.expiresAt > now() + 30 * 60_000, 'expires_on read from the v1 strings');
  // And a refresh through the v1 token endpoint.
  const t = await env.manager().getAccessToken('all-v1', { forceRefresh: true });
  assert.equal(decodeAccessTokenClaims(t.token).aud, OUTLOOK_RESOURCE);
});

test('wrong, reused and expired states are refused', async () => {
  const r = await env.addResource({ name: 'states', kind: 'imap' });
  // wrong
  await assert.rejects(processAuthorizationResponse('states', env.store, { code: 'x', state: 'forged' }, now),
    refusedWith('STATE_UNKNOWN', /expired/));
  // reused: the first use takes the consent, the same URL again is refused
  const req = await buildAuthorizationRequest(r, env.store, { now });
  const redirected = await completeConsent(req.url, alice);
  const params = parseAuthorizationResponse(redirected.toString());
  const grant = await processAuthorizationResponse('states', env.store, params, now);
  await exchangeAuthorizationCode(r, env.store, grant, env.manager().endpointDeps('states'));
  await assert.rejects(processAuthorizationResponse('states', env.store, params, now), refusedWith('STATE_UNKNOWN'));
  // expired: more than 10 minutes between the request and the answer
  const late = await buildAuthorizationRequest(r, env.store, { now });
  const lateUrl = await completeConsent(late.url, alice);
  clockOffset += 11 * 60_000;
  try {
    await assert.rejects(processAuthorizationResponse('states', env.store, parseAuthorizationResponse(lateUrl.toString()), now),
      (e: unknown) => e instanceof AuthError && ['STATE_UNKNOWN', 'STATE_EXPIRED'].includes(e.code));
  } finally {
    clockOffset -= 11 * 60_000;
  }
  // another resource's consent
  const other = await buildAuthorizationRequest(r, env.store, { now });
  await assert.rejects(processAuthorizationResponse('paste-imap', env.store, { code: 'x', state: other.state }, now),
    refusedWith('STATE_OTHER_RESOURCE'));
});

test('a code redeemed with the wrong PKCE verifier is refused by the token endpoint', async () => {
  const r = await env.addResource({ name: 'pkce', kind: 'imap' });
  const req = await buildAuthorizationRequest(r, env.store, { now });
  const grant = await processAuthorizationResponse('pkce', env.store,
    parseAuthorizationResponse((await completeConsent(req.url, alice)).toString()), now);
  const tampered = { ...grant, consent: { ...grant.consent, codeVerifier: new Secret('x'.repeat(43)) } };
  await assert.rejects(exchangeAuthorizationCode(r, env.store, tampered, env.manager().endpointDeps('pkce')), (e: unknown) => {
    assert.ok(e instanceof AuthError);
    assert.equal(e.details.error, 'invalid_grant');
    return true;
  });
  assert.equal((await env.store.getTokenState('pkce'))?.refreshToken, undefined, 'nothing stored');
});

test('the user cancels the consent: a typed error with the fix, nothing stored', async () => {
  await env.addResource({ name: 'cancel', kind: 'imap' });
  // bob has not consented yet, so he sees the consent page and presses Cancel.
  await assert.rejects(signIn(env, 'cancel', { username: SANDBOX.bob, accept: false }), (e: unknown) => {
    assert.ok(e instanceof AuthError);
    assert.equal(e.code, 'AADSTS65004');
    assert.match(e.hint, /mailbridge auth cancel/);
    return true;
  });
  assert.equal((await env.manager().status('cancel')).status, 'Missing');
});

test('paste mode without a pasted URL keeps the consent open and says how to finish', async () => {
  await env.addResource({ name: 'later', kind: 'imap' });
  const { authorize } = await import('../../src/auth/consent.js');
  let url = '';
  await assert.rejects(authorize(env.manager(), 'later', {
    mode: 'paste', io: { print: () => undefined, onAuthorizeUrl: (u) => { url = u; }, readRedirectUrl: async () => undefined },
  }), refusedWith('CONSENT_PENDING'));
  const redirected = await completeConsent(url, alice);
  const done = await authorize(env.manager(), 'later', { redirectUrl: redirected.toString(), io: { print: () => undefined } });
  assert.equal(done.status, 'Available');
  assert.equal(done.via, 'redirect-url');
});
