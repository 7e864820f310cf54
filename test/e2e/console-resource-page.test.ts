import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SANDBOX, type IdentityEmulator } from '@mailbridge/sandbox';
import { openConsoleWithIdentity, type ConsoleWithIdentity } from './console-identity.js';
import { fillAddForm, signInAndConsent, type ConsoleRun } from './console-walks.js';

// Issue 17, Console: the resource page's history (consent, refresh, a failure with its AADSTS
// code), the device code shown large, and the pages in Japanese (labels, dates in JST, 390 px),
// in Chromium against an identity emulator of this test's own (it can refuse a refresh).
let c: ConsoleWithIdentity;
let run: ConsoleRun;
let idp: IdentityEmulator;
let common: ConsoleWithIdentity['common'];

before(async () => {
  c = await openConsoleWithIdentity('console-resource-page');
  ({ run, idp, common } = c);
});

after(async () => {
  await c?.close();
});

test('the resource page: history of the consent, a refresh and a refused refresh with its AADSTS code; the dashboard says it', async () => {
  const { page } = run;
  await page.goto(`${run.svc.base}/console/resources/new`);
  await fillAddForm(page, {
    name: 'pages-inbox',
    kind: 'imap',
    ...common(),
    mailHost: '127.0.0.1',
    port: 993,
    secure: 'tls',
  });
  await Promise.all([page.waitForURL(/\/console\/resources\/pages-inbox$/), page.click('#add')]);
  assert.ok(await page.$('#history-empty'));
  await signInAndConsent(page, idp.url, SANDBOX.alice, SANDBOX.password);
  assert.match((await page.textContent('#consent-result')) ?? '', /Available/);
  // The result page goes back to the resource by itself (its 2 s meta refresh): wait for that.
  await page.waitForURL(/\/console\/resources\/pages-inbox$/);
  await page.waitForSelector('#check');
  await Promise.all([page.waitForLoadState('load'), page.click('#check')]);
  await page.waitForSelector('#check-result.ok');
  assert.match((await page.textContent('#expiry')) ?? '', /valid until .* \(in \d+ (minutes|hour)/);

  idp.admin.addFault({ kind: 'refresh_token_revoked' });
  await Promise.all([page.waitForLoadState('load'), page.click('#check')]);
  await page.waitForSelector('#check-result.err');
  const rows = await page.$$eval('#history tr.event', (trs) =>
    trs.map((tr) => [tr.getAttribute('data-action'), tr.className, tr.textContent ?? '']),
  );
  assert.equal(rows.length, 3, JSON.stringify(rows));
  assert.equal(rows[0]![0], 'refresh');
  assert.match(rows[0]![1]!, /err/);
  assert.match(rows[0]![2]!, /AADSTS50173/);
  assert.match(rows[1]![0]!, /^(refresh|rotation)$/);
  assert.match(rows[1]![1]!, /ok/);
  assert.equal(rows[2]![0], 'consent');
  assert.match(rows[2]![2]!, /UTC/, 'an English viewer reads UTC');
  await run.shot('4-history');

  await page.goto(`${run.svc.base}/console/`);
  assert.ok(await page.$('#attention li[data-attention="consent-pages-inbox"]'), 'a revoked token needs a consent');
});

test('Connect with the device code shows the user code large and the address to enter it', async () => {
  const { page } = run;
  await page.goto(`${run.svc.base}/console/resources/pages-inbox`);
  await Promise.all([page.waitForURL(/\/device\/[^/]+$/), page.click('#connect-device')]);
  const code = ((await page.textContent('#user-code')) ?? '').trim();
  assert.match(code, /^[A-Z0-9-]{6,}$/);
  const size = await page.$eval('#user-code', (el) => {
    const g = globalThis as unknown as { getComputedStyle(e: unknown): { fontSize: string } };
    return parseFloat(g.getComputedStyle(el).fontSize);
  });
  assert.ok(size >= 30, `shown large (${size}px)`);
  assert.match((await page.getAttribute('#verification-uri', 'href')) ?? '', /^https?:\/\//);
  await run.shot('5-device-code');
});

test('in Japanese (Accept-Language ja): the guide’s labels, dates in JST, relative times in Japanese, at 390 px', async () => {
  const context = await run.browser.newContext({
    locale: 'ja-JP',
    extraHTTPHeaders: { 'Accept-Language': 'ja,en;q=0.5' },
    viewport: { width: 390, height: 844 },
  });
  const cookies = await run.page.context().cookies();
  await context.addCookies(cookies);
  const page = await context.newPage();
  // Every answer that failed, but the favicon (the layout's, another part of issue 17).
  const errors: string[] = [];
  page.on('response', (r) => {
    if (r.status() >= 400 && !r.url().endsWith('/favicon.ico')) errors.push(`${r.status()} ${r.url()}`);
  });
  page.on('pageerror', (e) => errors.push(e.message));
  try {
    await page.goto(`${run.svc.base}/console/resources/pages-inbox`);
    assert.equal(await page.getAttribute('html', 'lang'), 'ja');
    assert.match((await page.textContent('h1')) ?? '', /リソース pages-inbox/);
    const fields = (await page.textContent('#fields')) ?? '';
    for (const label of [
      '受信メールサーバ',
      '受信ポート番号',
      '認証URL',
      'アクセストークンURL',
      'コールバックURL',
      'クライアントID',
      'スコープ',
    ])
      assert.ok(fields.includes(label), label);
    const history = (await page.textContent('#history')) ?? '';
    assert.match(history, /\d{4}\/\d\d\/\d\d \d\d:\d\d JST/);
    assert.match(history, /前/);
    assert.match(history, /同意/);
    const width = await page.evaluate(
      () =>
        (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document.documentElement
          .scrollWidth,
    );
    assert.ok(width <= 390, `no sideways scrolling (${width}px)`);
    await page.screenshot({
      path: join(process.cwd(), 'test-artifacts', 'console-resource-page', '6-ja-resource.png'),
      fullPage: true,
    });

    await page.goto(`${run.svc.base}/console/resources/new`);
    const labels = await page.$$eval('#resource-form label > span', (s) => s.map((x) => (x.textContent ?? '').trim()));
    for (const label of [
      'リソース名',
      'サーバタイプ',
      'テナント ID',
      'クライアントID',
      'クライアントシークレット',
      'ユーザ',
    ])
      assert.ok(labels.includes(label), `${label} in ${labels.join(' | ')}`);
    await page.goto(`${run.svc.base}/console/`);
    assert.match((await page.textContent('#attention-heading')) ?? '', /対応が必要な項目/);
    assert.match((await page.textContent('#attention')) ?? '', /もう一度サインインして同意/);
    await page.screenshot({
      path: join(process.cwd(), 'test-artifacts', 'console-resource-page', '7-ja-dashboard.png'),
      fullPage: true,
    });
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
