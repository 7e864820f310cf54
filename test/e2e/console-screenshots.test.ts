import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  DOC_PAGES,
  LOCALES,
  logIn,
  resolvePage,
  seedDemo,
  startDemo,
  useLocale,
  type Demo,
} from '../../scripts/screenshot-pages.js';
import { launchChromium } from './console-support.js';

// Screenshots of the console's main pages (issue 17): `mailbridge demo` with two test sends
// (one Japanese ISO-2022-JP), each page of the docs' table that exists on this build, in
// English and Japanese, at a desktop's and a phone's (390 px) width: it answers 200, prints no
// error in the browser console, does not scroll sideways at 390 px, and its Japanese text is
// drawn with a CJK font (Chromium names the platform fonts it used for the heading: no tofu).
// The PNGs go to test-artifacts/screenshots/ for a person to look at.
const OUT = join(process.cwd(), 'test-artifacts', 'screenshots');
const WIDTHS = [1280, 390] as const;
let demo: Demo;
let browser: Browser;
/** The table's pages that exist on this build, resolved once (the message page's id, …). */
const pages: { name: string; path: string }[] = [];

before(async () => {
  mkdirSync(OUT, { recursive: true });
  demo = await startDemo(process.cwd());
  browser = await launchChromium();
  const page = await browser.newPage();
  page.setDefaultTimeout(60_000);
  await logIn(page, demo);
  await seedDemo(page, demo);
  for (const p of DOC_PAGES) {
    const path = await resolvePage(page, demo.base, p);
    if (path) pages.push({ name: p.name, path });
  }
  await page.context().close();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

/** The platform fonts Chromium drew an element's text with (DevTools protocol, CSS.getPlatformFontsForNode). */
async function fontsOf(page: Page, selector: string): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page);
  try {
    await cdp.send('DOM.enable');
    await cdp.send('CSS.enable');
    const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
    const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector });
    const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
    return fonts.map((f) => f.familyName);
  } finally {
    await cdp.detach();
  }
}

/** Marks the first element whose own text is Japanese (kana or kanji); false when the page has none. */
async function markJapaneseText(page: Page): Promise<boolean> {
  return page.evaluate(`(() => {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (/[\\u3040-\\u30ff\\u4e00-\\u9fff]/.test(n.textContent) && n.parentElement && n.parentElement.offsetParent !== null) {
        n.parentElement.setAttribute('data-cjk-probe', '');
        return true;
      }
    }
    return false;
  })()`);
}

for (const width of WIDTHS) {
  test(`the docs' pages in English and Japanese at ${width} px: they render, no console errors, CJK glyphs drawn`, async () => {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const page = await context.newPage();
    page.setDefaultTimeout(60_000);
    const errors: string[] = [];
    page.on('console', (m) => {
      // Chromium's own /favicon.ico probe answers 401 until the console serves a favicon.
      if (m.type() === 'error' && !/favicon\.ico$/.test(m.location().url))
        errors.push(`${m.text()} @ ${m.location().url}`);
    });
    page.on('pageerror', (e) => errors.push(e.message));
    try {
      await logIn(page, demo);
      let shots = 0;
      let cjkChecked = 0;
      for (const locale of LOCALES) {
        await useLocale(page, demo.base, locale);
        for (const { name, path } of pages) {
          const p = { name };
          const answer = await page.goto(`${demo.base}${path}`);
          assert.equal(answer?.status(), 200, path);
          await page.evaluate('document.fonts.ready');
          assert.equal(await page.getAttribute('html', 'lang'), locale, path);
          if (width <= 390) {
            const scroll = Number(await page.evaluate('document.documentElement.scrollWidth'));
            assert.ok(scroll <= width, `${p.name} (${locale}) is ${scroll} px wide at ${width}`);
          }
          if (locale === 'ja' && (await markJapaneseText(page))) {
            const fonts = await fontsOf(page, '[data-cjk-probe]');
            assert.ok(
              fonts.some((f) => /CJK|Noto Sans JP|Noto Serif JP/i.test(f)),
              `${p.name}: Japanese text drawn with ${fonts.join(', ')}`,
            );
            cjkChecked++;
          }
          await page.screenshot({ path: join(OUT, `${p.name}-${locale}-${width}.png`), fullPage: true });
          shots++;
        }
      }
      // mailbox, message and triggers are this branch's; the rest arrive with the other pages.
      assert.ok(shots >= 6, `only ${shots} pages captured`);
      assert.ok(cjkChecked >= 3, `Japanese text checked on ${cjkChecked} pages only`);
      assert.deepEqual(errors, []);
    } finally {
      await context.close();
    }
  });
}

test('the message page shows the Japanese ISO-2022-JP test send readable, in both languages', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  try {
    await logIn(page, demo);
    await useLocale(page, demo.base, 'ja');
    const path = pages.find((p) => p.name === 'message')?.path;
    assert.ok(path);
    await page.goto(`${demo.base}${path}`);
    assert.equal(await page.textContent('h1'), '【mailbridge】会議資料の確認のお願い');
    assert.match((await page.textContent('#message-text')) ?? '', /定例会議の資料を共有します/);
  } finally {
    await context.close();
  }
});
