import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { completeConsent } from '../../helpers/consent.js';
import {
  ALICE, BOB, PUBLIC, REDIRECT, SANDBOX, TENANT, WEB, authorizeUrl, claims, pkce, postForm, startIdentityEmulator, tokenUrl,
  type IdentityEmulator,
} from './support.js';

describe('identity emulator: authorize endpoint and pages', () => {
  let em: IdentityEmulator;
  before(async () => {
    em = await startIdentityEmulator();
  });
  after(() => em.close());

  it('completes auth code + PKCE (S256) through the sign-in and consent pages, echoing state', async () => {
    const { verifier, challenge } = pkce();
    const url = await completeConsent(
      authorizeUrl(em, {
        client_id: WEB, response_type: 'code', redirect_uri: REDIRECT, state: 'xyz 1', nonce: 'n-1',
        scope: 'openid offline_access https://outlook.office365.com/IMAP.AccessAsUser.All',
        code_challenge: challenge, code_challenge_method: 'S256',
      }),
      ALICE,
    );
    assert.equal(url.origin + url.pathname, 'http://localhost:53682/');
    assert.equal(url.searchParams.get('state'), 'xyz 1');
    const code = url.searchParams.get('code');
    assert.ok(code);
    const r = await postForm(tokenUrl(em), {
      grant_type: 'authorization_code', client_id: WEB, client_secret: SANDBOX.clientSecret, code, redirect_uri: REDIRECT, code_verifier: verifier,
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(claims(r.body.access_token).aud, 'https://outlook.office365.com');
    assert.equal(claims(r.body.id_token).nonce, 'n-1');
  });

  it('shows the consent page only for permissions not yet consented, and again with prompt=consent', async () => {
    const params = { client_id: WEB, response_type: 'code', redirect_uri: REDIRECT, scope: 'https://outlook.office365.com/POP.AccessAsUser.All' };
    const first = await fetch(authorizeUrl(em, params));
    const signin = await first.text();
    assert.match(signin, /id="username"/);
    const login = /name="login" value="([^"]+)"/.exec(signin)![1]!;
    const consent = await fetch(`${em.url}/_ui/signin`, { method: 'POST', body: new URLSearchParams({ login, username: BOB.username, password: BOB.password }), redirect: 'manual' });
    const consentHtml = await consent.text();
    assert.match(consentHtml, /id="accept"/);
    assert.match(consentHtml, /POP\.AccessAsUser\.All/);
    const done = await fetch(`${em.url}/_ui/consent`, { method: 'POST', body: new URLSearchParams({ login, action: 'accept' }), redirect: 'manual' });
    assert.equal(done.status, 302);
    assert.ok(new URL(done.headers.get('location')!).searchParams.get('code'));

    // Consented now: a new sign-in goes straight back to the client.
    const again = await fetch(authorizeUrl(em, params));
    const login2 = /name="login" value="([^"]+)"/.exec(await again.text())![1]!;
    const direct = await fetch(`${em.url}/_ui/signin`, { method: 'POST', body: new URLSearchParams({ login: login2, ...BOB }), redirect: 'manual' });
    assert.equal(direct.status, 302);

    const forced = await fetch(authorizeUrl(em, { ...params, prompt: 'consent' }));
    const login3 = /name="login" value="([^"]+)"/.exec(await forced.text())![1]!;
    const page = await fetch(`${em.url}/_ui/signin`, { method: 'POST', body: new URLSearchParams({ login: login3, ...BOB }), redirect: 'manual' });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /id="consent-form"/);
  });

  it('shows AADSTS50126 on the sign-in page for a wrong password', async () => {
    await assert.rejects(
      completeConsent(authorizeUrl(em, { client_id: WEB, response_type: 'code', redirect_uri: REDIRECT, scope: 'User.Read' }), { username: ALICE.username, password: 'wrong' }),
      /AADSTS50126: Error validating credentials due to invalid username or password\./,
    );
  });

  it('Cancel on the consent page redirects with access_denied, the description and the state', async () => {
    const url = await completeConsent(
      authorizeUrl(em, { client_id: WEB, response_type: 'code', redirect_uri: REDIRECT, scope: 'Mail.Send.Shared', state: 'st', prompt: 'consent' }),
      ALICE,
      { accept: false },
    );
    assert.equal(url.searchParams.get('error'), 'access_denied');
    assert.match(url.searchParams.get('error_description')!, /^AADSTS65004: User declined to consent to access the app\.\r\nTrace ID: /);
    assert.equal(url.searchParams.get('state'), 'st');
    assert.equal(url.searchParams.get('code'), null);
  });

  it('response_mode=form_post answers an auto-submitting form to the redirect URI', async () => {
    const url = await completeConsent(
      authorizeUrl(em, { client_id: WEB, response_type: 'code', redirect_uri: 'https://localhost', response_mode: 'form_post', scope: 'User.Read', state: 'fp' }),
      ALICE,
    );
    assert.equal(url.origin, 'https://localhost');
    assert.equal(url.searchParams.get('state'), 'fp');
    assert.ok(url.searchParams.get('code'));
  });

  it('ignores the port of a loopback redirect URI but not its path', async () => {
    const ok = await completeConsent(authorizeUrl(em, { client_id: WEB, response_type: 'code', redirect_uri: 'http://127.0.0.1:40000', scope: 'User.Read' }), ALICE);
    assert.equal(ok.host, '127.0.0.1:40000');
    const res = await fetch(authorizeUrl(em, { client_id: WEB, response_type: 'code', redirect_uri: 'http://127.0.0.1:40000/other', scope: 'User.Read' }));
    assert.equal(res.status, 400);
    assert.match(await res.text(), /AADSTS50011: The redirect URI &#39;http:\/\/127\.0\.0\.1:40000\/other&#39; specified in the request does not match/);
  });

  it('shows AADSTS700016 for an unknown client and AADSTS90002 for an unknown tenant', async () => {
    const res = await fetch(authorizeUrl(em, { client_id: '11111111-1111-4111-8111-111111111111', response_type: 'code', redirect_uri: REDIRECT, scope: 'User.Read' }));
    assert.equal(res.status, 400);
    assert.match(await res.text(), /AADSTS700016: Application with identifier &#39;11111111-1111-4111-8111-111111111111&#39; was not found/);
    const t = await fetch(authorizeUrl(em, { client_id: WEB, response_type: 'code', redirect_uri: REDIRECT, scope: 'User.Read' }, 'v2', 'fabrikam.onmicrosoft.com'));
    assert.match(await t.text(), /AADSTS90002: Tenant &#39;fabrikam.onmicrosoft.com&#39; not found/);
  });

  it('accepts the tenant as GUID, domain, common and organizations', async () => {
    for (const tenant of [TENANT, SANDBOX.tenantDomain, 'common', 'organizations']) {
      const url = await completeConsent(authorizeUrl(em, { client_id: WEB, response_type: 'code', redirect_uri: REDIRECT, scope: 'User.Read' }, 'v2', tenant), ALICE);
      assert.ok(url.searchParams.get('code'), tenant);
    }
  });

  it('sends `resource` on v2 back as AADSTS901002, and a bad response_type as unsupported_response_type', async () => {
    const res = await fetch(authorizeUrl(em, { client_id: WEB, response_type: 'code', redirect_uri: REDIRECT, scope: 'User.Read', resource: 'https://outlook.office365.com', state: 'r' }), { redirect: 'manual' });
    assert.equal(res.status, 302);
    const loc = new URL(res.headers.get('location')!);
    assert.equal(loc.searchParams.get('error'), 'invalid_request');
    assert.match(loc.searchParams.get('error_description')!, /^AADSTS901002: The 'resource' request parameter is not supported\./);
    assert.equal(loc.searchParams.get('state'), 'r');
    const bad = await fetch(authorizeUrl(em, { client_id: WEB, response_type: 'token', redirect_uri: REDIRECT, scope: 'User.Read' }), { redirect: 'manual' });
    assert.equal(new URL(bad.headers.get('location')!).searchParams.get('error'), 'unsupported_response_type');
  });

  it('rejects an unknown resource scope with AADSTS500011 (invalid_resource)', async () => {
    const res = await fetch(authorizeUrl(em, { client_id: WEB, response_type: 'code', redirect_uri: REDIRECT, scope: 'https://outlook.office356.com/IMAP.AccessAsUser.All' }), { redirect: 'manual' });
    const loc = new URL(res.headers.get('location')!);
    assert.equal(loc.searchParams.get('error'), 'invalid_resource');
    assert.match(loc.searchParams.get('error_description')!, /^AADSTS500011: The resource principal named https:\/\/outlook\.office356\.com was not found/);
  });

  it('v1 authorize with response_mode=query (the guide\'s Exchange resource), then the v2 token endpoint with the EWS scope', async () => {
    const url = await completeConsent(
      authorizeUrl(em, { client_id: WEB, response_type: 'code', redirect_uri: 'https://localhost', response_mode: 'query', state: 'ews',
        scope: 'openid offline_access https://outlook.office365.com/EWS.AccessAsUser.All' }, 'v1'),
      BOB,
    );
    assert.equal(url.searchParams.get('state'), 'ews');
    const r = await postForm(tokenUrl(em), {
      grant_type: 'authorization_code', client_id: WEB, client_secret: SANDBOX.clientSecret, code: url.searchParams.get('code')!,
      redirect_uri: 'https://localhost', scope: 'openid offline_access https://outlook.office365.com/EWS.AccessAsUser.All',
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const c = claims(r.body.access_token);
    assert.equal(c.aud, 'https://outlook.office365.com');
    assert.match(String(c.scp), /\bEWS\.AccessAsUser\.All\b/);
    assert.ok(r.body.refresh_token);
  });

  it('lets the public client sign in with PKCE and no secret', async () => {
    const { verifier, challenge } = pkce();
    const url = await completeConsent(authorizeUrl(em, { client_id: PUBLIC, response_type: 'code', redirect_uri: 'http://localhost:1234', scope: 'User.Read offline_access', code_challenge: challenge, code_challenge_method: 'S256' }), ALICE);
    const r = await postForm(tokenUrl(em), { grant_type: 'authorization_code', client_id: PUBLIC, code: url.searchParams.get('code')!, redirect_uri: 'http://localhost:1234', code_verifier: verifier });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(claims(r.body.access_token).appidacr, '0');
    assert.equal(claims(r.body.access_token).aud, 'https://graph.microsoft.com');
  });
});
