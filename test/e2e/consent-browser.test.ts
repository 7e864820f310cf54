import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser } from 'playwright-core';
import { authorize } from '../../src/auth/consent.js';
import { TokenManager } from '../../src/auth/token-manager.js';
import { applyPreset } from '../../src/config/presets.js';
import { parseResource } from '../../src/config/validate.js';
import { createSealer } from '../../src/store/seal.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { Secret } from '../../src/secret.js';
import { SANDBOX, startIdentityEmulator, type IdentityEmulator } from '@mailbridge/sandbox';
import { randomBytes } from 'node:crypto';

// A person's consent in a real browser: Debian's headless Chromium signs in and accepts on
// the emulator's pages, the loopback listener catches the code, and the resource ends Available.
const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'e2e');
let emulator: IdentityEmulator;
let browser: Browser;
let store: Store;

before(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  emulator = await startIdentityEmulator();
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    // The machine has no network: without these flags Chromium keeps dialling Google's hosts.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  store = openSqliteStore({ path: ':memory:', sealer: createSealer(randomBytes(32)) });
});

after(async () => {
  await browser?.close();
  await store?.close();
  await emulator?.close();
});

async function addResource(name: string, callbackUrl: string): Promise<void> {
  const resource = parseResource(applyPreset({
    name, kind: 'imap', preset: 'm365', tenantId: SANDBOX.tenantId, clientId: SANDBOX.confidentialClientId,
    user: SANDBOX.alice, authorityUrl: emulator.url, callbackUrl,
  }));
  await store.putResource(resource);
  await store.putSecret(name, 'client_secret', new Secret(SANDBOX.clientSecret));
}

test('a person signs in and consents in Chromium; the loopback listener ends the flow with status Available', async () => {
  await addResource('browser-imap', 'http://localhost');
  const manager = new TokenManager({ store });
  const page = await browser.newPage();
  try {
    const result = await authorize(manager, 'browser-imap', {
      mode: 'auto',
      timeoutMs: 60_000,
      io: {
        print: () => undefined,
        openBrowser: async (url) => {
          await page.goto(url);
          await page.fill('#username', SANDBOX.alice);
          await page.fill('#password', SANDBOX.password);
          await page.screenshot({ path: join(ARTIFACTS, '1-signin.png') });
          await page.click('#signin');
          await page.waitForSelector('#accept');
          const permissions = await page.textContent('#permissions');
          assert.match(permissions ?? '', /IMAP\.AccessAsUser\.All/);
          await page.screenshot({ path: join(ARTIFACTS, '2-consent.png') });
          // The listener answers the redirect; wait for its page before the flow goes on.
          await Promise.all([page.waitForURL(/^http:\/\/localhost:\d+\//), page.click('#accept')]);
          await page.screenshot({ path: join(ARTIFACTS, '3-done.png') });
        },
      },
    });
    assert.equal(result.status, 'Available');
    assert.equal(result.via, 'listener');
    assert.equal(result.audience, 'https://outlook.office365.com');
    const report = await manager.status('browser-imap');
    assert.equal(report.status, 'Available');
    const state = await store.getTokenState('browser-imap');
    assert.ok(state?.refreshToken, 'a refresh token is stored');
    assert.match(await page.content(), /close/i, 'the listener tells the person they may close the tab');
  } finally {
    await page.close();
  }
});

test('Cancel on the consent page ends the flow with access_denied and leaves the resource Missing', async () => {
  await addResource('browser-cancel', 'http://127.0.0.1');
  const manager = new TokenManager({ store });
  const page = await browser.newPage();
  try {
    await assert.rejects(
      authorize(manager, 'browser-cancel', {
        mode: 'auto',
        timeoutMs: 60_000,
        io: {
          print: () => undefined,
          openBrowser: async (url) => {
            await page.goto(url);
            await page.fill('#username', SANDBOX.bob);
            await page.fill('#password', SANDBOX.password);
            await page.click('#signin');
            await page.waitForSelector('#cancel');
            await Promise.all([page.waitForURL(/^http:\/\/127\.0\.0\.1:\d+\//), page.click('#cancel')]);
          },
        },
      }),
      (e: Error & { code?: string }) => {
        assert.match(`${e.code} ${e.message}`, /access_denied|DENIED|cancel/i);
        return true;
      },
    );
    const report = await manager.status('browser-cancel');
    assert.equal(report.status, 'Missing');
  } finally {
    await page.close();
  }
});
