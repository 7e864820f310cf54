import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SANDBOX } from '@mailbridge/sandbox';
import { loadRig, type Rig } from '../helpers/rig.js';
import {
  assertNoSecret,
  fillAddForm,
  openConsole,
  type DomDetails,
  signInAndConsent,
  type ConsoleRun,
} from './console-walks.js';

// Edit, new client secret and duplicate in Chromium (issue 21, items 1, 2, 4 and 7): every change
// goes through the shared resource service, so the endpoint-change rule of docs/security.md holds
// in the console too; a failure stays on the page, with its time and a button that fixes it.
let run: ConsoleRun;
let rig: Rig;
let user: string;

before(async () => {
  rig = loadRig();
  user = rig.uniqueMailbox();
  await rig.ensureUser(user);
  run = await openConsole('console-edit');
  const { page } = run;
  await fillAddForm(page, {
    name: 'edit-inbox',
    kind: 'imap',
    tenantId: rig.tenantId,
    clientId: SANDBOX.confidentialClientId,
    clientSecret: SANDBOX.clientSecret,
    user,
    authorityUrl: rig.emulatorUrl,
    mailHost: rig.host,
    port: rig.imap.port,
    secure: 'tls',
    caFile: rig.caFile,
  });
  await Promise.all([page.waitForURL(/\/console\/resources\/edit-inbox$/), page.click('#add')]);
  await signInAndConsent(page, rig.emulatorUrl, user, rig.basicPassword.reveal());
  await Promise.all([page.waitForURL(/\/console\/resources\/edit-inbox$/), page.click('#back')]);
  assert.equal(await page.textContent('#status'), 'Available');
});

after(async () => {
  await run?.close();
});

test('a wrong new client secret: saved without losing the tokens, the check fails with its time and a link, the right one clears it', async () => {
  const { page } = run;
  await Promise.all([page.waitForURL(/\/edit#f-clientSecret$/), page.click('#rotate')]);
  await page.fill('#f-clientSecret', 'not-the-secret-value');
  await Promise.all([page.waitForURL(/\/console\/resources\/edit-inbox\?saved=clientSecret$/), page.click('#save')]);
  assert.match((await page.textContent('#notice')) ?? '', /Saved: clientSecret/);
  assert.equal(await page.$('#tokens-dropped'), null, 'a new secret alone keeps the tokens');
  assertNoSecret(await page.content(), 'not-the-secret-value');

  await Promise.all([page.waitForLoadState('load'), page.click('#check')]);
  await page.waitForSelector('#check-result');
  assert.match((await page.textContent('#check-result')) ?? '', /AADSTS7000215/);
  // The failure stays on the resource page (item 2) with its time, and the fix is a link (item 4), not a command.
  await page.goto(`${run.svc.base}/console/resources/edit-inbox`);
  const attempt = (await page.textContent('#attempt-token')) ?? '';
  assert.match(attempt, /as of\s+\d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d UTC\s+\([^)]+\)\s+\(token refresh\)/);
  assert.match(attempt, /failed/);
  assert.match(attempt, /AADSTS7000215/);
  assert.doesNotMatch(attempt, /mailbridge |PATCH \/api/);
  assert.notEqual(
    await page.getAttribute('#status', 'class'),
    'badge Available',
    'not green while the last attempt failed',
  );
  await run.shot('1-wrong-secret');

  await Promise.all([page.waitForURL(/\/edit#f-clientSecret$/), page.click('#attempt-token a.fix-secret')]);
  await page.fill('#f-clientSecret', SANDBOX.clientSecret);
  await Promise.all([page.waitForURL(/saved=clientSecret/), page.click('#save')]);
  await Promise.all([page.waitForLoadState('load'), page.click('#check')]);
  await page.waitForSelector('#check-result.ok');
  assert.match((await page.textContent('#attempt-token')) ?? '', /\(token refresh(, refresh token rotated)?\): OK/);
  assert.equal(await page.textContent('#status'), 'Available');
});

test('moving the credentials (another mail server port) needs the secret again; with it the tokens are dropped and Connect is offered', async () => {
  const { page } = run;
  await page.goto(`${run.svc.base}/console/resources/edit-inbox/edit`);
  assert.equal(await page.inputValue('#f-tenantId'), rig.tenantId, 'the edit form starts with the stored values');
  assert.equal(await page.inputValue('#f-port'), String(rig.imap.port));
  await page.fill('#f-port', String(rig.imap.starttlsPort));
  await page.selectOption('#f-secure', 'starttls');
  await Promise.all([page.waitForLoadState('load'), page.click('#save')]);
  await page.waitForSelector('#error');
  assert.match((await page.textContent('#error')) ?? '', /CREDENTIALS_REQUIRED/);
  assert.ok(await page.$('#error a.fix-secret'), 'the fix is a link to the secret field');
  assert.equal(await page.inputValue('#f-port'), String(rig.imap.starttlsPort), 'the change typed is kept');
  assert.equal(
    (await run.svc.api('GET', '/api/resources/edit-inbox')).json.settings.server.port,
    rig.imap.port,
    'nothing was written',
  );
  await run.shot('2-credentials-required');

  await page.fill('#f-clientSecret', SANDBOX.clientSecret);
  await Promise.all([page.waitForURL(/moved=/), page.click('#save')]);
  assert.match((await page.textContent('#tokens-dropped')) ?? '', /server\.port/);
  assert.equal(await page.textContent('#status'), 'Missing');
  await Promise.all([
    page.waitForURL((u) => u.origin === rig.emulatorUrl || u.pathname === '/'),
    page.click('#tokens-dropped button.fix-connect'),
  ]);
  await page.waitForSelector('#username, #accept, #consent-result');
  if (await page.$('#username')) {
    await page.fill('#username', user);
    await page.fill('#password', rig.basicPassword.reveal());
    await page.click('#signin');
  }
  await page.waitForSelector('#accept, #consent-result');
  if (await page.$('#accept')) await page.click('#accept');
  await page.waitForSelector('#consent-result');
  assert.match((await page.textContent('#consent-result')) ?? '', /Available/);
  // A change that sends nothing elsewhere (the From address) needs no secret and keeps the tokens.
  await page.goto(`${run.svc.base}/console/resources/edit-inbox/edit`);
  await page.$eval('#other', (d) => {
    (d as unknown as DomDetails).open = true;
  });
  await page.fill('#f-state', 'fixed-state');
  await Promise.all([page.waitForURL(/saved=state$/), page.click('#save')]);
  assert.equal(await page.textContent('#status'), 'Available');
});

test("duplicate: the copy keeps the original's secret only while it sends it to the same places", async () => {
  const { page } = run;
  await page.goto(`${run.svc.base}/console/resources/edit-inbox`);
  await Promise.all([page.waitForURL(/\/duplicate$/), page.click('#duplicate')]);
  assert.equal(await page.inputValue('#f-name'), 'edit-inbox-copy');
  await page.fill('#f-port', String(rig.imap.port));
  await Promise.all([page.waitForLoadState('load'), page.click('#add-copy')]);
  await page.waitForSelector('#error');
  assert.match((await page.textContent('#error')) ?? '', /CREDENTIALS_REQUIRED/);
  assert.equal((await run.svc.api('GET', '/api/resources/edit-inbox-copy')).status, 404);

  await page.goto(`${run.svc.base}/console/resources/edit-inbox/duplicate`);
  await Promise.all([page.waitForURL(/\/console\/resources\/edit-inbox-copy$/), page.click('#add-copy')]);
  assert.equal(await page.textContent('#status'), 'Missing', 'a copy starts without tokens');
  const copy = (await run.svc.api('GET', '/api/resources/edit-inbox-copy')).json;
  const original = (await run.svc.api('GET', '/api/resources/edit-inbox')).json;
  assert.equal(copy.clientSecret, original.clientSecret);
  assert.deepEqual(copy.settings.server, original.settings.server);
  await run.shot('3-duplicate');
});
