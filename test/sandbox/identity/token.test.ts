import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { completeConsent } from '../../helpers/consent.js';
import {
  ALICE, DAY, PUBLIC, REDIRECT, SANDBOX, TENANT, WEB, aliceTokens, assertAadError, authorizeUrl, claims, pkce, postForm,
  startIdentityEmulator, testClock, tokenUrl, type IdentityEmulator,
} from './support.js';

const secret = { client_id: WEB, client_secret: SANDBOX.clientSecret };

describe('identity emulator: token endpoint', () => {
  let em: IdentityEmulator;
  const clock = testClock();
  before(async () => {
    em = await startIdentityEmulator({ now: clock.now });
  });
  after(() => em.close());

  it('issues a v1-format Outlook token with the claims Microsoft puts in it, a v2 id_token and an opaque refresh token', async () => {
    const body = await aliceTokens(em);
    assert.equal(body.token_type, 'Bearer');
    assert.equal(typeof body.expires_in, 'number');
    assert.ok(Number(body.expires_in) >= 3600 && Number(body.expires_in) <= 5400);
    assert.equal(body.ext_expires_in, body.expires_in);
    assert.match(String(body.scope), /https:\/\/outlook\.office365\.com\/IMAP\.AccessAsUser\.All/);
    assert.doesNotMatch(String(body.refresh_token), /^eyJ/);
    const c = claims(body.access_token);
    assert.equal(c.aud, 'https://outlook.office365.com');
    assert.equal(c.iss, `https://sts.windows.net/${TENANT}/`);
    assert.equal(c.ver, '1.0');
    assert.equal(c.tid, TENANT);
    assert.equal(c.upn, ALICE.username);
    assert.equal(c.unique_name, ALICE.username);
    assert.equal(c.appid, WEB);
    assert.equal(c.appidacr, '1');
    assert.equal(c.oid, '5f1c8d2e-1111-4a6b-9c3d-00000000a11c');
    assert.deepEqual(c.amr, ['pwd']);
    assert.equal(Number(c.exp) - Number(c.iat), body.expires_in);
    const scp = String(c.scp).split(' ');
    // SMTP.Send asked for on Outlook; IMAP consented; both in scp, no OIDC scopes on Outlook.
    assert.ok(scp.includes('IMAP.AccessAsUser.All') && scp.includes('SMTP.Send'), String(c.scp));
    assert.ok(!scp.includes('openid'));
    const id = claims(body.id_token);
    assert.equal(id.aud, WEB);
    assert.equal(id.iss, `https://login.microsoftonline.com/${TENANT}/v2.0`);
    assert.equal(id.preferred_username, ALICE.username);
    assert.equal(id.ver, '2.0');
  });

  it('counts consent for IMAP/POP/SMTP on either resource: the guide\'s bare SMTP.Send (Graph) lands in the Outlook token', async () => {
    const { verifier, challenge } = pkce();
    const url = await completeConsent(authorizeUrl(em, {
      client_id: WEB, response_type: 'code', redirect_uri: REDIRECT, code_challenge: challenge, code_challenge_method: 'S256',
      scope: 'https://outlook.office365.com/IMAP.AccessAsUser.All offline_access SMTP.Send',
    }), { username: SANDBOX.bob, password: SANDBOX.password });
    const r = await postForm(tokenUrl(em), { grant_type: 'authorization_code', ...secret, code: url.searchParams.get('code')!, redirect_uri: REDIRECT, code_verifier: verifier });
    const c = claims(r.body.access_token);
    assert.equal(c.aud, 'https://outlook.office365.com');
    assert.deepEqual(String(c.scp).split(' ').sort(), ['IMAP.AccessAsUser.All', 'SMTP.Send']);
  });

  it('redeems a code once (AADSTS54005 on reuse) and checks the PKCE verifier (AADSTS501481)', async () => {
    const { verifier, challenge } = pkce();
    const start = () => completeConsent(authorizeUrl(em, {
      client_id: WEB, response_type: 'code', redirect_uri: REDIRECT, scope: 'User.Read', code_challenge: challenge, code_challenge_method: 'S256',
    }), ALICE);
    const code = (await start()).searchParams.get('code')!;
    const redeem = (c: string, v: string) => postForm(tokenUrl(em), { grant_type: 'authorization_code', ...secret, code: c, redirect_uri: REDIRECT, code_verifier: v });
    const bad = await redeem(code, pkce().verifier);
    assertAadError(assert, bad, 400, 'invalid_grant', 501481);
    const code2 = (await start()).searchParams.get('code')!;
    assert.equal((await redeem(code2, verifier)).status, 200);
    assertAadError(assert, await redeem(code2, verifier), 400, 'invalid_grant', 54005);
  });

  it('accepts a plain PKCE challenge (the default method when none is named)', async () => {
    const verifier = 'plain-verifier-plain-verifier-plain-verifier-0123';
    const url = await completeConsent(authorizeUrl(em, { client_id: WEB, response_type: 'code', redirect_uri: REDIRECT, scope: 'User.Read', code_challenge: verifier }), ALICE);
    const redeem = (v: string) => postForm(tokenUrl(em), { grant_type: 'authorization_code', ...secret, code: url.searchParams.get('code')!, redirect_uri: REDIRECT, code_verifier: v });
    assertAadError(assert, await redeem('something-else'), 400, 'invalid_grant', 501481);
    assert.equal((await redeem(verifier)).status, 200);
  });

  it('expires codes after 10 minutes (AADSTS70008) and wants the same redirect_uri', async () => {
    const code = (await completeConsent(authorizeUrl(em, { client_id: WEB, response_type: 'code', redirect_uri: REDIRECT, scope: 'User.Read' }), ALICE)).searchParams.get('code')!;
    const wrong = await postForm(tokenUrl(em), { grant_type: 'authorization_code', ...secret, code, redirect_uri: 'http://localhost:53682/other' });
    assertAadError(assert, wrong, 400, 'invalid_grant', 50011);
    clock.ms += 11 * 60 * 1000;
    try {
      const r = await postForm(tokenUrl(em), { grant_type: 'authorization_code', ...secret, code, redirect_uri: REDIRECT });
      assertAadError(assert, r, 400, 'invalid_grant', 70008);
    } finally {
      clock.ms -= 11 * 60 * 1000;
    }
  });

  it('rotates refresh tokens; the old one keeps working; scope on refresh picks the resource', async () => {
    const first = await aliceTokens(em);
    const rt1 = String(first.refresh_token);
    const r2 = await postForm(tokenUrl(em), { grant_type: 'refresh_token', ...secret, refresh_token: rt1, scope: 'https://outlook.office365.com/IMAP.AccessAsUser.All offline_access' });
    assert.equal(r2.status, 200, JSON.stringify(r2.body));
    const rt2 = String(r2.body.refresh_token);
    assert.notEqual(rt2, rt1);
    const again = await postForm(tokenUrl(em), { grant_type: 'refresh_token', ...secret, refresh_token: rt1 });
    assert.equal(again.status, 200, 'the old refresh token still works');
    assert.ok(again.body.refresh_token);
    // Alice consented openid/offline_access (Graph) but not User.Read: the Graph token holds what she consented.
    const graph = await postForm(tokenUrl(em), { grant_type: 'refresh_token', ...secret, refresh_token: rt2, scope: 'openid profile' });
    assert.equal(graph.status, 200, JSON.stringify(graph.body));
    assert.equal(claims(graph.body.access_token).aud, 'https://graph.microsoft.com');
  });

  it('answers AADSTS65001 consent_required for a scope the user has not consented', async () => {
    const { refresh_token } = await aliceTokens(em);
    const r = await postForm(tokenUrl(em), { grant_type: 'refresh_token', ...secret, refresh_token: String(refresh_token), scope: 'https://graph.microsoft.com/Mail.ReadWrite.Shared' });
    assertAadError(assert, r, 400, 'invalid_grant', 65001);
    assert.equal(r.body.suberror, 'consent_required');
  });

  it('expires a refresh token unused for 90 days (AADSTS700082) and honours revocation (AADSTS50173)', async () => {
    const { refresh_token } = await aliceTokens(em);
    clock.ms += 91 * DAY;
    try {
      const r = await postForm(tokenUrl(em), { grant_type: 'refresh_token', ...secret, refresh_token: String(refresh_token) });
      assertAadError(assert, r, 400, 'invalid_grant', 700082);
      assert.match(String(r.body.error_description), /was inactive for 91\.00:00:00/);
    } finally {
      clock.ms -= 91 * DAY;
    }
    const fresh = await aliceTokens(em);
    assert.deepEqual(em.admin.revokeUser(ALICE.username).revokedRefreshTokens > 0, true);
    const r = await postForm(tokenUrl(em), { grant_type: 'refresh_token', ...secret, refresh_token: String(fresh.refresh_token) });
    assertAadError(assert, r, 400, 'invalid_grant', 50173);
    // A new sign-in after the revocation works again.
    assert.ok((await aliceTokens(em)).access_token);
  });

  it('answers the v1 endpoint with strings, expires_on, not_before and resource', async () => {
    const { refresh_token } = await aliceTokens(em);
    const r = await postForm(tokenUrl(em, 'v1'), { grant_type: 'refresh_token', ...secret, refresh_token: String(refresh_token), resource: 'https://outlook.office365.com' });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    for (const k of ['expires_in', 'ext_expires_in', 'expires_on', 'not_before']) assert.equal(typeof r.body[k], 'string', k);
    assert.equal(r.body.resource, 'https://outlook.office365.com');
    assert.equal(Number(r.body.expires_on) - Number(r.body.not_before), Number(r.body.expires_in));
    assert.equal(claims(r.body.access_token).aud, 'https://outlook.office365.com');
    const v2 = await postForm(tokenUrl(em), { grant_type: 'refresh_token', ...secret, refresh_token: String(refresh_token), resource: 'https://outlook.office365.com' });
    assertAadError(assert, v2, 400, 'invalid_request', 901002);
  });

  it('authenticates clients as Microsoft does: Basic, wrong/expired secret, public with secret, confidential without', async () => {
    const cc = { grant_type: 'client_credentials', scope: 'https://outlook.office365.com/.default' };
    const basic = `Basic ${Buffer.from(`${WEB}:${encodeURIComponent(SANDBOX.clientSecret)}`).toString('base64')}`;
    assert.equal((await postForm(tokenUrl(em), cc, { authorization: basic })).status, 200);
    assertAadError(assert, await postForm(tokenUrl(em), { ...cc, client_id: WEB, client_secret: 'nope' }), 401, 'invalid_client', 7000215);
    assertAadError(assert, await postForm(tokenUrl(em), { ...cc, client_id: WEB }), 401, 'invalid_client', 7000218);
    assertAadError(assert, await postForm(tokenUrl(em), { grant_type: 'refresh_token', refresh_token: 'x', client_id: PUBLIC, client_secret: 's' }), 401, 'invalid_client', 700025);
    assertAadError(assert, await postForm(tokenUrl(em), { ...cc, client_id: '22222222-2222-4222-8222-222222222222', client_secret: 's' }), 400, 'unauthorized_client', 700016);

    const app = em.admin.getApp(WEB)!;
    em.admin.upsertApp({ ...app, clientId: '33333333-3333-4333-8333-333333333333', secrets: [{ value: 'old-secret', expiresAt: new Date(clock.ms - DAY).toISOString() }] });
    assertAadError(assert, await postForm(tokenUrl(em), { ...cc, client_id: '33333333-3333-4333-8333-333333333333', client_secret: 'old-secret' }), 401, 'invalid_client', 7000222);
  });

  it('client credentials: {resource}/.default only, roles = admin-consented application permissions, no refresh token', async () => {
    const r = await postForm(tokenUrl(em), { grant_type: 'client_credentials', ...secret, scope: 'https://outlook.office365.com/.default' });
    assert.equal(r.status, 200);
    assert.equal(r.body.refresh_token, undefined);
    const c = claims(r.body.access_token);
    assert.deepEqual(c.roles, ['full_access_as_app', 'IMAP.AccessAsApp', 'POP.AccessAsApp', 'SMTP.SendAsApp']);
    assert.equal(c.scp, undefined);
    assert.equal(c.upn, undefined);
    assert.equal(c.idtyp, 'app');
    const graph = claims((await postForm(tokenUrl(em), { grant_type: 'client_credentials', ...secret, scope: 'https://graph.microsoft.com/.default' })).body.access_token);
    assert.deepEqual(graph.roles, ['Mail.ReadWrite', 'Mail.Send']);
    assertAadError(assert, await postForm(tokenUrl(em), { grant_type: 'client_credentials', ...secret, scope: 'https://outlook.office365.com/IMAP.AccessAsApp' }), 400, 'invalid_scope', 1002012);
    assertAadError(assert, await postForm(tokenUrl(em), { grant_type: 'client_credentials', ...secret, scope: 'https://outlook.office356.com/.default' }), 400, 'invalid_resource', 500011);
    assertAadError(assert, await postForm(tokenUrl(em, 'v2', 'common'), { grant_type: 'client_credentials', ...secret, scope: 'https://outlook.office365.com/.default' }), 400, 'invalid_request', 9001023);
    const v1 = await postForm(tokenUrl(em, 'v1'), { grant_type: 'client_credentials', ...secret, resource: 'https://outlook.office365.com' });
    assert.equal(v1.body.resource, 'https://outlook.office365.com');
    assert.equal(typeof v1.body.expires_on, 'string');
  });

  it('answers malformed requests with Microsoft\'s codes', async () => {
    assertAadError(assert, await postForm(tokenUrl(em), { client_id: WEB }), 400, 'invalid_request', 900144);
    assertAadError(assert, await postForm(tokenUrl(em), { grant_type: 'password', ...secret }), 400, 'unsupported_grant_type', 70003);
    assertAadError(assert, await postForm(tokenUrl(em, 'v2', 'nowhere.example'), { grant_type: 'client_credentials', ...secret }), 400, 'invalid_request', 90002);
    assertAadError(assert, await postForm(tokenUrl(em), { grant_type: 'refresh_token', ...secret, refresh_token: 'garbage' }), 400, 'invalid_grant', 9002313);
    const json = await fetch(tokenUrl(em), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'client_credentials' }) });
    assertAadError(assert, { status: json.status, body: (await json.json()) as Record<string, unknown> }, 400, 'invalid_request', 900144);
  });

  it('counts token requests by grant type', async () => {
    em.admin.resetStats();
    await postForm(tokenUrl(em), { grant_type: 'client_credentials', ...secret, scope: 'https://outlook.office365.com/.default' });
    await postForm(tokenUrl(em), { grant_type: 'refresh_token', ...secret, refresh_token: 'garbage' });
    await postForm(tokenUrl(em), { grant_type: 'refresh_token', ...secret, refresh_token: 'garbage' });
    assert.deepEqual(em.stats(), { tokenRequests: 3, tokenRequestsByGrant: { client_credentials: 1, refresh_token: 2 } });
  });
});
