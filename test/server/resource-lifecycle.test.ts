import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SANDBOX } from '@mailbridge/sandbox';
import { Secret } from '../../src/secret.js';
import { consoleFix } from '../../src/server/console/fixes.js';
import { SecretDrafts } from '../../src/server/console/secret-drafts.js';
import { LOCAL_POLICY } from '../../src/services/host-access.js';
import { duplicateResource } from '../../src/services/resources.js';
import { completeConsent } from '../helpers/consent.js';
import { loadRig, type Rig } from '../helpers/rig.js';
import { m365Body, startService, type Service } from './support.js';

// Issue 21 below the browser: removal refused while triggers use a resource (REST; the console
// and the CLI share the service), a duplicate under the endpoint-change rule, a consent answer
// finished twice (a reloaded result page), the console's fixes and its kept secrets.
let svc: Service;
let rig: Rig;

const body = (name: string, o: { port?: number } = {}) =>
  m365Body(name, {
    kind: 'imap',
    authorityUrl: rig.emulatorUrl,
    tenantId: rig.tenantId,
    clientId: SANDBOX.confidentialClientId,
    clientSecret: SANDBOX.clientSecret,
    user: 'alice@contoso.onmicrosoft.com',
    mailHost: rig.host,
    port: o.port ?? rig.imap.port,
    secure: 'tls',
  });

before(async () => {
  rig = loadRig();
  svc = await startService();
  await svc.listen();
});

after(async () => {
  await svc?.close();
});

test('DELETE /api/resources/NAME: RESOURCE_IN_USE names the triggers; cascade=true removes them with it', async () => {
  assert.equal((await svc.api('POST', '/api/resources', body('used'))).status, 201);
  for (const name of ['t-one', 't-two']) {
    const t = await svc.api('POST', '/api/triggers', {
      name,
      resource: 'used',
      target: { kind: 'webhook', url: 'http://127.0.0.1:9/hook' },
      mode: 'poll',
      pollIntervalSeconds: 600,
    });
    assert.equal(t.status, 201, t.text);
  }
  const refused = await svc.api('DELETE', '/api/resources/used');
  assert.equal(refused.status, 409);
  assert.equal(refused.json.error.code, 'RESOURCE_IN_USE');
  assert.match(refused.json.error.message, /t-one, t-two/);
  assert.match(refused.json.error.hint, /DELETE \/api\/resources\/used\?cascade=true/);
  assert.deepEqual(refused.json.error.triggers, ['t-one', 't-two']);
  assert.equal((await svc.api('GET', '/api/resources/used')).status, 200, 'nothing removed');

  const removed = await svc.api('DELETE', '/api/resources/used?cascade=true');
  assert.equal(removed.status, 200, removed.text);
  assert.deepEqual(removed.json, { removed: 'used', triggersRemoved: ['t-one', 't-two'] });
  assert.equal((await svc.api('GET', '/api/triggers/t-one')).status, 404);
  assert.equal((await svc.api('DELETE', '/api/resources/used')).status, 404);

  assert.equal((await svc.api('POST', '/api/resources', body('free'))).status, 201);
  assert.deepEqual((await svc.api('DELETE', '/api/resources/free')).json, { removed: 'free', triggersRemoved: [] });
});

test("duplicate: the original's secret goes with the copy only to the same destinations", async () => {
  assert.equal((await svc.api('POST', '/api/resources', body('orig'))).status, 201);
  const same = { ...body('orig-copy') };
  delete same.clientSecret;
  await duplicateResource(svc.store, 'orig', same, {}, LOCAL_POLICY);
  assert.equal((await svc.store.getSecret('orig-copy', 'client_secret'))?.reveal(), SANDBOX.clientSecret);
  assert.equal((await svc.store.getTokenState('orig-copy'))?.refreshToken, undefined, 'no tokens copied');

  const moved = { ...body('orig-moved', { port: rig.imap.port + 1 }) };
  delete moved.clientSecret;
  await assert.rejects(
    duplicateResource(svc.store, 'orig', moved, {}, LOCAL_POLICY),
    (e: Error & { code?: string }) => e.code === 'CREDENTIALS_REQUIRED' && /server\.port/.test(e.message),
  );
  assert.equal(await svc.store.getResource('orig-moved'), undefined);
  await duplicateResource(svc.store, 'orig', moved, { clientSecret: new Secret('another-secret-value') }, LOCAL_POLICY);
  assert.equal((await svc.store.getSecret('orig-moved', 'client_secret'))?.reveal(), 'another-secret-value');
});

test("a consent result page reloaded: the first's result again without a second exchange; an API replay or another code is still refused", async () => {
  const user = rig.uniqueMailbox();
  await rig.ensureUser(user);
  assert.equal((await svc.api('POST', '/api/resources', { ...body('twice'), user })).status, 201);
  const start = await svc.api('POST', '/api/resources/twice/consent');
  const back = await completeConsent(start.json.authorizeUrl, { username: user, password: rig.basicPassword.reveal() });
  const page = { headers: { accept: 'text/html' } };
  const first = await fetch(back, page);
  assert.equal(first.status, 200);
  assert.doesNotMatch(await first.text(), /consent-again/);
  const again = await fetch(back, page);
  assert.equal(again.status, 200);
  const text = await again.text();
  assert.match(text, /twice: refresh token status <strong>Available/);
  assert.match(text, /id="consent-again"/);
  const replay = await fetch(back, { headers: { accept: 'application/json' } });
  assert.equal(replay.status, 400, 'an API client replaying the answer is refused as before');
  assert.equal(((await replay.json()) as { error: { code: string } }).error.code, 'STATE_UNKNOWN');
  const forged = new URL(back);
  forged.searchParams.set('code', 'another-code');
  const refused = await fetch(forged, page);
  assert.equal(refused.status, 400);
  assert.match(await refused.text(), /STATE_UNKNOWN/);
});

test("the console's fixes: commands it can run become buttons and links, the rest stays as text", () => {
  const auth = consoleFix(
    { code: 'REFRESH_TOKEN_EXPIRED', hint: 'run `mailbridge auth inbox` and complete the sign-in' },
    'inbox',
  );
  assert.equal(auth.text, 'run “Connect” and complete the sign-in');
  assert.deepEqual(
    auth.actions.map((a) => [a.id, a.post ?? a.href]),
    [['fix-connect', '/console/resources/inbox/connect']],
  );
  const exists = consoleFix(
    {
      code: 'RESOURCE_EXISTS',
      hint: 'change it with `mailbridge resource edit inbox` or PATCH /api/resources/inbox, or remove it first',
    },
    'inbox',
  );
  assert.equal(exists.text, 'change it with “Edit the resource”, or remove it first');
  assert.deepEqual(
    exists.actions.map((a) => a.href),
    ['/console/resources/inbox/edit'],
  );
  const secret = consoleFix({ code: 'AADSTS7000215', hint: "give the secret's Value, not its ID" }, 'inbox');
  assert.deepEqual(
    secret.actions.map((a) => a.href),
    ['/console/resources/inbox/edit#f-clientSecret'],
  );
  // A trigger's pause reason (triggers/pause.ts) on the triggers page.
  const paused = consoleFix(
    {
      code: '',
      hint: 'refresh token status Revoked (AADSTS50173). Fix: run `mailbridge auth inbox`, then resume the trigger',
    },
    'inbox',
  );
  assert.match(paused.text, /Fix: run “Connect”, then resume the trigger$/);
  assert.deepEqual(
    paused.actions.map((a) => a.id),
    ['fix-connect'],
  );
  const sandbox = consoleFix(
    { code: 'SANDBOX_NOT_RUNNING', hint: 'start it again: `mailbridge sandbox start`' },
    'inbox',
  );
  assert.equal(sandbox.text, 'start it again: `mailbridge sandbox start`');
  assert.deepEqual(sandbox.actions, []);
});

test('a kept secret: only for its session, used once, gone after ten minutes', () => {
  let now = 0;
  const drafts = new SecretDrafts(() => now);
  const id = drafts.keep(new Secret('typed-secret'), 'session-a');
  assert.equal(drafts.take(id, 'session-b'), undefined);
  assert.equal(drafts.take(id, 'session-a')?.reveal(), 'typed-secret');
  assert.equal(drafts.take(id, 'session-a'), undefined, 'used once');
  const late = drafts.keep(new Secret('typed-secret'), 'session-a');
  now += 10 * 60_000;
  assert.equal(drafts.take(late, 'session-a'), undefined);
});
