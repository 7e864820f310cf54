import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { startService, type Service } from '../server/support.js';
import { launchChromium, logIn, shot } from './console-support.js';

// The console's languages in Chromium (issue 17): a browser asking for Japanese gets the login page and the frame
// (navigation, skip link, logout, title) in Japanese; the language switch in the header works without JavaScript and
// from the keyboard, keeps the choice in the mb_lang cookie and returns to the same page; the favicon is served by
// mailbridge under the strict CSP and the pages log no console errors.
let browser: Browser;
let svc: Service;

before(async () => {
  svc = await startService();
  await svc.listen();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await svc?.close();
});

test('Japanese from Accept-Language, a switch to English and back that needs no script, a favicon, no console errors', async () => {
  const context = await browser.newContext({ locale: 'ja-JP', javaScriptEnabled: false });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));

  await page.goto(`${svc.base}/console/login`);
  assert.equal(await page.getAttribute('html', 'lang'), 'ja');
  assert.equal(await page.title(), 'ログイン · mailbridge コンソール');
  assert.equal((await page.textContent('#login'))?.trim(), 'ログイン');
  assert.ok(await page.getByLabel('コンソールのパスワード').isVisible());
  await logIn(page, svc);

  await page.goto(`${svc.base}/console/keys`);
  assert.equal(await page.textContent('h1'), 'API キー');
  assert.equal(await page.getAttribute('nav[aria-label="コンソール"] a[aria-current="page"]', 'href'), '/console/keys');
  const nav = await page.locator('nav[aria-label="コンソール"] a').allTextContents();
  assert.deepEqual(
    nav.map((s) => s.trim()),
    ['ダッシュボード', 'リソース', 'トリガー', 'ゲートウェイ', 'API キー', 'API リファレンス'],
  );
  assert.equal((await page.textContent('.skip-link'))?.trim(), 'メイン コンテンツへ移動');
  assert.equal((await page.textContent('#logout'))?.trim(), 'ログアウト');
  assert.equal(await page.textContent('nav.lang [aria-current]'), '日本語');
  await shot(page, 'language-1-keys-ja');

  // The favicon: named by the page, served by mailbridge, allowed by the CSP (img-src 'self').
  const icon = await page.getAttribute('link[rel="icon"]', 'href');
  assert.equal(icon, '/console/assets/favicon.svg');
  const fav = await page.request.get(`${svc.base}${icon}`);
  assert.equal(fav.status(), 200);
  assert.match(fav.headers()['content-type'] ?? '', /^image\/svg\+xml/);
  assert.match(await fav.text(), /^<svg /);

  // Keyboard: Tab to the English link (the first stop is the skip link) and press Enter; no script runs here.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate('document.activeElement && document.activeElement.className'), 'skip-link');
  await page.focus('#lang-en');
  await Promise.all([page.waitForURL(/\/console\/keys$/), page.keyboard.press('Enter')]);
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  assert.equal(await page.textContent('h1'), 'API keys');
  assert.equal(await page.title(), 'API keys · mailbridge');
  const cookie = (await context.cookies()).find((c) => c.name === 'mb_lang');
  assert.equal(cookie?.value, 'en');
  assert.ok(cookie?.httpOnly);

  // The choice outlives the page (the browser still asks for Japanese) and is kept on the login page too.
  await page.goto(`${svc.base}/console/api`);
  assert.equal(await page.textContent('h1'), 'API reference');
  await page.click('#lang-ja');
  await page.waitForURL(/\/console\/api$/);
  assert.equal(await page.textContent('h1'), 'API リファレンス');
  assert.match(
    (await page.textContent('main .note + p')) ?? '',
    /API はヘッダー authorization: Bearer mbk_… \(API キー\)/,
  );

  // Only paths inside the console are returned to.
  const away = await page.request.get(`${svc.base}/console/lang/en?next=//evil.example/`, { maxRedirects: 0 });
  assert.equal(away.status(), 303);
  assert.equal(away.headers().location, '/console/');

  assert.deepEqual(problems, []);
  await context.close();
});
