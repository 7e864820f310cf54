import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLoopbackCallback, startCallbackListener } from '../../src/auth/callback-listener.js';
import { AuthError } from '../../src/errors.js';

test('only http loopback callbacks can be listened on', async () => {
  assert.equal(isLoopbackCallback('http://localhost'), true);
  assert.equal(isLoopbackCallback('http://127.0.0.1:8400/cb'), true);
  assert.equal(isLoopbackCallback('https://localhost'), false, "the guide's https://localhost: paste instead");
  assert.equal(isLoopbackCallback('http://example.com'), false);
  await assert.rejects(startCallbackListener('https://localhost'), (e: unknown) => e instanceof AuthError && e.code === 'CALLBACK_NOT_LOOPBACK');
});

test('query answer: a port is chosen, the redirect URI keeps its registered form, the browser gets a page', async () => {
  const l = await startCallbackListener('http://localhost');
  try {
    assert.match(l.redirectUri, /^http:\/\/localhost:\d+$/);
    const port = new URL(l.redirectUri).port;
    assert.equal((await fetch(`http://127.0.0.1:${port}/favicon.ico`)).status, 404);
    const res = await fetch(`http://127.0.0.1:${port}/?code=abc&state=s1`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /close this tab/);
    const params = await l.result;
    assert.equal(params.get('code'), 'abc');
    assert.equal(params.get('state'), 's1');
  } finally {
    await l.close();
  }
});

test('form_post answer on a path', async () => {
  const l = await startCallbackListener('http://127.0.0.1/callback');
  try {
    assert.match(l.redirectUri, /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    const res = await fetch(l.redirectUri, { method: 'POST', body: new URLSearchParams({ error: 'access_denied', state: 's2' }) });
    assert.equal(res.status, 200);
    const params = await l.result;
    assert.equal(params.get('error'), 'access_denied');
  } finally {
    await l.close();
  }
});

test('nobody comes back: CALLBACK_TIMEOUT', async () => {
  const l = await startCallbackListener('http://127.0.0.1', { timeoutMs: 50 });
  try {
    await assert.rejects(l.result, (e: unknown) => e instanceof AuthError && e.code === 'CALLBACK_TIMEOUT');
  } finally {
    await l.close();
  }
});
