import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openConsoleWithIdentity, type ConsoleWithIdentity } from './console-identity.js';
import { fillAddForm, type ConsoleRun, type DomDetails } from './console-walks.js';

// Issue 17, Console: every resource kind added and edited through the form (EWS and Graph too, a
// refusal shown at its field with the fix, the preset's defaults shown), and the dashboard with
// what needs a person on top, in Chromium (console-resource-page.test.ts: the resource page).
let c: ConsoleWithIdentity;
let run: ConsoleRun;
let common: ConsoleWithIdentity['common'];

before(async () => {
  c = await openConsoleWithIdentity('console-pages');
  ({ run, common } = c);
});

after(async () => {
  await c?.close();
});

test('EWS: a refusal is shown at the field it names with its fix, the form keeps the rest; then added, and edited', async () => {
  const { page } = run;
  await page.goto(`${run.svc.base}/console/resources/new`);
  await fillAddForm(page, { name: 'pages-ews', kind: 'ews', ...common(), mailHost: 'http://outlook.office365.com' });
  await page.fill('#f-domain', 'mail.example.org');
  await Promise.all([page.waitForLoadState('load'), page.click('#add')]);
  await page.waitForSelector('#err-mailHost');
  const fieldError = (await page.textContent('#err-mailHost')) ?? '';
  assert.match(fieldError, /server\.host: http:\/\/ would send the access token/);
  assert.match(fieldError, /Fix: use https:\/\/outlook\.office365\.com/);
  assert.equal(await page.getAttribute('#f-mailHost', 'aria-invalid'), 'true');
  assert.equal(await page.$eval('#advanced', (d) => (d as unknown as DomDetails).open), true, 'its section is open');
  assert.equal(await page.inputValue('#f-domain'), 'mail.example.org');
  assert.equal(await page.inputValue('#f-kind'), 'ews');
  await run.shot('1-ews-refused');

  await page.fill('#f-mailHost', 'https://outlook.office365.com');
  await Promise.all([page.waitForURL(/\/console\/resources\/pages-ews$/), page.click('#add')]);
  const stored = await run.svc.api('GET', '/api/resources/pages-ews');
  assert.equal(stored.json.kind, 'ews');
  assert.equal(stored.json.settings.server.domain, 'mail.example.org', JSON.stringify(stored.json.settings));
  // The EWS retirement warning is a banner on the resource page.
  assert.match((await page.textContent('#warnings')) ?? '', /2027-04-01/);

  await Promise.all([page.waitForURL(/\/edit$/), page.click('#edit')]);
  assert.equal(await page.inputValue('#f-domain'), 'mail.example.org');
  await page.fill('#f-domain', 'mail.example.net');
  await Promise.all([page.waitForURL(/saved=domain/), page.click('#save')]);
  assert.match((await page.textContent('#notice')) ?? '', /Saved: domain/);
  assert.equal((await run.svc.api('GET', '/api/resources/pages-ews')).json.settings.server.domain, 'mail.example.net');
});

test('Graph: added through the form with the preset filling the server and the scope', async () => {
  const { page } = run;
  await page.goto(`${run.svc.base}/console/resources/new`);
  await page.selectOption('#f-kind', 'graph');
  await page.click('#advanced summary');
  assert.ok(await page.isVisible('#resource-form small.for-kind-graph'), "the preset's Graph default is shown");
  assert.match(
    (await page.textContent('#resource-form small.for-kind-graph')) ?? '',
    /https:\/\/graph\.microsoft\.com/,
  );
  await fillAddForm(page, { name: 'pages-graph', kind: 'graph', ...common() });
  await Promise.all([page.waitForURL(/\/console\/resources\/pages-graph$/), page.click('#add')]);
  const stored = (await run.svc.api('GET', '/api/resources/pages-graph')).json;
  assert.equal(stored.kind, 'graph');
  assert.equal(stored.settings.server.host, 'https://graph.microsoft.com');
  assert.match(stored.settings.oauth.scope, /graph\.microsoft\.com/);
  await run.shot('2-graph-added');
});

test('the dashboard puts the resources needing a consent on top, with Connect; the list moved to /console/resources', async () => {
  const { page } = run;
  await page.goto(`${run.svc.base}/console/`);
  const first = page.locator('#attention li').first();
  assert.match((await first.getAttribute('data-attention')) ?? '', /^consent-pages-/);
  assert.match((await first.textContent()) ?? '', /refresh token status Missing/);
  assert.ok(await first.locator('button.fix-connect').count(), 'the fix is a Connect button');
  assert.equal(await page.locator('#overview tr[data-resource]').count(), 2);
  await page.click('#all-resources');
  await page.waitForURL(/\/console\/resources$/);
  assert.equal(await page.locator('#resources tr[data-resource]').count(), 2);
  await run.shot('3-dashboard');
});
