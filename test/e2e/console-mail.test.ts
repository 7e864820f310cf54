import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { loadRig, type Rig } from '../helpers/rig.js';
import { addRigResource, startService, type Service } from '../server/support.js';
import { launchChromium, logIn, shot } from './console-support.js';

// The mailbox browser in Chromium (issue 21 item 5): the folder picker with counts, an
// HTML-only message shown in a sandboxed frame that loads nothing remote, the source and an
// attachment downloaded byte for byte; and the test send (item 6) in Japanese ISO-2022-JP.
let browser: Browser;
let page: Page;
let svc: Service;
let rig: Rig;
let user: string;
let pixel: Server;
let pixelHits = 0;
let pixelUrl: string;

const ATTACHMENT = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) % 256));
const JA_SUBJECT = '日本語のテスト送信：会議資料の確認をお願いします（mailbridge コンソールから ISO-2022-JP）';
const JA_BODY = 'お疲れさまです。\nコンソールからの日本語テストです。';
const UNMAPPABLE = '絵文字😀はISO-2022-JPで送れません。';

function htmlOnly(): string {
  return [
    'From: Newsletter <news@example.test>',
    `To: ${user}`,
    'Subject: html only',
    'Message-ID: <html-only@example.test>',
    'MIME-Version: 1.0',
    'Content-Type: text/html; charset=utf-8',
    '',
    `<html><head><link rel="stylesheet" href="${pixelUrl}/style.css"><script>document.title = 'script ran'</script></head>`,
    `<body><h1 id="hello">Hello from HTML</h1><img src="${pixelUrl}/pixel.png" alt="tracker"><p style="color:#c00">styled</p></body></html>`,
    '',
  ].join('\r\n');
}

function withAttachment(): string {
  return [
    'From: Sender <sender@example.test>',
    `To: ${user}`,
    'Subject: binary attachment',
    'Message-ID: <att-bin@example.test>',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b1"',
    '',
    '--b1',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'see attached',
    '',
    '--b1',
    'Content-Type: application/octet-stream',
    "Content-Disposition: attachment; filename*=UTF-8''%E3%83%87%E3%83%BC%E3%82%BF.bin",
    'Content-Transfer-Encoding: base64',
    '',
    ATTACHMENT.toString('base64').replace(/.{76}/g, '$&\r\n'),
    '',
    '--b1--',
    '',
  ].join('\r\n');
}

before(async () => {
  rig = loadRig();
  user = rig.uniqueMailbox();
  pixel = createServer((_req, res) => {
    pixelHits++;
    res.writeHead(200, { 'content-type': 'image/png' }).end();
  });
  await new Promise<void>((resolve) => pixel.listen(0, '127.0.0.1', resolve));
  pixelUrl = `http://127.0.0.1:${(pixel.address() as AddressInfo).port}`;
  svc = await startService();
  await svc.listen();
  await addRigResource(svc, rig, 'in', 'imap', user);
  await addRigResource(svc, rig, 'out', 'smtp', user);
  browser = await launchChromium();
  page = await browser.newPage();
  page.setDefaultTimeout(20_000);
  await logIn(page, svc);
});

after(async () => {
  await browser?.close();
  await svc?.close();
  await new Promise((resolve) => pixel?.close(resolve));
});

async function messageId(subject: string, folder = 'INBOX'): Promise<string> {
  const list = await svc.api('GET', `/api/mail/in/messages?folder=${folder}&subject=${encodeURIComponent(subject)}`);
  assert.equal(list.status, 200, list.text);
  return list.json[0].id as string;
}

test('folder picker with counts; an HTML-only message in a sandboxed frame that loads nothing remote; source and attachment downloads', async () => {
  await rig.deliver(user, htmlOnly());
  await rig.deliver(user, withAttachment());
  await rig.deliver(
    user,
    'From: a@example.test\r\nSubject: kept for later\r\nMessage-ID: <later@example.test>\r\n\r\narchived\r\n',
  );
  await rig.doveadm(['mailbox', 'create', '-u', user, 'Archive']);
  await rig.doveadm(['move', '-u', user, 'Archive', 'mailbox', 'INBOX', 'header', 'Message-ID', 'later@example.test']);

  await page.goto(`${svc.base}/console/resources/in`);
  await Promise.all([page.waitForURL(/\/console\/mail\/in$/), page.click('#browse')]);
  const folders = ((await page.textContent('#folders')) ?? '').replace(/\s+/g, ' ');
  assert.match(folders, /INBOX 2 unread \/ 2/, folders);
  assert.match(folders, /Archive 1 unread \/ 1/, folders);
  await Promise.all([page.waitForURL(/folder=Archive/), page.click('#folders a[data-folder="Archive"]')]);
  assert.match((await page.textContent('#messages')) ?? '', /kept for later/);
  assert.equal(await page.getAttribute('#folders a[aria-current=page]', 'data-folder'), 'Archive');

  await Promise.all([page.waitForURL(/folder=INBOX/), page.click('#folders a[data-folder="INBOX"]')]);
  await Promise.all([
    page.waitForURL(/\/console\/mail\/in\/\d+/),
    page.getByRole('link', { name: 'html only' }).click(),
  ]);
  assert.match((await page.textContent('#html-note')) ?? '', /remote content blocked/);
  assert.match((await page.textContent('#remote-note')) ?? '', /Remote content blocked: 2 item/);
  assert.equal(await page.getAttribute('#message-html', 'sandbox'), '');
  const frame = await (await page.$('#message-html'))!.contentFrame();
  assert.ok(frame);
  await frame.waitForLoadState('load');
  assert.equal(await frame.textContent('#hello'), 'Hello from HTML');
  assert.notEqual(await frame.title(), 'script ran');
  assert.equal(pixelHits, 0, 'the remote image and stylesheet were not fetched');
  const htmlAnswer = await page.request.get(`${page.url().split('?')[0]}/html?folder=INBOX`);
  const csp = htmlAnswer.headers()['content-security-policy'] ?? '';
  assert.match(csp, /^sandbox;/);
  assert.match(csp, /img-src data:;/);
  assert.equal(htmlAnswer.headers()['x-frame-options'], 'SAMEORIGIN');
  await shot(page, 'mail-1-html-only');

  const id = await messageId('html only');
  const [source] = await Promise.all([page.waitForEvent('download'), page.click('#download-source')]);
  const bytes = await readFile((await source.path())!);
  const rest = await fetch(`${svc.base}/api/mail/in/messages/${id}/raw`, {
    headers: { authorization: `Bearer ${svc.key}` },
  });
  assert.ok(bytes.equals(Buffer.from(await rest.arrayBuffer())), 'the downloaded source is the message as stored');
  assert.ok(bytes.includes(Buffer.from(`${pixelUrl}/pixel.png`)));
  assert.equal(source.suggestedFilename(), `${id}.eml`);

  await page.goto(`${svc.base}/console/mail/in`);
  await Promise.all([
    page.waitForURL(/\/console\/mail\/in\/\d+/),
    page.getByRole('link', { name: 'binary attachment' }).click(),
  ]);
  const [att] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download データ.bin' }).click(),
  ]);
  assert.equal(att.suggestedFilename(), 'データ.bin');
  assert.ok((await readFile((await att.path())!)).equals(ATTACHMENT), 'the attachment downloads byte for byte');
  await shot(page, 'mail-2-attachment');
});

test('a Japanese test send in ISO-2022-JP from the console arrives and reads back decoded, subject without a leading space', async () => {
  await page.goto(`${svc.base}/console/resources/in`);
  assert.equal(await page.textContent('#test'), 'Test receive');
  assert.equal(await page.$('#test-send-link'), null, 'an IMAP resource offers no test send');
  await page.goto(`${svc.base}/console/resources/out`);
  assert.equal(await page.textContent('#test'), 'Test send');
  await Promise.all([page.waitForURL(/\/console\/resources\/out\/send$/), page.click('#test-send-link')]);
  assert.equal(await page.inputValue('#send-to'), user, "the recipient defaults to the resource's own address");
  await page.getByLabel('Subject').fill(JA_SUBJECT);
  await page.getByLabel('Body').fill(JA_BODY);
  await page.getByLabel(/ISO-2022-JP/).check();
  await shot(page, 'mail-3-test-send-form');
  await page.click('#send-test');
  await page.waitForSelector('#test-result');
  assert.match((await page.textContent('#test-result')) ?? '', /Test send succeeded: sent </);
  assert.equal(await page.inputValue('#send-subject'), JA_SUBJECT, 'the form keeps what was typed');
  await rig.waitForMessages(user, 3);

  const id = await messageId('mailbridge');
  const raw = await (
    await fetch(`${svc.base}/api/mail/in/messages/${id}/raw`, { headers: { authorization: `Bearer ${svc.key}` } })
  ).text();
  assert.match(raw, /^Subject:(\r\n)? =\?ISO-2022-JP\?B\?/m, 'the subject went out as ISO-2022-JP encoded-words');
  assert.match(raw, /charset=iso-2022-jp/i);

  await page.goto(`${svc.base}/console/mail/in`);
  const link = page.getByRole('link', { name: JA_SUBJECT, exact: true });
  assert.equal(await link.textContent(), JA_SUBJECT, 'listed exactly, no leading space');
  await Promise.all([page.waitForURL(/\/console\/mail\/in\/\d+/), link.click()]);
  assert.equal(await page.textContent('h1'), JA_SUBJECT);
  assert.equal((await page.textContent('#message-text'))?.trim(), JA_BODY);
  await shot(page, 'mail-4-japanese');
});

test('an ISO-2022-JP test send with characters the encoding cannot carry fails with the reason, the form kept', async () => {
  await page.goto(`${svc.base}/console/resources/out/send`);
  await page.getByLabel('Subject').fill('機種依存文字');
  await page.getByLabel('Body').fill(UNMAPPABLE);
  await page.getByLabel(/ISO-2022-JP/).check();
  await page.click('#send-test');
  await page.waitForSelector('#test-result');
  const result = (await page.textContent('#test-result')) ?? '';
  assert.match(result, /Test send failed/);
  assert.match(result, /Fix: /);
  assert.equal(await page.inputValue('#send-text'), UNMAPPABLE);
  assert.match(result, /😀/, 'the message names the character');
  assert.ok(await page.isChecked('input[name=encoding][value=iso-2022-jp]'));
});
