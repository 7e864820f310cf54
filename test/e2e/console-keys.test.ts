import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { HTML_CSP } from '../../src/server/security-headers.js';
import { startService, type Service } from '../server/support.js';
import { launchChromium, logIn, shot } from './console-support.js';

// API keys and the API reference in Chromium (issue 21 item 11): a new key is shown once with
// a Copy button that puts it on the clipboard; its scopes and expiry are chosen and listed; an
// expired key is refused with API_KEY_EXPIRED; the API reference is served from the service's
// own OpenAPI document, loads nothing from elsewhere and runs under the strict CSP.
let browser: Browser;
let context: BrowserContext;
let page: Page;
let svc: Service;

before(async () => {
  svc = await startService();
  await svc.listen();
  browser = await launchChromium();
  context = await browser.newContext();
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: svc.base });
  page = await context.newPage();
  page.setDefaultTimeout(20_000);
  await logIn(page, svc);
});

after(async () => {
  await browser?.close();
  await svc?.close();
});

test('create a key with scopes and an expiry, copy it with the Copy button, use it; an expired key is refused with the reason', async () => {
  await page.getByRole('link', { name: 'API keys' }).click();
  await page.waitForURL(/\/console\/keys$/);
  await page.getByLabel('Label').fill('n8n');
  await page.getByRole('checkbox', { name: /send mail and the send test/ }).check();
  await page.getByLabel('Expires after').selectOption({ label: '30 days' });
  await page.click('#create-key');
  await page.waitForSelector('#key-created');
  const key = (await page.textContent('#new-key'))?.trim() ?? '';
  assert.match(key, /^mbk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}$/);
  assert.equal(await page.textContent('#new-key-scopes'), 'read send');
  const expiry = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
  assert.equal(await page.textContent('#new-key-expiry'), expiry);

  await page.getByRole('button', { name: 'Copy' }).click();
  // A locator, not waitForFunction: the console's CSP forbids eval, which a polled predicate needs.
  await page.locator('#new-key-status:not(:empty)').waitFor();
  assert.equal(await page.textContent('#new-key-status'), 'Copied to the clipboard.');
  assert.equal(await page.evaluate('navigator.clipboard.readText()'), key);
  await shot(page, 'keys-1-created');

  const row = page.locator('#keys tr', { hasText: 'n8n' });
  assert.equal(await row.locator('.scopes').textContent(), 'read send');
  assert.match((await row.locator('.expires').textContent()) ?? '', new RegExp(`^${expiry} \\(in 30 days\\)$`));
  const used = await fetch(`${svc.base}/api/resources`, { headers: { authorization: `Bearer ${key}` } });
  assert.equal(used.status, 200);

  // A key whose time is up (made through the REST API with the shortest lifetime, then its clock passed).
  const made = await svc.api('POST', '/api/keys', { label: 'short-lived', scopes: ['read'], expiresInDays: 1 });
  assert.equal(made.status, 201, made.text);
  assert.ok(made.json.expiresAt > Date.now());
  const row2 = await svc.store.getCredential(made.json.id);
  await svc.store.putCredential({ ...row2!, expiresAt: Date.now() - 1000 });
  const refused = await fetch(`${svc.base}/api/resources`, { headers: { authorization: `Bearer ${made.json.key}` } });
  assert.equal(refused.status, 401);
  const body = (await refused.json()) as { error: { code: string; message: string; hint: string } };
  assert.equal(body.error.code, 'API_KEY_EXPIRED');
  assert.match(body.error.hint, /create a new key/);
  await page.goto(`${svc.base}/console/keys`);
  assert.match(
    (await page.locator('#keys tr', { hasText: 'short-lived' }).locator('.expires').textContent()) ?? '',
    /^expired /,
  );

  await page.getByRole('button', { name: new RegExp(`^Revoke key short-lived \\(${made.json.prefix}\\)$`) }).click();
  await page.waitForURL(/\/console\/keys$/);
  assert.equal(await page.locator('#keys tr', { hasText: 'short-lived' }).count(), 0);
});

test('the API reference: every operation from the OpenAPI document with its scope, nothing loaded from elsewhere, strict CSP', async () => {
  const requested: string[] = [];
  page.on('request', (r) => requested.push(r.url()));
  const answer = await page.goto(`${svc.base}/console/api`);
  assert.equal(answer?.status(), 200);
  assert.equal(answer?.headers()['content-security-policy'], HTML_CSP);
  assert.doesNotMatch(HTML_CSP, /script-src[^;]*(unsafe|http|\*)/);
  for (const url of requested) assert.ok(url.startsWith(svc.base), `loaded from elsewhere: ${url}`);

  const doc = (await (await fetch(`${svc.base}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, { operationId: string }>>;
  };
  const ids = Object.values(doc.paths).flatMap((item) => Object.values(item).map((op) => op.operationId));
  assert.ok(ids.length > 20);
  for (const id of ids) assert.equal(await page.locator(`[id="op-${id}"]`).count(), 1, `operation ${id} is listed`);

  const create = page.locator('#op-createApiKey');
  await create.locator('summary').click();
  assert.match((await create.locator('summary').textContent()) ?? '', /post\s+\/api\/keys/i);
  assert.equal(await create.locator('.scope').textContent(), 'admin');
  assert.match((await create.textContent()) ?? '', /expiresInDays/);
  const list = page.locator('#op-listApiKeys');
  await list.locator('summary').click();
  await list.getByRole('link', { name: 'ApiKey' }).first().click();
  assert.match(page.url(), /#schema-ApiKey$/);
  assert.ok(await page.locator('#schema-ApiKey').isVisible());
  assert.equal(await page.locator('#op-sendMessage .scope').textContent(), 'send');
  await shot(page, 'keys-2-api-reference');
});
