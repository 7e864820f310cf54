import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { SANDBOX } from '@mailbridge/sandbox';
import { startGraphWorld, uniqueUser, type GraphWorld } from '../mail/graph-support.js';
import { startService, type Service } from '../server/support.js';
import { launchChromium, logIn, shot } from './console-support.js';

// EWS and Graph resources against the sandbox (issue 21 item 6): their test button says what it
// runs (a receive test), and the test send goes through their own send path (EWS CreateItem,
// Graph sendMail): a Japanese ISO-2022-JP message that arrives in the sandbox mailbox and reads
// back decoded in the console's mailbox browser.
let browser: Browser;
let page: Page;
let svc: Service;
let w: GraphWorld;
let user: string;

before(async () => {
  w = await startGraphWorld();
  user = uniqueUser();
  w.delegated(user);
  w.sandbox.admin.grantFullAccess(user, SANDBOX.confidentialClientId);
  svc = await startService();
  await svc.listen();
  for (const [name, kind, mailHost] of [
    ['g', 'graph', w.graphUrl],
    ['e', 'ews', w.sandbox.ews.url],
  ] as const) {
    const added = await svc.api('POST', '/api/resources', {
      name,
      kind,
      preset: 'm365',
      tenantId: SANDBOX.tenantId,
      clientId: SANDBOX.confidentialClientId,
      clientSecret: SANDBOX.clientSecret,
      flow: 'client_credentials',
      user,
      authorityUrl: w.identity.url,
      mailHost,
      tls: { caFile: w.caFile },
    });
    assert.equal(added.status, 201, added.text);
  }
  browser = await launchChromium();
  page = await browser.newPage();
  page.setDefaultTimeout(20_000);
  await logIn(page, svc);
});

after(async () => {
  await browser?.close();
  await svc?.close();
  await w?.close();
});

for (const [name, label] of [
  ['g', 'Graph'],
  ['e', 'EWS'],
] as const) {
  test(`${label}: the button runs and says "Test receive"; a Japanese ISO-2022-JP test send goes through its send path and arrives`, async () => {
    const subject = `${label}経由の日本語テスト：件名が正しく届くか確認します`;
    await page.goto(`${svc.base}/console/resources/${name}`);
    assert.equal(await page.textContent('#test'), 'Test receive');
    await page.click('#test');
    await page.waitForSelector('#test-result');
    assert.match((await page.textContent('#test-result')) ?? '', /Test receive succeeded/);

    await Promise.all([page.waitForURL(new RegExp(`/console/resources/${name}/send$`)), page.click('#test-send-link')]);
    await page.getByLabel('To').fill(user);
    await page.getByLabel('Subject').fill(subject);
    await page.getByLabel('Body').fill('こんにちは。送信経路のテストです。');
    await page.getByLabel(/ISO-2022-JP/).check();
    await page.click('#send-test');
    await page.waitForSelector('#test-result');
    assert.match((await page.textContent('#test-result')) ?? '', /Test send succeeded: sent \S+ to /);
    await shot(page, `send-kinds-${name}`);

    const sent = await svc.api('GET', `/api/mail/${name}/messages?subject=${encodeURIComponent(label)}`);
    assert.equal(sent.status, 200, sent.text);
    assert.ok(
      sent.json.some((m: { subject: string }) => m.subject === subject),
      JSON.stringify(sent.json),
    );

    await page.goto(`${svc.base}/console/mail/${name}`);
    const link = page.getByRole('link', { name: subject, exact: true });
    assert.equal(await link.textContent(), subject);
    await link.click();
    await page.waitForSelector('#message-headers');
    assert.equal(await page.textContent('h1'), subject);
  });
}

test('the same over REST: POST /api/resources/{name}/test receives by default and sends with action send', async () => {
  const received = await svc.api('POST', '/api/resources/g/test', {});
  assert.equal(received.status, 200, received.text);
  assert.equal(received.json.action, 'receive');
  assert.equal(received.json.ok, true, received.text);
  const subject = 'REST経由のテスト送信';
  const sent = await svc.api('POST', '/api/resources/e/test', {
    action: 'send',
    to: user,
    subject,
    text: 'テスト',
    encoding: 'iso-2022-jp',
  });
  assert.equal(sent.status, 200, sent.text);
  assert.deepEqual([sent.json.action, sent.json.ok], ['send', true], sent.text);
  const listed = await svc.api('GET', `/api/mail/e/messages?subject=${encodeURIComponent('REST')}`);
  assert.ok(
    listed.json.some((m: { subject: string }) => m.subject === subject),
    listed.text,
  );
  const bad = await svc.api('POST', '/api/resources/e/test', { action: 'send', encoding: 'shift_jis' });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, 'REQUEST_INVALID');
});
