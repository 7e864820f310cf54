import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { encodeIso2022jp, encodeIso2022jpWords } from '../../src/message/charset/index.js';
import { allowEws, consentedSandboxResource, sandboxUser } from '../mail/facade-suite-support.js';
import { startSandboxes, type Sandboxes } from '../sandbox/exchange/support.js';
import { startService, type Service } from '../server/support.js';
import { launchChromium, logIn, shot } from './console-support.js';

// The mailbox browser (issue 17) on the Exchange sandbox, one mailbox seen through four
// resources (IMAP, POP3, EWS, Graph): folders with unread/total, the list in pages of 25 with
// a server-side search, an ISO-2022-JP and a Shift_JIS message read correctly, an HTML message
// whose remote image and style sheet are never requested (a loopback server records any
// request), an attachment downloaded byte for byte; the same pages in Japanese.
let sb: Sandboxes;
let svc: Service;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let user: string;
let tracker: Server;
let trackerHits = 0;
let trackerUrl: string;
const requested: string[] = [];
const consoleErrors: string[] = [];

const JA_SUBJECT = '会議資料の確認のお願い（ISO-2022-JP）';
const JA_BODY = 'お疲れさまです。\r\n明日の会議資料をご確認ください。';
const SJIS_TEXT = '表示～ソフト①';
const ATTACHMENT = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 13) % 256));
const FILLERS = 30;

function iso2022jpMessage(): Buffer {
  const head = [
    'From: =?ISO-2022-JP?B?GyRCOzNFRBsoQg==?= <yamada@example.jp>',
    `To: ${user}`,
    `Subject: ${encodeIso2022jpWords(JA_SUBJECT).value}`,
    'Message-ID: <ja-iso@example.jp>',
    'Date: Mon, 7 Dec 2026 09:00:00 +0900',
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=ISO-2022-JP',
    'Content-Transfer-Encoding: 7bit',
    '',
    '',
  ].join('\r\n');
  return Buffer.concat([Buffer.from(head), encodeIso2022jp(JA_BODY).bytes, Buffer.from('\r\n')]);
}

function sjisMessage(): Buffer {
  // The corpus's glibc-iconv CP932 bytes of 表示～ソフト① under charset=shift-jis.
  const body = Buffer.from('955c8ea68160835c8374836787400d0a', 'hex');
  const head = `From: sjis@example.jp\r\nTo: ${user}\r\nSubject: shift-jis body\r\nMessage-ID: <sjis@example.jp>\r\nDate: Mon, 7 Dec 2026 09:01:00 +0900\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=shift-jis\r\nContent-Transfer-Encoding: 8bit\r\n\r\n`;
  return Buffer.concat([Buffer.from(head), body]);
}

function htmlMessage(): Buffer {
  return Buffer.from(
    [
      'From: News <news@example.test>',
      `To: ${user}`,
      'Subject: html with a tracker',
      'Message-ID: <html-tracker@example.test>',
      'Date: Mon, 7 Dec 2026 09:02:00 +0900',
      'MIME-Version: 1.0',
      'Content-Type: text/html; charset=utf-8',
      '',
      `<html><head><link rel="stylesheet" href="${trackerUrl}/style.css"><script>document.title='script ran'</script></head>`,
      `<body><h1 id="hello">こんにちは HTML</h1><img src="${trackerUrl}/pixel.png" alt="tracker"><p style="background:url(${trackerUrl}/bg.png)">styled</p></body></html>`,
      '',
    ].join('\r\n'),
  );
}

function attachmentMessage(): Buffer {
  return Buffer.from(
    [
      'From: Sender <sender@example.test>',
      `To: ${user}`,
      'Subject: binary attachment',
      'Message-ID: <att@example.test>',
      'Date: Mon, 7 Dec 2026 09:03:00 +0900',
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
      "Content-Disposition: attachment; filename*=UTF-8''%E8%B3%87%E6%96%99.bin",
      'Content-Transfer-Encoding: base64',
      '',
      ATTACHMENT.toString('base64').replace(/.{76}/g, '$&\r\n'),
      '',
      '--b1--',
      '',
    ].join('\r\n'),
  );
}

/**
 * Errors Chromium reports, except the ones that prove the frame's blocking works (the frame's
 * CSP refusing the tracker, its sandbox refusing the script) and the browser's own
 * /favicon.ico probe (served once the console has a favicon).
 */
function watchConsole(p: Page): void {
  p.on('console', (msg) => {
    if (msg.type() !== 'error') return;
    const where = msg.location().url;
    if (where.includes('/html?folder=') || /\/favicon\.ico$/.test(where)) return;
    consoleErrors.push(`${msg.text()} @ ${where}`);
  });
  p.on('pageerror', (e) => consoleErrors.push(e.message));
}

before(async () => {
  tracker = createServer((req, res) => {
    trackerHits++;
    requested.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'image/png' }).end();
  });
  await new Promise<void>((resolve) => tracker.listen(0, '127.0.0.1', resolve));
  trackerUrl = `http://127.0.0.1:${(tracker.address() as AddressInfo).port}`;
  sb = await startSandboxes();
  allowEws(sb);
  user = sandboxUser(sb, 'console-mailbox');
  svc = await startService();
  await svc.listen();
  for (const kind of ['imap', 'pop3', 'ews', 'graph'] as const) {
    await consentedSandboxResource(sb, kind, { store: svc.store, name: `sb-${kind}`, user });
  }
  const box = sb.exchange.context.store.mailbox(user)!;
  const inbox = box.folder('inbox')!;
  const start = Date.now() - 3600_000;
  for (let i = 0; i < FILLERS; i++) {
    await inbox.append(
      Buffer.from(
        `From: filler@example.test\r\nTo: ${user}\r\nSubject: filler ${String(i + 1).padStart(2, '0')}\r\nMessage-ID: <filler-${i}@example.test>\r\n\r\nfiller\r\n`,
      ),
      { receivedAt: start + i * 1000, flags: ['\\Seen'] },
    );
  }
  const specials = [sjisMessage(), htmlMessage(), attachmentMessage(), iso2022jpMessage()];
  for (const [i, raw] of specials.entries()) await inbox.append(raw, { receivedAt: start + (FILLERS + i) * 1000 });
  box.createFolder('Projects');
  await box
    .folder('Projects')!
    .append(Buffer.from(`From: a@example.test\r\nTo: ${user}\r\nSubject: kept for later\r\n\r\narchived\r\n`), {
      receivedAt: start,
    });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.setDefaultTimeout(30_000);
  // Requests that reached a server (a request the CSP refused fires 'request', then fails).
  page.on('requestfinished', (r) => requested.push(r.url()));
  page.on('response', (r) => {
    if (r.status() >= 400) consoleErrors.push(`${r.status()} ${r.url()}`);
  });
  watchConsole(page);
  await logIn(page, svc);
});

after(async () => {
  await browser?.close();
  await svc?.close();
  await sb?.close();
  await new Promise((resolve) => tracker?.close(resolve));
});

const listSubjects = (): Promise<string[]> =>
  page.$$eval('#messages td:nth-child(3) a', (as) => as.map((a) => a.textContent ?? ''));

for (const kind of ['imap', 'ews', 'graph', 'pop3'] as const) {
  test(`${kind.toUpperCase()}: folders, pages of 25, the Japanese messages readable`, async () => {
    const name = `sb-${kind}`;
    await page.goto(`${svc.base}/console/mail/${name}`);
    const inboxCounts = (await page.textContent('#folders')) ?? '';
    if (kind === 'pop3') {
      assert.match(inboxCounts, /POP3 has one folder, INBOX/);
    } else {
      assert.match(inboxCounts, /4 unread \/ 34/, inboxCounts);
      assert.match(inboxCounts, /Projects\s*1 unread \/ 1/, inboxCounts);
    }
    const first = await listSubjects();
    assert.equal(first.length, 25);
    assert.equal(first[0], JA_SUBJECT, 'newest first, the ISO-2022-JP subject decoded');
    assert.ok(first.includes('shift-jis body'));
    await Promise.all([page.waitForURL(/page=2/), page.click('#older')]);
    const second = await listSubjects();
    assert.equal(second.length, 9);
    assert.equal(second.at(-1), 'filler 01');
    assert.equal(await page.$('#older'), null);
    if (kind !== 'pop3') assert.match((await page.textContent('#page-number')) ?? '', /Page 2 of 2/);
    await Promise.all([page.waitForURL(/page=1/), page.click('#newer')]);

    await Promise.all([
      page.waitForURL(new RegExp(`/console/mail/${name}/`)),
      page.getByRole('link', { name: JA_SUBJECT, exact: true }).click(),
    ]);
    assert.equal(await page.textContent('h1'), JA_SUBJECT);
    assert.equal((await page.textContent('#message-text'))?.trim(), JA_BODY.replace(/\r\n/g, '\n'));
    assert.match((await page.textContent('#message-headers')) ?? '', /山田 <yamada@example\.jp>/);
    await page.goto(`${svc.base}/console/mail/${name}`);
    await page.getByRole('link', { name: 'shift-jis body', exact: true }).click();
    await page.waitForSelector('#message-text');
    assert.equal((await page.textContent('#message-text'))?.trim(), SJIS_TEXT);
    if (kind === 'imap') await shot(page, 'mailbox-sjis');

    if (kind !== 'pop3') {
      await page.goto(`${svc.base}/console/mail/${name}`);
      await Promise.all([page.waitForURL(/folder=/), page.click('#folders a[data-folder$="Projects"]')]);
      assert.equal(
        await page.getAttribute('#folders a[aria-current=page]', 'data-folder'),
        await page.getAttribute('#folders a[data-folder$="Projects"]', 'data-folder'),
      );
      assert.deepEqual(await listSubjects(), ['kept for later']);
    }
  });
}

test('search runs on the server (IMAP SEARCH, EWS restriction, Graph $filter); POP3 says it cannot', async () => {
  for (const kind of ['imap', 'ews', 'graph'] as const) {
    await page.goto(`${svc.base}/console/mail/sb-${kind}`);
    await page.getByLabel('Search for').fill('会議資料');
    await Promise.all([page.waitForURL(/q=/), page.click('#search-button')]);
    assert.deepEqual(await listSubjects(), [JA_SUBJECT], kind);
    await page.getByLabel('Search in').selectOption('from');
    await page.getByLabel('Search for').fill('news@example.test');
    await Promise.all([page.waitForURL(/field=from/), page.click('#search-button')]);
    assert.deepEqual(await listSubjects(), ['html with a tracker'], kind);
    await page.getByLabel('Search for').fill('');
    await page.getByLabel('Unread only').check();
    await Promise.all([page.waitForURL(/unread=1/), page.click('#search-button')]);
    assert.equal((await listSubjects()).length, 4, kind);
    if (kind === 'imap') await shot(page, 'mailbox-search');
  }
  await page.goto(`${svc.base}/console/mail/sb-pop3`);
  assert.match((await page.textContent('#no-search')) ?? '', /POP3 cannot search/);
});

test('an HTML message: a sandboxed frame without scripts; its remote image and style sheet are never requested', async () => {
  for (const kind of ['imap', 'graph'] as const) {
    const before = requested.length;
    await page.goto(`${svc.base}/console/mail/sb-${kind}`);
    await Promise.all([
      page.waitForURL(/\/console\/mail\/sb-\w+\/.+/),
      page.getByRole('link', { name: 'html with a tracker' }).click(),
    ]);
    assert.equal(await page.getAttribute('#message-html', 'sandbox'), '', 'sandbox without allow-scripts');
    assert.match((await page.textContent('#remote-note')) ?? '', /Remote content blocked: 3 item/);
    const frame = await (await page.$('#message-html'))!.contentFrame();
    assert.ok(frame);
    await frame.waitForLoadState('load');
    assert.equal(await frame.textContent('#hello'), 'こんにちは HTML');
    assert.notEqual(await frame.title(), 'script ran');
    const csp =
      (await page.request.get(`${page.url().split('?')[0]}/html?folder=INBOX`)).headers()['content-security-policy'] ??
      '';
    assert.match(csp, /^sandbox;/);
    assert.match(csp, /default-src 'none'/);
    assert.equal(trackerHits, 0, 'the loopback tracker was never asked for anything');
    const leaked = requested.slice(before).filter((u) => u.startsWith(trackerUrl));
    assert.deepEqual(leaked, [], 'no request left for the remote host');
    if (kind === 'imap') await shot(page, 'mailbox-html');
  }
});

test('an attachment downloads byte for byte, with its Japanese file name', async () => {
  for (const kind of ['imap', 'ews', 'graph', 'pop3'] as const) {
    await page.goto(`${svc.base}/console/mail/sb-${kind}`);
    await Promise.all([
      page.waitForURL(/\/console\/mail\/sb-\w+\/.+/),
      page.getByRole('link', { name: 'binary attachment' }).click(),
    ]);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download 資料.bin' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), '資料.bin', kind);
    assert.ok((await readFile((await download.path())!)).equals(ATTACHMENT), `${kind}: the bytes are the attachment's`);
  }
});

test('in Japanese (Accept-Language: ja): the same pages speak Japanese with Japanese dates', async () => {
  const ja = await browser.newContext({ locale: 'ja-JP', viewport: { width: 390, height: 844 } });
  const p = await ja.newPage();
  try {
    watchConsole(p);
    await logIn(p, svc);
    await p.goto(`${svc.base}/console/mail/sb-imap`);
    assert.match((await p.textContent('h1')) ?? '', /メールボックス sb-imap/);
    assert.match((await p.textContent('#folders')) ?? '', /未読 4 \/ 全 34 件/);
    assert.match((await p.textContent('#messages caption')) ?? '', /全 34 件中 1〜25 件目/);
    assert.match((await p.textContent('#messages')) ?? '', /\d{4}\/\d\d\/\d\d \d\d:\d\d JST/);
    const width = await p.evaluate('document.documentElement.scrollWidth');
    assert.ok(Number(width) <= 390, `the list is ${String(width)} px wide at 390`);
    await shot(p, 'mailbox-ja-390');
    await p.getByRole('link', { name: 'html with a tracker' }).click();
    await p.waitForSelector('#remote-note');
    assert.match((await p.textContent('#remote-note')) ?? '', /リモート コンテンツをブロックしました/);
    assert.ok(Number(await p.evaluate('document.documentElement.scrollWidth')) <= 390);
    await shot(p, 'message-ja-390');
  } finally {
    await ja.close();
  }
  assert.deepEqual(consoleErrors, [], 'no errors in the browser console');
  assert.equal(trackerHits, 0);
});
