import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ALICE, DAY, SANDBOX, WEB, aliceTokens, postForm, startIdentityEmulator, testClock, tokenUrl, type IdentityEmulator,
} from './support.js';

describe('identity emulator: introspection for Dovecot', () => {
  let em: IdentityEmulator;
  const clock = testClock();
  before(async () => {
    em = await startIdentityEmulator({ now: clock.now });
  });
  after(() => em.close());

  const post = async (token: string, extra: Record<string, string> = {}) => (await postForm(em.introspectionUrl, { token, client_id: '', client_secret: '', ...extra })).body;

  it('answers active with the upn as username for a valid token, in post, get and auth modes', async () => {
    const token = String((await aliceTokens(em)).access_token);
    const body = await post(token);
    assert.equal(body.active, true);
    assert.equal(body.username, ALICE.username);
    assert.equal(body.token_type, 'bearer');
    assert.equal(body.aud, 'https://outlook.office365.com');
    assert.equal(body.client_id, WEB);
    assert.match(String(body.scope), /IMAP\.AccessAsUser\.All/);
    assert.equal(typeof body.exp, 'number');
    // Dovecot's get mode appends the token verbatim to a URL ending in ?token=
    const get = await (await fetch(`${em.introspectionUrl}?token=${token}&client_id=&client_secret=`)).json();
    assert.equal((get as { username: string }).username, ALICE.username);
    const auth = await (await fetch(em.introspectionUrl, { headers: { authorization: `Bearer ${token}` } })).json();
    assert.equal((auth as { active: boolean }).active, true);
  });

  it('answers active:false for garbage, a tampered token, an expired token and a revoked user', async () => {
    assert.deepEqual(await post('garbage'), { active: false });
    const token = String((await aliceTokens(em)).access_token);
    const [h, p, s] = token.split('.');
    const payload = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...payload, upn: SANDBOX.bob })).toString('base64url')}.${s}`;
    assert.deepEqual(await post(tampered), { active: false });
    clock.ms += DAY;
    try {
      assert.deepEqual(await post(token), { active: false }, 'expired: Dovecot does not check exp, so we must');
    } finally {
      clock.ms -= DAY;
    }
    assert.equal((await post(token)).active, true);
    em.admin.revokeUser(ALICE.username);
    assert.deepEqual(await post(token), { active: false });
    const fresh = String((await aliceTokens(em)).access_token);
    assert.equal((await post(fresh)).active, true, 'tokens issued after the revocation are fine');
  });

  it('treats app-only tokens as active only for a named, existing mailbox', async () => {
    const r = await postForm(tokenUrl(em), { grant_type: 'client_credentials', client_id: WEB, client_secret: SANDBOX.clientSecret, scope: 'https://outlook.office365.com/.default' });
    const token = String(r.body.access_token);
    assert.deepEqual(await post(token), { active: false });
    const named = await post(token, { mailbox: SANDBOX.bob });
    assert.equal(named.active, true);
    assert.equal(named.username, SANDBOX.bob);
    assert.deepEqual(await post(token, { mailbox: 'nobody@contoso.onmicrosoft.com' }), { active: false });
    const viaHeader = await (await fetch(em.introspectionUrl, { headers: { authorization: `Bearer ${token}`, 'x-dovecot-auth-user': SANDBOX.alice } })).json();
    assert.equal((viaHeader as { username: string }).username, SANDBOX.alice);
  });

  it('introspects tokens minted by the admin API, including already expired ones', async () => {
    const { access_token } = await em.admin.mintAccessToken({ username: SANDBOX.bob, audience: 'https://outlook.office.com', scope: 'IMAP.AccessAsUser.All' });
    const body = await post(access_token);
    assert.equal(body.username, SANDBOX.bob);
    assert.equal(body.aud, 'https://outlook.office365.com');
    assert.equal(body.scope, 'IMAP.AccessAsUser.All');
    const expired = await em.admin.mintAccessToken({ username: SANDBOX.bob, audience: 'https://outlook.office365.com', expiresInSeconds: -60 });
    assert.deepEqual(await post(expired.access_token), { active: false });
  });
});
