/**
 * Wiring for the console's browser tests: Debian's headless Chromium through playwright-core,
 * and a login through the console's own form.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CONSOLE_PASSWORD, type Service } from '../server/support.js';

export const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'console');

export async function launchChromium(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Logs in through the login form; the page ends on the resources page. */
export async function logIn(page: Page, svc: Service): Promise<void> {
  await page.goto(`${svc.base}/console/login`);
  await page.fill('#password', CONSOLE_PASSWORD);
  await Promise.all([page.waitForURL(/\/console\/$/), page.click('#login')]);
}

export const shot = (page: Page, name: string): Promise<Buffer> =>
  page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
