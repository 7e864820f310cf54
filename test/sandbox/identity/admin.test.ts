import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { completeConsent } from '../../helpers/consent.js';
import { REDIRECT, SANDBOX, WEB, authorizeUrl, claims, postForm, startIdentityEmulator, type IdentityEmulator } from './support.js';

describe('identity emulator: admin API over HTTP', () => {
  let em: IdentityEmulator;
  before(async () => {
    em = await startIdentityEmulator();
  });
  after(() => em.close());

  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${em.url}/_admin${path}`, {
      method, ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
    });
    return { status: res.status, body: (await res.json()) as unknown };
  };

  it('adds a user who can then sign in, and lists users without passwords', async () => {
    const created = await admin('POST', '/users', { username: 'carol@contoso.onmicrosoft.com', password: 'Secr3t!', displayName: 'Carol' });
    assert.equal(created.status, 200);
    const users = (await admin('GET', '/users')).body as { username: string; password?: string }[];
    assert.ok(users.some((u) => u.username === 'carol@contoso.onmicrosoft.com'));
    assert.ok(users.every((u) => u.password === undefined));
    const url = await completeConsent(authorizeUrl(em, { client_id: WEB, response_type: 'code', redirect_uri: REDIRECT, scope: 'User.Read' }), { username: 'carol@contoso.onmicrosoft.com', password: 'Secr3t!' });
    assert.ok(url.searchParams.get('code'));
    assert.equal((await admin('DELETE', '/users/carol@contoso.onmicrosoft.com')).status, 200);
    assert.equal((await admin('DELETE', '/users/carol@contoso.onmicrosoft.com')).status, 404);
  });

  it('rejects bad input with 400 and a message naming the field', async () => {
    const r = await admin('POST', '/users', { username: 'no-at-sign', password: '' });
    assert.equal(r.status, 400);
    assert.match(JSON.stringify(r.body), /username/);
    const f = await admin('POST', '/faults', { kind: 'not-a-fault' });
    assert.equal(f.status, 400);
  });

  it('grants and revokes consent, so the next sign-in skips or shows the consent page', async () => {
    const ok = await admin('POST', '/consents', { username: SANDBOX.bob, clientId: WEB, scopes: ['Mail.Read'] });
    assert.equal(ok.status, 200);
    const list = (await admin('GET', `/consents?username=${SANDBOX.bob}`)).body as { scopes: string[] }[];
    assert.ok(list[0]!.scopes.includes('Mail.Read'));
    const page = await fetch(authorizeUrl(em, { client_id: WEB, response_type: 'code', redirect_uri: REDIRECT, scope: 'Mail.Read' }));
    const login = /name="login" value="([^"]+)"/.exec(await page.text())![1]!;
    const direct = await fetch(`${em.url}/_ui/signin`, { method: 'POST', body: new URLSearchParams({ login, username: SANDBOX.bob, password: SANDBOX.password }), redirect: 'manual' });
    assert.equal(direct.status, 302, 'already consented');
    assert.equal((await admin('DELETE', '/consents', { username: SANDBOX.bob, clientId: WEB })).status, 200);
    assert.deepEqual((await admin('GET', `/consents?username=${SANDBOX.bob}`)).body, []);
  });

  it('adds, lists and removes faults; mints tokens; revokes; reports stats', async () => {
    const fault = (await admin('POST', '/faults', { kind: 'throttled', times: 2 })).body as { id: string };
    assert.equal(((await admin('GET', '/faults')).body as unknown[]).length, 1);
    assert.equal((await admin('DELETE', `/faults/${fault.id}`)).status, 200);
    assert.deepEqual((await admin('GET', '/faults')).body, []);

    const minted = (await admin('POST', '/tokens', { username: SANDBOX.alice, audience: 'https://graph.microsoft.com', scope: 'Mail.Read' })).body as { access_token: string };
    assert.equal(claims(minted.access_token).aud, 'https://graph.microsoft.com');
    assert.equal(claims(minted.access_token).scp, 'Mail.Read');
    assert.equal(((await postForm(em.introspectionUrl, { token: minted.access_token })).body).active, true);
    const appOnly = (await admin('POST', '/tokens', { audience: 'https://outlook.office365.com', roles: ['IMAP.AccessAsApp'] })).body as { access_token: string };
    assert.deepEqual(claims(appOnly.access_token).roles, ['IMAP.AccessAsApp']);
    assert.equal((await admin('POST', '/tokens', { username: 'ghost@contoso.onmicrosoft.com', audience: 'https://graph.microsoft.com' })).status, 400);

    const revoked = (await admin('POST', '/revoke', { username: SANDBOX.alice })).body as { revokedRefreshTokens: number };
    assert.equal(typeof revoked.revokedRefreshTokens, 'number');
    assert.equal(((await postForm(em.introspectionUrl, { token: minted.access_token })).body).active, false);

    await admin('DELETE', '/stats');
    await postForm(`${em.url}/${SANDBOX.tenantId}/oauth2/v2.0/token`, { grant_type: 'client_credentials', client_id: WEB, client_secret: SANDBOX.clientSecret, scope: 'https://outlook.office365.com/.default' });
    assert.deepEqual((await admin('GET', '/stats')).body, { tokenRequests: 1, tokenRequestsByGrant: { client_credentials: 1 } });
  });

  it('upserts an app (e.g. a second secret) and reads it back', async () => {
    const app = (await admin('GET', `/apps/${WEB}`)).body as { secrets: { value: string }[] };
    const updated = await admin('POST', '/apps', { ...app, secrets: [...app.secrets, { value: 'second-secret' }] });
    assert.equal(updated.status, 200);
    const r = await postForm(`${em.url}/${SANDBOX.tenantId}/oauth2/v2.0/token`, { grant_type: 'client_credentials', client_id: WEB, client_secret: 'second-secret', scope: 'https://outlook.office365.com/.default' });
    assert.equal(r.status, 200);
    assert.equal((await admin('GET', '/apps/00000000-0000-4000-8000-000000000000')).status, 404);
  });
});
