/**
 * The console pages the docs show, in one table, and what both `npm run screenshots` and the
 * screenshot test (test/e2e/console-screenshots.test.ts) do with it: start `mailbridge demo`
 * on a fresh MAILBRIDGE_HOME, log in, send two test messages (one in Japanese ISO-2022-JP) so
 * the mailbox and the trigger have something to show, and capture each page that exists on
 * this build. A page missing here (404, or a redirect elsewhere) is skipped and reported, so
 * the table can name pages another branch adds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';

export interface DocPage {
  /** The file name stem: docs/img/{name}-{locale}.png (docs/journey.md refers to these). */
  name: string;
  path: string;
  /** Open the first element matching this selector's link instead (the newest message, …). */
  follow?: string;
}

/** The pages of the docs, in the order of the journey. */
export const DOC_PAGES: readonly DocPage[] = [
  { name: 'dashboard', path: '/console/' },
  { name: 'resources', path: '/console/resources' },
  { name: 'resource', path: '/console/resources/demo-receive' },
  { name: 'resource-add', path: '/console/resources/new' },
  { name: 'mailbox', path: '/console/mail/demo-receive' },
  { name: 'message', path: '/console/mail/demo-receive', follow: '#messages a' },
  { name: 'triggers', path: '/console/triggers' },
  { name: 'gateway', path: '/console/gateway' },
];

export const LOCALES = ['en', 'ja'] as const;
export const JA_SUBJECT = '【mailbridge】会議資料の確認のお願い';
export const JA_BODY = 'お疲れさまです。\n明日の定例会議の資料を共有します。ご確認をお願いいたします。';

export interface Demo {
  base: string;
  password: string;
  home: string;
  stop(): Promise<void>;
}

/** Starts `mailbridge demo --port 0` (from the sources) on a fresh home; resolves once its console is up. */
export async function startDemo(repo: string): Promise<Demo> {
  const home = mkdtempSync(join(tmpdir(), 'mb-screens-'));
  // The demo prints a fresh console password on a fresh home; one set outside would hide it.
  const { MAILBRIDGE_CONSOLE_PASSWORD: _ignored, ...env } = process.env;
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', join(repo, 'src/cli/main.ts'), 'demo', '--port', '0'],
    {
      cwd: repo,
      env: { ...env, MAILBRIDGE_HOME: home, LANG: 'C.UTF-8' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  const started = await new Promise<{ base: string; password: string }>((resolve, reject) => {
    const look = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const m = /console\s+(http:\/\/\S+)\/console\/\s+\(password: (\S+)\)/.exec(out);
      if (m) resolve({ base: m[1]!, password: m[2]! });
    };
    child.stdout!.on('data', look);
    child.stderr!.on('data', (c: Buffer) => {
      out += c.toString('utf8');
    });
    child.once('exit', (code) =>
      reject(new Error(`mailbridge demo exited (${String(code)}) before its console was up:\n${out}`)),
    );
  });
  return {
    ...started,
    home,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export async function logIn(page: Page, demo: Demo): Promise<void> {
  await page.goto(`${demo.base}/console/login`);
  await page.fill('#password', demo.password);
  await Promise.all([page.waitForURL((u) => !u.pathname.endsWith('/login')), page.click('#login')]);
}

/**
 * Two test sends through demo-send (one Japanese in ISO-2022-JP), then waits until both are in
 * demo-receive's Inbox and the demo trigger delivered them (the watcher works on its own time).
 */
export async function seedDemo(page: Page, demo: Demo): Promise<void> {
  for (const [subject, text, encoding] of [
    ['Quarterly report for review', 'Hello,\nthe quarterly report is ready for your review.', 'utf-8'],
    [JA_SUBJECT, JA_BODY, 'iso-2022-jp'],
  ] as const) {
    await page.goto(`${demo.base}/console/resources/demo-send/send`);
    await page.fill('#send-subject', subject);
    await page.fill('#send-text', text);
    await page.check(`input[name=encoding][value=${encoding}]`);
    await Promise.all([page.waitForLoadState('load'), page.click('#send-test')]);
    await page.waitForSelector('#test-result.ok');
  }
  for (;;) {
    await page.goto(`${demo.base}/console/triggers`);
    if ((await page.$$('[data-trigger="demo-inbox"] table.deliveries .badge.delivered')).length >= 2) return;
    await page.waitForTimeout(500);
  }
}

/** Where a table row leads on this build, or undefined when the page does not exist here. */
export async function resolvePage(page: Page, base: string, p: DocPage): Promise<string | undefined> {
  const answer = await page.goto(`${base}${p.path}`);
  if (!answer || answer.status() !== 200 || new URL(page.url()).pathname !== p.path) return undefined;
  if (!p.follow) return p.path;
  const href = await page.getAttribute(p.follow, 'href').catch(() => null);
  return href ?? undefined;
}

/** Sets the console's language the way its switch does (the mb_lang cookie). */
export async function useLocale(page: Page, base: string, locale: (typeof LOCALES)[number]): Promise<void> {
  await page.context().addCookies([{ name: 'mb_lang', value: locale, url: base }]);
}
