import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { SANDBOX } from '@mailbridge/sandbox';
import { loadRig, type Rig } from '../helpers/rig.js';
import { startReceiver, type Receiver } from '../server/receiver.js';
import { CONSOLE_PASSWORD, startService, type Service } from '../server/support.js';

// The console in Debian's headless Chromium: log in, add Microsoft 365 resources pointing at
// the rig's identity emulator and servers, Connect (sign in and consent on the emulator's
// pages), see status Available, send a test message, and watch a webhook trigger deliver it.
const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'console');
let browser: Browser;
let page: Page;
let svc: Service;
let rig: Rig;
let receiver: Receiver;
let user: string;

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  rig = loadRig();
  user = rig.uniqueMailbox();
  await rig.ensureUser(user);
  svc = await startService({ syncIntervalMs: 500 });
  await svc.listen();
  await svc.runner.start();
  receiver = await startReceiver();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage();
  page.setDefaultTimeout(20_000);
});

after(async () => {
  await browser?.close();
  await svc?.close();
  await receiver?.close();
});

const shot = (name: string): Promise<Buffer> => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

async function addResource(name: string, kind: 'imap' | 'smtp'): Promise<void> {
  await page.goto(`${svc.base}/console/resources/new`);
  await page.fill('input[name=name]', name);
  await page.selectOption('select[name=kind]', kind);
  await page.fill('input[name=tenantId]', rig.tenantId);
  await page.fill('input[name=clientId]', SANDBOX.confidentialClientId);
  await page.fill('input[name=clientSecret]', SANDBOX.clientSecret);
  await page.fill('input[name=user]', user);
  await page.click('details summary');
  await page.fill('input[name=authorityUrl]', rig.emulatorUrl);
  await page.fill('input[name=mailHost]', rig.host);
  await page.fill('input[name=port]', String(kind === 'imap' ? rig.imap.port : rig.smtp.submissionPort));
  await page.selectOption('select[name=secure]', kind === 'imap' ? 'tls' : 'starttls');
  await page.fill('input[name=caFile]', rig.caFile);
  if (kind === 'imap') await shot('2-add-resource');
  await Promise.all([page.waitForURL(new RegExp(`/console/resources/${name}$`)), page.click('#add')]);
  assert.equal(await page.textContent('#status'), 'Missing');
}

/** Connect: the emulator's sign-in (and consent, the first time), then back to the console. */
async function connect(name: string, first: boolean): Promise<void> {
  await page.click('#connect');
  await page.waitForURL((u) => u.origin === rig.emulatorUrl || u.pathname === '/');
  if (page.url().startsWith(rig.emulatorUrl)) {
    await page.waitForSelector('#username, #accept, #consent-result');
    if (await page.$('#username')) {
      await page.fill('#username', user);
      await page.fill('#password', rig.basicPassword.reveal());
      if (first) await shot('3-emulator-signin');
      await page.click('#signin');
    }
    await page.waitForSelector('#accept, #consent-result');
    if (await page.$('#accept')) {
      if (first) await shot('4-emulator-consent');
      await page.click('#accept');
    }
  }
  await page.waitForSelector('#consent-result');
  assert.match(await page.textContent('#consent-result') ?? '', new RegExp(`${name}: refresh token status Available`));
  await Promise.all([page.waitForURL(new RegExp(`/console/resources/${name}$`)), page.click('#back')]);
}

test('the console: log in, add, Connect, Available, test send, and a trigger\'s delivery', async () => {
  await page.goto(`${svc.base}/console/`);
  assert.match(page.url(), /\/console\/login/);
  await page.fill('#password', 'not the password');
  await Promise.all([page.waitForURL(/failed=1/), page.click('#login')]);
  assert.ok(await page.$('#login-error'));
  await page.fill('#password', CONSOLE_PASSWORD);
  await shot('1-login');
  await Promise.all([page.waitForURL(/\/console\/$/), page.click('#login')]);

  await addResource('inbox', 'imap');
  await connect('inbox', true);
  assert.equal(await page.textContent('#status'), 'Available');
  assert.match(await page.textContent('#expiry') ?? '', /valid until/);
  await shot('5-connected');

  await addResource('outbox', 'smtp');
  await connect('outbox', false);
  await page.click('#test');
  await page.waitForSelector('#test-result');
  assert.match(await page.textContent('#test-result') ?? '', /Test send succeeded: sent </);
  await shot('6-test-send');
  await rig.waitForMessages(user, 1);

  await page.goto(`${svc.base}/console/resources`);
  const rows = await page.$$eval('#resources tr[data-resource]', (trs) => trs.map((tr) => tr.textContent ?? ''));
  assert.equal(rows.length, 2);
  for (const r of rows) assert.match(r, /Available/);
  await shot('7-resources');

  await page.goto(`${svc.base}/console/resources/inbox`);
  await page.click('#test');
  await page.waitForSelector('#test-result');
  assert.match(await page.textContent('#test-result') ?? '', /Test receive succeeded/);

  await page.goto(`${svc.base}/console/mail/inbox`);
  await page.click('#messages a');
  assert.match(await page.textContent('#message-text') ?? '', /test message sent by the mailbridge console/);
  await shot('8-message');

  await page.goto(`${svc.base}/console/triggers`);
  await page.fill('#add-trigger input[name=name]', 'to-webhook');
  await page.selectOption('#add-trigger select[name=resource]', 'inbox');
  await page.fill('#add-trigger input[name=url]', receiver.url);
  await page.selectOption('#add-trigger select[name=start]', 'all');
  await page.fill('#add-trigger input[name=poll]', '1');
  await page.click('#add-trigger-button');
  await page.waitForSelector('#trigger-added');
  await receiver.waitFor(1);
  assert.match(receiver.received[0]!.body, /mailbridge test message/);
  for (let i = 0; i < 50 && !(await page.$('[data-trigger="to-webhook"] .deliveries .badge.delivered')); i++) {
    await new Promise((r) => setTimeout(r, 200));
    await page.goto(`${svc.base}/console/triggers`);
  }
  const delivered = await page.textContent('[data-trigger="to-webhook"] .deliveries');
  assert.match(delivered ?? '', /delivered/);
  assert.match(delivered ?? '', /mailbridge test message/);
  await shot('9-trigger-delivery');
});

test('the doctor\'s report in the console, and a failed test receive shows the server\'s words', async () => {
  await page.goto(`${svc.base}/console/resources/inbox`);
  await page.click('#doctor');
  await page.waitForSelector('#doctor-report');
  assert.match(await page.textContent('#doctor-summary') ?? '', /all checks passed/);
  await shot('10-doctor');
  // Point the resource at a mailbox its token does not belong to: Dovecot refuses the login.
  await svc.api('PATCH', '/api/resources/inbox', { user: rig.uniqueMailbox() });
  await page.goto(`${svc.base}/console/resources/inbox`);
  await page.click('#test');
  await page.waitForSelector('#test-result');
  assert.match(await page.textContent('#test-result') ?? '', /Test receive failed/);
  assert.match(await page.textContent('#server-response') ?? '', /AUTHENTICATIONFAILED/);
  await shot('11-test-receive-failed');
});
