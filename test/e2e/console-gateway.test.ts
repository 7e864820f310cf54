/**
 * The console's Gateway page in Chromium (issue 13): add a gateway user (its password shown
 * once), give it a new password, see its last use and counts after a real submission through
 * the gateway (Python's smtplib; one refused login counted too), disable it (the gateway then
 * refuses it), and the same page in Japanese (the viewer's mb_lang cookie). The gateway runs over
 * the service's own store and relays to the rig's Postfix.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { TokenManager } from '../../src/auth/token-manager.js';
import { startService, type Service } from '../server/support.js';
import { loadRig } from '../helpers/rig.js';
import { consentedResource } from '../mail/facade-consent.js';
import { message, pythonSend, startTestGateway, type TestGateway } from '../gateway/support.js';
import { launchChromium, logIn, shot } from './console-support.js';

let browser: Browser;
let page: Page;
let svc: Service;
let gw: TestGateway;
let from: string;

before(async () => {
  svc = await startService();
  await svc.listen();
  const rig = loadRig();
  from = rig.uniqueMailbox();
  await rig.ensureUser(from);
  await consentedResource(rig, 'smtp', { store: svc.store, name: 'rig-send', user: from });
  gw = await startTestGateway({
    store: svc.store,
    tokens: new TokenManager({ store: svc.store }),
    home: svc.dir,
    config: { delivery: { messagesPerMinute: 0 } },
  });
  browser = await launchChromium();
  page = await (await browser.newContext()).newPage();
  page.setDefaultTimeout(20_000);
  await logIn(page, svc);
});

after(async () => {
  await browser?.close();
  await gw?.close();
  await svc?.close();
});

const submit = (password: string) =>
  pythonSend({
    port: gw.gw.smtp.port!,
    caFile: join(svc.dir, 'gateway-tls', 'gateway-cert.pem'),
    starttls: false, // loopback
    user: 'mfp-2f',
    password,
    from,
    to: [from],
    data: message(from, from, `console gateway ${Date.now()}`),
  });

test('add a gateway user, new password, last use and counts after a submission, disable; in English and Japanese', async () => {
  await page.goto(`${svc.base}/console/gateway`);
  assert.equal(await page.textContent('h1'), 'Gateway');
  await page.getByLabel('User name').fill('mfp-2f');
  await page.getByLabel('Send resource (smtp or graph)').fill('rig-send');
  await page.click('#add-gateway-user');
  const first = (await page.textContent('#new-password'))?.trim() ?? '';
  assert.equal(first.length, 24);
  const row = page.locator('#gateway-users tr[data-user="mfp-2f"]');
  assert.equal(await row.locator('td').nth(1).textContent(), 'rig-send');

  await row.getByRole('button', { name: 'New password' }).click();
  const second = (await page.textContent('#new-password'))?.trim() ?? '';
  assert.equal(second.length, 24);
  assert.notEqual(second, first);

  // The old password is refused, the new one sends: failures, one login, one message.
  assert.match((await submit(first)).stdout, /^SMTPAuthenticationError 535 /);
  assert.equal((await submit(second)).stdout.trim(), 'OK');
  await page.goto(`${svc.base}/console/gateway`);
  const use = (await row.locator('.use[data-protocol="smtp"]').textContent())?.replace(/\s+/g, ' ').trim() ?? '';
  // smtplib tries PLAIN, then LOGIN, with a wrong password: each refusal is counted.
  const counts =
    /^smtp: 1 \/ (\d+) \/ 1, \d{1,2} \w{3} \d{4}, \d{2}:\d{2} UTC \((now|\d+ seconds? ago)\) from 127\.0\.0\.1$/.exec(
      use,
    );
  assert.ok(counts, use);
  assert.ok(Number(counts[1]) >= 1, use);
  await shot(page, 'gateway-1-used');

  await row.getByRole('button', { name: 'Disable' }).click();
  await page.waitForURL(/\/console\/gateway$/);
  assert.match((await row.locator('td').first().textContent()) ?? '', /^mfp-2f \(disabled\)$/);
  assert.match((await submit(second)).stdout, /^SMTPAuthenticationError 535 /);

  // The same page for a Japanese reader.
  await page.context().addCookies([{ name: 'mb_lang', value: 'ja', url: svc.base }]);
  await page.goto(`${svc.base}/console/gateway`);
  assert.equal(await page.textContent('h1'), 'ゲートウェイ');
  assert.match((await row.locator('td').first().textContent()) ?? '', /^mfp-2f \(無効\)$/);
  const useJa = (await row.locator('.use[data-protocol="smtp"]').textContent())?.replace(/\s+/g, ' ').trim() ?? '';
  assert.match(
    useJa,
    /^smtp: 1 \/ \d+ \/ 1、\d{4}\/\d{2}\/\d{2} \d{2}:\d{2} JST \((今|\d+ 秒前|\d+ 分前)\) 127\.0\.0\.1 から$/,
  );
  assert.equal(await row.getByRole('button', { name: '有効にする' }).count(), 1);
  assert.equal(await page.getByLabel('ユーザー名').count(), 1);
  await shot(page, 'gateway-2-ja');
});
