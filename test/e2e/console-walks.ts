/**
 * Wiring for the console's browser tests: the service on a loopback port, Debian's headless
 * Chromium through playwright-core, a logged-in page, and the walks a person does often (fill
 * the Add form, sign in and consent on the identity emulator's pages).
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CONSOLE_PASSWORD, startService, type Service } from '../server/support.js';

/** The few DOM members the tests read in the page (the test build has no DOM library). */
export interface DomInput {
  validity: { patternMismatch: boolean; valid: boolean };
  checked: boolean;
  value: string;
}
export interface DomForm {
  noValidate: boolean;
}
export interface DomDetails {
  open: boolean;
}
interface DomElement {
  offsetParent: unknown;
  textContent: string | null;
}

export interface ConsoleRun {
  svc: Service;
  browser: Browser;
  page: Page;
  /** Warnings and errors Chromium printed on the pages (an invalid `pattern`, a CSP refusal). */
  consoleMessages: string[];
  shot(name: string): Promise<Buffer>;
  close(): Promise<void>;
}

export async function openConsole(folder: string, opts: { syncIntervalMs?: number } = {}): Promise<ConsoleRun> {
  const artifacts = join(process.cwd(), 'test-artifacts', folder);
  mkdirSync(artifacts, { recursive: true });
  const svc = await startService({ syncIntervalMs: opts.syncIntervalMs ?? 500 });
  await svc.listen();
  await svc.runner.start();
  const browser = await chromium.launch({
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
  const page = await browser.newPage();
  page.setDefaultTimeout(45_000);
  const consoleMessages: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'warning' || m.type() === 'error') consoleMessages.push(m.text());
  });
  await page.goto(`${svc.base}/console/`);
  await page.fill('#password', CONSOLE_PASSWORD);
  await Promise.all([page.waitForURL(/\/console\/$/), page.click('#login')]);
  return {
    svc,
    browser,
    page,
    consoleMessages,
    shot: (name) => page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true }),
    async close() {
      await browser.close();
      await svc.close();
    },
  };
}

export interface FormResource {
  name: string;
  kind: 'imap' | 'pop3' | 'smtp' | 'ews' | 'graph';
  tenantId: string;
  clientId: string;
  clientSecret: string;
  user: string;
  authorityUrl: string;
  mailHost?: string;
  port?: number;
  secure?: 'tls' | 'starttls';
  caFile?: string;
}

/**
 * Fills the Add form as a person would (Advanced opened for the sign-in host and servers); goes
 * to the form (/console/resources/new) first unless the page already shows one.
 */
export async function fillAddForm(page: Page, r: FormResource): Promise<void> {
  if (!(await page.$('#f-name'))) await page.goto(new URL('/console/resources/new', page.url()).href);
  await page.fill('#f-name', r.name);
  await page.selectOption('#f-kind', r.kind);
  await page.fill('#f-tenantId', r.tenantId);
  await page.fill('#f-clientId', r.clientId);
  await page.fill('#f-clientSecret', r.clientSecret);
  await page.fill('#f-user', r.user);
  if (!(await page.$eval('#advanced', (d) => (d as unknown as DomDetails).open))) await page.click('#advanced summary');
  await page.fill('#f-authorityUrl', r.authorityUrl);
  if (r.mailHost) await page.fill('#f-mailHost', r.mailHost);
  if (r.port) await page.fill('#f-port', String(r.port));
  if (r.secure) await page.selectOption('#f-secure', r.secure);
  if (r.caFile) await page.fill('#f-caFile', r.caFile);
}

/** Connect: the emulator's sign-in and consent pages, up to the service's result page (not left). */
export async function signInAndConsent(page: Page, emulatorUrl: string, user: string, password: string): Promise<void> {
  await page.click('#connect');
  await page.waitForURL((u) => u.origin === emulatorUrl || !u.pathname.startsWith('/console/resources/'));
  if (page.url().startsWith(emulatorUrl)) {
    await page.waitForSelector('#username, #accept, #consent-result, #consent-error');
    if (await page.$('#username')) {
      await page.fill('#username', user);
      await page.fill('#password', password);
      await page.click('#signin');
    }
    await page.waitForSelector('#accept, #consent-result, #consent-error');
    if (await page.$('#accept')) await page.click('#accept');
  }
  await page.waitForSelector('#consent-result, #consent-error');
}

/** The visible text of every label span in the resource form (what a person reads). */
export async function visibleLabels(page: Page): Promise<string[]> {
  return page.$$eval('#resource-form label > span', (spans) =>
    spans.filter((s) => (s as unknown as DomElement).offsetParent !== null).map((s) => (s.textContent ?? '').trim()),
  );
}

export function assertNoSecret(source: string, secret: string): void {
  assert.equal(source.includes(secret), false, 'the page source must not carry the secret');
}
