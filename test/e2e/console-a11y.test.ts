import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { loadRig, type Rig } from '../helpers/rig.js';
import { addRigResource, startService, type Service } from '../server/support.js';
import { launchChromium, logIn, shot } from './console-support.js';

// Keyboard and narrow screens (issue 21 item 12), in Chromium at a phone's 390 px: no
// signed-in page scrolls sideways and Log out stays on screen; Tab reaches the skip link first
// and it moves focus to the main content; focus is visible; row buttons say which row they act
// on; every form field has a label.
let browser: Browser;
let page: Page;
let svc: Service;
let rig: Rig;
let user: string;
let messageId: string;

const LONG_SUBJECT = `A-very-long-subject-without-any-space-${'x'.repeat(120)}`;

before(async () => {
  rig = loadRig();
  user = rig.uniqueMailbox();
  svc = await startService();
  await svc.listen();
  await addRigResource(svc, rig, 'demo-imap', 'imap', user);
  await addRigResource(svc, rig, 'demo-smtp', 'smtp', user);
  await rig.deliver(
    user,
    `From: someone-with-a-long-address@subdomain.example.test\r\nTo: ${user}\r\nSubject: ${LONG_SUBJECT}\r\nMessage-ID: <long-${'y'.repeat(60)}@example.test>\r\n\r\nhttps://example.test/${'z'.repeat(200)}\r\n`,
  );
  messageId = (await svc.api('GET', '/api/mail/demo-imap/messages')).json[0].id as string;
  const trigger = await svc.api('POST', '/api/triggers', {
    name: 'to-webhook',
    resource: 'demo-imap',
    folder: 'INBOX',
    start: 'new',
    pollIntervalSeconds: 60,
    target: { kind: 'webhook', url: `https://hooks.example.test/${'w'.repeat(150)}` },
  });
  assert.equal(trigger.status, 201, trigger.text);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  page.setDefaultTimeout(20_000);
  await logIn(page, svc);
});

after(async () => {
  await browser?.close();
  await svc?.close();
});

const PAGES = (): string[] => [
  '/console/',
  '/console/resources',
  '/console/resources/new',
  '/console/resources/demo-imap',
  '/console/resources/demo-smtp',
  '/console/resources/demo-smtp/send',
  '/console/mail/demo-imap',
  `/console/mail/demo-imap/${messageId}`,
  '/console/triggers',
  '/console/keys',
  '/console/api',
];

test('at 390 px no signed-in page scrolls sideways, and Log out stays on screen', async () => {
  for (const path of PAGES()) {
    const answer = await page.goto(`${svc.base}${path}`);
    assert.equal(answer?.status(), 200, path);
    const width = await page.evaluate('document.documentElement.scrollWidth');
    assert.ok(Number(width) <= 390, `${path}: the page is ${String(width)} px wide`);
    const logout = await page.locator('#logout').boundingBox();
    assert.ok(logout && logout.x >= 0 && logout.x + logout.width <= 390, `${path}: Log out is on screen`);
    if (path === '/console/' || path.startsWith('/console/mail/demo-imap/'))
      await shot(page, `narrow${path.replace(/\W+/g, '-')}`);
  }
});

test('Tab reaches the skip link first; it moves focus to the main content; focus is visible', async () => {
  await page.goto(`${svc.base}/console/`);
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to main content' });
  assert.ok(await skip.evaluate((el) => el === (el.ownerDocument.activeElement as unknown)));
  const outline = await skip.evaluate((el) => {
    const s = el.ownerDocument.defaultView!.getComputedStyle(el);
    return `${s.outlineStyle} ${s.outlineWidth}`;
  });
  assert.match(outline, /^solid [1-9]/, `focus outline: ${outline}`);
  const box = await skip.boundingBox();
  assert.ok(box && box.x >= 0 && box.y >= 0, 'the focused skip link is on screen');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate('document.activeElement && document.activeElement.id'), 'main');
  // The next Tab goes into the content, not back through the header.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate('document.activeElement.closest("main") !== null'), true);
});

test('row buttons say which row they act on', async () => {
  await page.goto(`${svc.base}/console/resources`);
  assert.equal(await page.getByRole('button', { name: 'Connect demo-imap' }).count(), 1);
  assert.equal(await page.getByRole('button', { name: 'Connect demo-smtp' }).count(), 1);
  await page.goto(`${svc.base}/console/triggers`);
  assert.equal(await page.getByRole('button', { name: 'Pause trigger to-webhook' }).count(), 1);
  assert.equal(await page.getByRole('button', { name: 'Remove trigger to-webhook' }).count(), 1);
});

test('every form field of every signed-in page has a label', async () => {
  for (const path of PAGES()) {
    await page.goto(`${svc.base}${path}`);
    const unlabelled = await page.evaluate(`[...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
      .filter((el) => el.labels.length === 0 && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
      .map((el) => el.name || el.id || el.outerHTML)`);
    assert.deepEqual(unlabelled, [], path);
  }
});
