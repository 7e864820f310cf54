/**
 * `npm run screenshots`: the console's pages for the docs, from the demo's sandbox state, in
 * English and Japanese, as docs/img/{page}-{en|ja}.png (the table is DOC_PAGES in
 * screenshot-pages.ts). Needs Debian's chromium and fonts-noto-cjk (scripts/setup-debian.sh).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { DOC_PAGES, LOCALES, logIn, resolvePage, seedDemo, startDemo, useLocale } from './screenshot-pages.js';

const repo = process.cwd();
const out = join(repo, 'docs', 'img');
mkdirSync(out, { recursive: true });

const demo = await startDemo(repo);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 });
  page.setDefaultTimeout(60_000);
  await logIn(page, demo);
  await seedDemo(page, demo);
  const skipped: string[] = [];
  for (const locale of LOCALES) {
    await useLocale(page, demo.base, locale);
    for (const p of DOC_PAGES) {
      const path = await resolvePage(page, demo.base, p);
      if (!path) {
        if (locale === 'en') skipped.push(`${p.name} (${p.path})`);
        continue;
      }
      await page.goto(`${demo.base}${path}`);
      await page.evaluate('document.fonts.ready');
      const file = join(out, `${p.name}-${locale}.png`);
      await page.screenshot({ path: file, fullPage: true });
      console.log(`wrote ${file}`);
    }
  }
  if (skipped.length) console.log(`not on this build (skipped): ${skipped.join(', ')}`);
} finally {
  await browser.close();
  await demo.stop();
}
