import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Secret } from '../../src/secret.js';
import { SANDBOX } from '@mailbridge/sandbox';
import { loadRig, type Rig } from '../helpers/rig.js';
import {
  assertNoSecret,
  fillAddForm,
  openConsole,
  type DomDetails,
  type DomForm,
  type DomInput,
  signInAndConsent,
  visibleLabels,
  type ConsoleRun,
} from './console-walks.js';

// The Add form in Chromium (issue 21, items 8 and 10): the guide's field names, fields hidden by
// Server type, a Name pattern Chromium really checks, tenant ids checked before Connect, and what
// was typed kept after the server refused it (the secret kept server-side, never in the page).
let run: ConsoleRun;
let rig: Rig;
let user: string;

before(async () => {
  rig = loadRig();
  user = rig.uniqueMailbox();
  await rig.ensureUser(user);
  run = await openConsole('console-forms');
});

after(async () => {
  await run?.close();
});

test("the Add form uses the resource page's words, shows only the fields of the chosen Server type, and its Name pattern works", async () => {
  const { page } = run;
  await page.goto(`${run.svc.base}/console/resources/new`);
  await page.click('#advanced summary');
  const imap = await visibleLabels(page);
  for (const label of [
    'Name',
    'Server type',
    'Tenant ID',
    'Client ID',
    'Client secret',
    'User',
    'Callback URL',
    'Incoming mail server',
    'Incoming port',
    'Incoming secure connection',
  ])
    assert.ok(imap.includes(label), `${label} in ${imap.join(' | ')}`);
  for (const label of [
    'Outgoing mail server',
    'Outgoing port',
    'From address',
    'Kind',
    'Mail host',
    'Authority URL',
    'Redirect URI registered on the app',
  ]) {
    assert.ok(!imap.includes(label), `${label} must not show for IMAP`);
  }
  await page.selectOption('#f-kind', 'smtp');
  const smtp = await visibleLabels(page);
  for (const label of ['Outgoing mail server', 'Outgoing port', 'Outgoing secure connection', 'From address'])
    assert.ok(smtp.includes(label), label);
  assert.ok(!smtp.some((l) => l.startsWith('Incoming')), smtp.join(' | '));
  const secureOptions = await page.$$eval('#f-secure option', (os) => os.map((o) => o.textContent ?? ''));
  assert.ok(
    secureOptions.some((o) => /^TLS: STARTTLS/.test(o)),
    "the guide's TLS says it is STARTTLS",
  );
  await run.shot('1-add-form-smtp');

  // Chromium compiles `pattern` with the v flag: an invalid one is skipped with a console warning.
  assert.equal(run.consoleMessages.filter((m) => /pattern/i.test(m)).length, 0, run.consoleMessages.join('\n'));
  await page.fill('#f-name', 'two words');
  assert.equal(await page.$eval('#f-name', (i) => (i as unknown as DomInput).validity.patternMismatch), true);
  await page.fill('#f-name', 'ok-name_1.x');
  assert.equal(await page.$eval('#f-name', (i) => (i as unknown as DomInput).validity.valid), true);
});

test('a tenant id one character short is refused in the browser and by the server, and the form keeps what was typed', async () => {
  const { page } = run;
  await page.goto(`${run.svc.base}/console/resources/new`);
  const short = rig.tenantId.slice(0, -1);
  await fillAddForm(page, {
    name: 'forms-inbox',
    kind: 'imap',
    tenantId: short,
    clientId: SANDBOX.confidentialClientId,
    clientSecret: SANDBOX.clientSecret,
    user,
    authorityUrl: rig.emulatorUrl,
    mailHost: rig.host,
    port: rig.imap.port,
    secure: 'tls',
    caFile: rig.caFile,
  });
  assert.equal(await page.$eval('#f-tenantId', (i) => (i as unknown as DomInput).validity.patternMismatch), true);
  // The browser stops the form; the server checks the same without it (an old browser, a script).
  await page.$eval('#resource-form', (f) => {
    (f as unknown as DomForm).noValidate = true;
  });
  await Promise.all([page.waitForLoadState('load'), page.click('#add')]);
  await page.waitForSelector('#error');
  assert.match(
    (await page.textContent('#error')) ?? '',
    /looks like a Directory \(tenant\) ID but is not one: 35 characters/,
  );
  // Everything typed is still there, Advanced stays open, the secret is kept but not in the page.
  assert.equal(await page.inputValue('#f-name'), 'forms-inbox');
  assert.equal(await page.inputValue('#f-tenantId'), short);
  assert.equal(await page.inputValue('#f-user'), user);
  assert.equal(await page.inputValue('#f-authorityUrl'), rig.emulatorUrl);
  assert.equal(await page.inputValue('#f-port'), String(rig.imap.port));
  assert.equal(await page.$eval('#advanced', (d) => (d as unknown as DomDetails).open), true);
  assert.equal(await page.inputValue('#f-clientSecret'), '');
  assert.match((await page.getAttribute('#f-clientSecret', 'placeholder')) ?? '', /kept from your last try/);
  assertNoSecret(await page.content(), SANDBOX.clientSecret);
  await run.shot('2-tenant-refused-form-kept');

  await page.fill('#f-tenantId', rig.tenantId);
  await Promise.all([page.waitForURL(/\/console\/resources\/forms-inbox$/), page.click('#add')]);
  const stored = await run.svc.api('GET', '/api/resources/forms-inbox');
  assert.equal(stored.json.clientSecret, new Secret(SANDBOX.clientSecret).masked(), 'the kept secret was stored');
  await signInAndConsent(page, rig.emulatorUrl, user, rig.basicPassword.reveal());
  assert.match((await page.textContent('#consent-result')) ?? '', /forms-inbox: refresh token status Available/);
});

test('a tenant the identity platform does not know stops Connect in the console, with a link to correct it', async () => {
  const { page } = run;
  await page.goto(`${run.svc.base}/console/resources/new`);
  await fillAddForm(page, {
    name: 'forms-unknown',
    kind: 'imap',
    tenantId: 'no-such-tenant.onmicrosoft.com',
    clientId: SANDBOX.confidentialClientId,
    clientSecret: SANDBOX.clientSecret,
    user,
    authorityUrl: rig.emulatorUrl,
    mailHost: rig.host,
    port: rig.imap.port,
    secure: 'tls',
    caFile: rig.caFile,
  });
  await Promise.all([page.waitForURL(/\/console\/resources\/forms-unknown$/), page.click('#add')]);
  await Promise.all([page.waitForLoadState('load'), page.click('#connect')]);
  await page.waitForSelector('#error');
  assert.match(
    page.url(),
    new RegExp(`^${run.svc.base}/console/`),
    "still in the console, not on the identity platform's page",
  );
  assert.match((await page.textContent('#error')) ?? '', /TENANT_NOT_FOUND/);
  assert.match((await page.textContent('#error')) ?? '', /AADSTS90002/);
  await run.shot('3-tenant-unknown');
  await Promise.all([
    page.waitForURL(/\/console\/resources\/forms-unknown\/edit#f-tenantId$/),
    page.click('#error a.fix-edit'),
  ]);
  assert.equal(await page.inputValue('#f-tenantId'), 'no-such-tenant.onmicrosoft.com');
});

test('the resource page: no Outgoing rows for IMAP, STARTTLS said for SMTP, and the Callback URL exactly as Connect sends it', async () => {
  const { page } = run;
  await page.goto(`${run.svc.base}/console/resources/forms-inbox`);
  const labels = await page.$$eval('#fields th', (ths) => ths.map((t) => t.textContent ?? ''));
  assert.ok(!labels.some((l) => l.startsWith('Outgoing')), labels.join(' | '));
  assert.equal(
    await page.textContent('#fields tr:has(th:text-is("Incoming secure connection")) td'),
    'Yes (implicit TLS)',
  );
  const shown = await page.textContent('#callback-sent');
  assert.equal(shown, `${run.svc.base}/`);
  // What Connect sends: the redirect_uri of the authorize request the browser is sent to.
  const [request] = await Promise.all([
    page.waitForRequest((r) => r.url().startsWith(`${rig.emulatorUrl}/`) && r.url().includes('/authorize')),
    page.click('#connect'),
  ]);
  assert.equal(new URL(request.url()).searchParams.get('redirect_uri'), shown);
  await page.goto(`${run.svc.base}/console/resources/new`);

  await fillAddForm(page, {
    name: 'forms-outbox',
    kind: 'smtp',
    tenantId: rig.tenantId,
    clientId: SANDBOX.confidentialClientId,
    clientSecret: SANDBOX.clientSecret,
    user,
    authorityUrl: rig.emulatorUrl,
    mailHost: rig.host,
    port: rig.smtp.submissionPort,
    secure: 'starttls',
    caFile: rig.caFile,
  });
  await Promise.all([page.waitForURL(/\/console\/resources\/forms-outbox$/), page.click('#add')]);
  const smtpLabels = await page.$$eval('#fields th', (ths) => ths.map((t) => t.textContent ?? ''));
  assert.ok(!smtpLabels.some((l) => l.startsWith('Incoming')), smtpLabels.join(' | '));
  assert.equal(await page.textContent('#fields tr:has(th:text-is("Outgoing secure connection")) td'), 'TLS (STARTTLS)');
  await run.shot('4-smtp-fields');
});
