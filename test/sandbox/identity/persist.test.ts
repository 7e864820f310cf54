// A sandbox restarted with a state file honours the refresh tokens and consents it issued before, as a real tenant
// does (issue 21 item 13), and remembers a "revoke sessions" too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { completeConsent, SANDBOX, startIdentityEmulator, type IdentityEmulator } from '@mailbridge/sandbox';

const SCOPE = 'offline_access https://outlook.office365.com/IMAP.AccessAsUser.All';

async function token(em: IdentityEmulator, params: Record<string, string>): Promise<{ status: number; body: Record<string, string> }> {
  const res = await fetch(`${em.url}/${SANDBOX.tenantId}/oauth2/v2.0/token`, {
    method: 'POST',
    body: new URLSearchParams({ client_id: SANDBOX.confidentialClientId, client_secret: SANDBOX.clientSecret, ...params }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

async function consentedRefreshToken(em: IdentityEmulator): Promise<string> {
  const q = new URLSearchParams({
    client_id: SANDBOX.confidentialClientId, response_type: 'code', redirect_uri: 'http://localhost', scope: SCOPE, state: 's',
  });
  const redirect = await completeConsent(`${em.url}/${SANDBOX.tenantId}/oauth2/v2.0/authorize?${q}`, {
    username: SANDBOX.alice, password: SANDBOX.password,
  });
  const code = redirect.searchParams.get('code') ?? assert.fail(redirect.toString());
  const r = await token(em, { grant_type: 'authorization_code', code, redirect_uri: 'http://localhost', scope: SCOPE });
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.refresh_token ?? assert.fail('no refresh token');
}

test('refresh tokens, consents and revocations survive a restart with the same state file', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mb-idstate-'));
  const open: IdentityEmulator[] = [];
  t.after(async () => {
    await Promise.all(open.map((em) => em.close()));
    rmSync(dir, { recursive: true, force: true });
  });
  const stateFile = join(dir, 'identity-state.json');

  const first = await startIdentityEmulator({ stateFile });
  const kept = await consentedRefreshToken(first);
  const revoked = await consentedRefreshToken(first);
  await first.close();
  assert.equal(statSync(stateFile).mode & 0o777, 0o600);

  const second = await startIdentityEmulator({ stateFile });
  const refreshed = await token(second, { grant_type: 'refresh_token', refresh_token: kept, scope: SCOPE });
  assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
  assert.ok(second.admin.listConsents({ username: SANDBOX.alice }).length > 0, 'the consent was kept');
  second.admin.revokeUser(SANDBOX.alice);
  await second.close();

  const third = await startIdentityEmulator({ stateFile });
  open.push(third);
  const after = await token(third, { grant_type: 'refresh_token', refresh_token: revoked, scope: SCOPE });
  assert.equal(after.status, 400);
  assert.equal(after.body.error, 'invalid_grant', 'the revocation was kept');
  // Tokens issued after the restart are not mistaken for revoked ones.
  const fresh = await consentedRefreshToken(third);
  assert.equal((await token(third, { grant_type: 'refresh_token', refresh_token: fresh, scope: SCOPE })).status, 200);
  // Without the file, the same token is unknown: the file is what kept it.
  const blank = await startIdentityEmulator();
  open.push(blank);
  assert.equal((await token(blank, { grant_type: 'refresh_token', refresh_token: kept, scope: SCOPE })).status, 400);
});
