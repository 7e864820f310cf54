/**
 * Issue 11, item 7, against the real service: a password brute force on the console login is
 * throttled per client and overall (429 + Retry-After), cookies are Secure behind a TLS proxy
 * or over https, every page carries the security headers, and callers who have not
 * authenticated cannot make the service read big bodies.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildServer, type MailbridgeServer, type ServerOptions } from '../../src/server/app.js';
import { createCredentialStore } from '../../src/server/credentials.js';
import { Secret } from '../../src/secret.js';
import { createSealer } from '../../src/store/seal.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { CONSOLE_PASSWORD } from './support.js';

async function withServer(o: Partial<ServerOptions>, work: (s: MailbridgeServer) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mb-login-'));
  const store: Store = openSqliteStore({ path: join(dir, 'db'), sealer: createSealer(randomBytes(32)) });
  const server = await buildServer({
    store,
    credentials: createCredentialStore(store),
    consolePassword: new Secret(CONSOLE_PASSWORD),
    ...o,
  });
  try {
    await work(server);
  } finally {
    await server.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The attacker's kit: one login page fetched once, its CSRF cookie and token reused for every guess. */
async function loginKit(s: MailbridgeServer, headers: Record<string, string> = {}) {
  const page = await s.app.inject({ method: 'GET', url: '/console/login', headers });
  const cookie = [page.headers['set-cookie'] ?? []]
    .flat()
    .map((c) => c.split(';')[0])
    .join('; ');
  const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
  return (password: string, from: Record<string, string> = headers) =>
    s.app.inject({
      method: 'POST',
      url: '/console/login',
      headers: { ...from, cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: token, password, next: '/console/' }).toString(),
    });
}

test('brute force: after a few wrong passwords the client gets 429 with Retry-After, even for the right password; others are not affected', async () => {
  await withServer({ trustProxy: '127.0.0.1' }, async (s) => {
    const attacker = { 'x-forwarded-for': '203.0.113.7' };
    const guess = await loginKit(s, attacker);
    for (let i = 0; i < 5; i++) assert.equal((await guess(`wrong-guess-${i}`)).statusCode, 303);
    const throttled = await guess('wrong-guess-5');
    assert.equal(throttled.statusCode, 429);
    assert.ok(Number(throttled.headers['retry-after']) >= 1);
    assert.match(throttled.body, /Too many failed attempts/);
    const right = await guess(CONSOLE_PASSWORD);
    assert.equal(right.statusCode, 429, 'a throttled client is not told whether its guess was right');
    assert.ok(![right.headers['set-cookie'] ?? []].flat().some((c) => c.startsWith('mb_session=')));
    const admin = await guess(CONSOLE_PASSWORD, { 'x-forwarded-for': '198.51.100.1' });
    assert.equal(admin.statusCode, 303);
    assert.ok([admin.headers['set-cookie'] ?? []].flat().some((c) => c.startsWith('mb_session=')));
  });
});

test('guesses spread over many client addresses hit the overall ceiling: 429 for everyone', async () => {
  await withServer({ trustProxy: '127.0.0.1' }, async (s) => {
    const guess = await loginKit(s);
    for (let i = 0; i < 30; i++)
      assert.equal((await guess(`wrong-${i}`, { 'x-forwarded-for': `192.0.2.${i + 1}` })).statusCode, 303);
    const next = await guess('wrong-again', { 'x-forwarded-for': '192.0.2.200' });
    assert.equal(next.statusCode, 429);
    assert.ok(Number(next.headers['retry-after']) >= 1);
  });
});

test('Secure cookies behind a TLS proxy (--behind-tls-proxy), or over https as a trusted proxy says; plain http without', async () => {
  await withServer({ behindTlsProxy: true }, async (s) => {
    const res = await (await loginKit(s))(CONSOLE_PASSWORD);
    const cookies = [res.headers['set-cookie'] ?? []].flat();
    assert.match(cookies.find((c) => c.startsWith('mb_session=')) ?? '', /;\s*Secure/i);
    const page = await s.app.inject({ method: 'GET', url: '/console/login' });
    assert.match([page.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith('mb_csrf=')) ?? '', /;\s*Secure/i);
    assert.match(String(page.headers['strict-transport-security']), /max-age=\d+/);
  });
  await withServer({ trustProxy: '127.0.0.1' }, async (s) => {
    const https = await (await loginKit(s, { 'x-forwarded-proto': 'https' }))(CONSOLE_PASSWORD);
    assert.match(
      [https.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith('mb_session=')) ?? '',
      /;\s*Secure/i,
    );
    const http = await (await loginKit(s))(CONSOLE_PASSWORD);
    assert.doesNotMatch(
      [http.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith('mb_session=')) ?? '',
      /Secure/i,
    );
  });
});

test("the login page, the OAuth callback page and API errors carry the security headers (CSP frame-ancestors 'none')", async () => {
  await withServer({}, async (s) => {
    for (const url of ['/console/login', '/oauth/callback?state=x&code=y', '/api/resources', '/health']) {
      const res = await s.app.inject({ method: 'GET', url, headers: { accept: 'text/html' } });
      assert.match(String(res.headers['content-security-policy']), /frame-ancestors 'none'/, url);
      assert.equal(res.headers['x-frame-options'], 'DENY', url);
      assert.equal(res.headers['x-content-type-options'], 'nosniff', url);
      assert.equal(res.headers['referrer-policy'], 'no-referrer', url);
    }
    const login = await s.app.inject({ method: 'GET', url: '/console/login' });
    assert.match(String(login.headers['content-security-policy']), /default-src 'none'/);
    assert.equal(login.headers['cache-control'], 'no-store');
  });
});

test('before authentication the service reads no big body: 413 on the login form, 401 before parsing on the API', async () => {
  await withServer({}, async (s) => {
    const big = await s.app.inject({
      method: 'POST',
      url: '/console/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `password=${'x'.repeat(1024 * 1024)}`,
    });
    assert.equal(big.statusCode, 413);
    const callback = await s.app.inject({
      method: 'POST',
      url: '/oauth/callback',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `code=${'x'.repeat(1024 * 1024)}`,
    });
    assert.equal(callback.statusCode, 413);
    // More than the authenticated limit (25 MB): a parser would answer 413; the guard answers first.
    const api = await s.app.inject({
      method: 'POST',
      url: '/api/resources/import',
      headers: { 'content-type': 'application/json' },
      payload: Buffer.alloc(26 * 1024 * 1024, 0x20),
    });
    assert.equal(api.statusCode, 401);
  });
});
