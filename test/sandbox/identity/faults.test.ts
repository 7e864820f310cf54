import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import {
  ALICE, BOB, SANDBOX, TENANT, WEB, aliceTokens, assertAadError, postForm, startIdentityEmulator, tokenUrl, userTokens,
  type IdentityEmulator,
} from './support.js';

const secret = { client_id: WEB, client_secret: SANDBOX.clientSecret };

describe('identity emulator: fault injection', () => {
  let em: IdentityEmulator;
  let aliceRt: string;
  before(async () => {
    em = await startIdentityEmulator();
    aliceRt = String((await aliceTokens(em)).refresh_token);
  });
  afterEach(() => em.admin.clearFaults());
  after(() => em.close());

  const refresh = (rt = aliceRt) => postForm(tokenUrl(em), { grant_type: 'refresh_token', ...secret, refresh_token: rt });
  const clientCredentials = () => postForm(tokenUrl(em), { grant_type: 'client_credentials', ...secret, scope: 'https://outlook.office365.com/.default' });

  const cases: { kind: Parameters<IdentityEmulator['admin']['addFault']>[0]['kind']; status: number; error: string; code: number; extra?: Record<string, unknown> }[] = [
    { kind: 'refresh_token_expired', status: 400, error: 'invalid_grant', code: 700082 },
    { kind: 'refresh_token_revoked', status: 400, error: 'invalid_grant', code: 50173 },
    { kind: 'invalid_client_secret', status: 401, error: 'invalid_client', code: 7000215 },
    { kind: 'client_secret_expired', status: 401, error: 'invalid_client', code: 7000222 },
    { kind: 'consent_required', status: 400, error: 'invalid_grant', code: 65001, extra: { suberror: 'consent_required' } },
    { kind: 'mfa_required', status: 400, error: 'interaction_required', code: 50076 },
    { kind: 'conditional_access_blocked', status: 400, error: 'invalid_grant', code: 53003 },
    { kind: 'throttled', status: 429, error: 'temporarily_unavailable', code: 50196 },
    { kind: 'server_error', status: 503, error: 'temporarily_unavailable', code: 90033 },
  ];
  for (const c of cases) {
    it(`${c.kind}: HTTP ${c.status} ${c.error} AADSTS${c.code}, then normal again`, async () => {
      em.admin.addFault({ kind: c.kind, username: ALICE.username, times: 1 });
      const r = await refresh();
      assertAadError(assert, r, c.status, c.error, c.code);
      for (const [k, v] of Object.entries(c.extra ?? {})) assert.equal(r.body[k], v);
      assert.equal((await refresh()).status, 200, 'times: 1 means one failure only');
    });
  }

  it('mfa_required carries the claims challenge', async () => {
    em.admin.addFault({ kind: 'mfa_required' });
    const r = await refresh();
    assert.equal(typeof r.body.claims, 'string');
    assert.ok(JSON.parse(String(r.body.claims)).access_token);
  });

  it('throttled sends Retry-After; server_error can be a 500 or a plain-text 503', async () => {
    em.admin.addFault({ kind: 'throttled', retryAfterSeconds: 7, times: 1 });
    const t = await clientCredentials();
    assert.equal(t.status, 429);
    assert.equal(t.headers.get('retry-after'), '7');
    em.admin.addFault({ kind: 'server_error', status: 500, times: 1 });
    assertAadError(assert, await clientCredentials(), 500, 'server_error', 90033);
    em.admin.addFault({ kind: 'server_error', plain: true, times: 1 });
    const plain = await clientCredentials();
    assert.equal(plain.status, 503);
    assert.equal(plain.body.text, 'Service Unavailable');
  });

  it('refresh_token_revoked can answer AADSTS70008 instead', async () => {
    em.admin.addFault({ kind: 'refresh_token_revoked', aadsts: 70008 });
    assertAadError(assert, await refresh(), 400, 'invalid_grant', 70008);
  });

  it('applies per user, per app and per grant type', async () => {
    const bobRt = String((await userTokens(em, BOB)).refresh_token);
    em.admin.addFault({ kind: 'conditional_access_blocked', username: BOB.username });
    assert.equal((await refresh()).status, 200, 'alice is not affected');
    assertAadError(assert, await refresh(bobRt), 400, 'invalid_grant', 53003);
    em.admin.clearFaults();
    em.admin.addFault({ kind: 'invalid_client_secret', clientId: SANDBOX.publicClientId });
    assert.equal((await clientCredentials()).status, 200, 'another app is not affected');
    em.admin.clearFaults();
    em.admin.addFault({ kind: 'server_error', grantType: 'client_credentials' });
    assert.equal((await refresh()).status, 200);
    assert.equal((await clientCredentials()).status, 503);
  });

  it('slow only delays; a fault on the devicecode endpoint fails it', async () => {
    em.admin.addFault({ kind: 'slow', delayMs: 50, times: 1 });
    assert.equal((await clientCredentials()).status, 200);
    assert.equal(em.admin.listFaults().length, 0, 'spent after one use');
    em.admin.addFault({ kind: 'server_error', endpoint: 'devicecode', times: 1 });
    const d = await postForm(`${em.url}/${TENANT}/oauth2/v2.0/devicecode`, { client_id: SANDBOX.publicClientId, scope: 'User.Read' });
    assertAadError(assert, d, 503, 'temporarily_unavailable', 90033);
  });

  it('a server_error on introspection gives Dovecot its temporary failure', async () => {
    em.admin.addFault({ kind: 'server_error', endpoint: 'introspect', status: 500, times: 1 });
    const r = await postForm(em.introspectionUrl, { token: 'x' });
    assert.equal(r.status, 500);
  });
});
