import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SANDBOX, startIdentityEmulator, type IdentityEmulator } from '@mailbridge/sandbox';
import { fillAddForm, openConsole, signInAndConsent, type ConsoleRun } from './console-walks.js';

// The state of a resource as of the last attempt, in Chromium (issue 21, items 2, 4, 7 and 9),
// against an identity emulator of this test's own, so it can refuse, stop and come back:
// a refused consent keeps its reason until the next success, a reload of a finished consent
// shows its result, and a stopped identity platform turns the green status into a dated failure.
let run: ConsoleRun;
let idp: IdentityEmulator;
let dir: string;
let port: number;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'mb-console-status-'));
  idp = await startIdentityEmulator({ stateFile: join(dir, 'identity.json') });
  port = Number(new URL(idp.url).port);
  run = await openConsole('console-status');
});

after(async () => {
  await run?.close();
  await idp?.close();
  rmSync(dir, { recursive: true, force: true });
});

const resourceUrl = () => `${run.svc.base}/console/resources/status-inbox`;

test('a consent refused as invalid_client keeps its reason, time and fix on the resource page; a reload of the answer shows the same', async () => {
  const { page } = run;
  await fillAddForm(page, {
    name: 'status-inbox',
    kind: 'imap',
    tenantId: SANDBOX.tenantId,
    clientId: SANDBOX.confidentialClientId,
    clientSecret: 'a-wrong-secret-value',
    user: SANDBOX.alice,
    authorityUrl: idp.url,
    mailHost: '127.0.0.1',
    port: 993,
    secure: 'tls',
  });
  await Promise.all([page.waitForURL(/\/console\/resources\/status-inbox$/), page.click('#add')]);
  await signInAndConsent(page, idp.url, SANDBOX.alice, SANDBOX.password);
  assert.match((await page.textContent('#consent-error')) ?? '', /AADSTS7000215/);
  await page.reload();
  assert.match(
    (await page.textContent('#consent-error')) ?? '',
    /AADSTS7000215/,
    'a reload shows the same answer, not STATE_UNKNOWN',
  );

  await page.goto(resourceUrl());
  assert.equal(await page.textContent('#status'), 'Missing');
  const attempt = (await page.textContent('#attempt-token')) ?? '';
  assert.match(attempt, /\(consent\)/);
  assert.match(attempt, /AADSTS7000215/);
  assert.doesNotMatch(attempt, /`mailbridge|PATCH \/api/);
  await run.shot('1-consent-refused');
  await page.reload();
  assert.match((await page.textContent('#attempt-token')) ?? '', /AADSTS7000215/, 'kept: a reload does not lose it');
});

test('after the right secret, the "Connected" page survives a reload and the failure is cleared', async () => {
  const { page } = run;
  await page.goto(resourceUrl());
  await Promise.all([page.waitForURL(/\/edit#f-clientSecret$/), page.click('#attempt-token a.fix-secret')]);
  await page.fill('#f-clientSecret', SANDBOX.clientSecret);
  await Promise.all([page.waitForURL(/saved=clientSecret/), page.click('#save')]);
  await signInAndConsent(page, idp.url, SANDBOX.alice, SANDBOX.password);
  assert.match((await page.textContent('#consent-result')) ?? '', /status-inbox: refresh token status Available/);
  await page.reload();
  assert.match((await page.textContent('#consent-result')) ?? '', /status-inbox: refresh token status Available/);
  assert.ok(await page.$('#consent-again'), 'the reload says the consent was finished before');
  assert.equal(await page.$('#consent-error'), null);
  await run.shot('2-connected-reloaded');
  // Back to the resource: the link, or the page's 2 s meta refresh when a busy machine was slower than that.
  if (!/\/console\/resources\/status-inbox$/.test(page.url())) {
    await Promise.all([
      page.waitForURL(/\/console\/resources\/status-inbox$/),
      page.click('#back', { timeout: 3000 }).catch(() => undefined),
    ]);
  }
  await page.waitForSelector('#status');
  assert.equal(await page.textContent('#status'), 'Available');
  assert.match((await page.textContent('#attempt-token')) ?? '', /\(consent\): OK/);
});

test('a stopped identity platform: the check fails, the status is no longer green and says when; back up, the check clears it', async () => {
  const { page } = run;
  await idp.close();
  await page.goto(resourceUrl());
  await Promise.all([page.waitForLoadState('load'), page.click('#check')]);
  await page.waitForSelector('#check-result.err');
  await page.goto(resourceUrl());
  assert.match((await page.textContent('#status')) ?? '', /^Available, but the last token refresh failed$/);
  assert.equal(await page.getAttribute('#status', 'class'), 'badge stale');
  assert.match(
    (await page.textContent('#attempt-token')) ?? '',
    /as of\s+\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC\s+\([^)]+\)\s+\(token refresh\):\s+failed/,
  );
  await page.goto(`${run.svc.base}/console/`);
  assert.match((await page.textContent('tr[data-resource="status-inbox"] .badge')) ?? '', /last token refresh failed/);
  await run.shot('3-identity-stopped');

  idp = await startIdentityEmulator({ port, stateFile: join(dir, 'identity.json') });
  await page.goto(resourceUrl());
  await Promise.all([page.waitForLoadState('load'), page.click('#check')]);
  await page.waitForSelector('#check-result.ok');
  assert.equal(await page.textContent('#status'), 'Available');
  assert.equal(await page.getAttribute('#status', 'class'), 'badge Available');
  assert.match((await page.textContent('#attempt-token')) ?? '', /\(token refresh(, refresh token rotated)?\): OK/);
});

test('a refresh refused as invalid_grant: not green, the reason and a Connect button', async () => {
  const { page } = run;
  idp.admin.addFault({ kind: 'refresh_token_revoked' });
  await page.goto(resourceUrl());
  await Promise.all([page.waitForLoadState('load'), page.click('#check')]);
  await page.waitForSelector('#check-result.err');
  await page.goto(resourceUrl());
  const status = (await page.textContent('#status')) ?? '';
  assert.notEqual(status, 'Available');
  assert.doesNotMatch((await page.getAttribute('#status', 'class')) ?? '', /Available/);
  assert.match((await page.textContent('#attempt-token')) ?? '', /invalid_grant|AADSTS50173|AADSTS70008/);
  assert.ok(await page.$('#attempt-token button.fix-connect'), 'the fix is the Connect button');
  await run.shot('4-invalid-grant');
});
