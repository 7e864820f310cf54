import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CONSOLE_PASSWORD, cookieHeader, jarText, startService, type Service } from './support.js';

let svc: Service;

before(async () => {
  svc = await startService();
  await svc.listen();
});
after(async () => svc?.close());

/** Logs in like a browser: fetch the login page (CSRF cookie + token), post the form. */
async function login(password = CONSOLE_PASSWORD): Promise<{ status: number; location: string | null; jar: Map<string, string>; setCookie: string[] }> {
  const page = await fetch(`${svc.base}/console/login`);
  const jar = cookieHeader(page.headers.getSetCookie());
  const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
  assert.ok(token, 'the login form carries a CSRF token');
  const res = await fetch(`${svc.base}/console/login`, {
    method: 'POST', redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jarText(jar) },
    body: new URLSearchParams({ _csrf: token, password, next: '/console/' }),
  });
  cookieHeader(res.headers.getSetCookie(), jar);
  return { status: res.status, location: res.headers.get('location'), jar, setCookie: res.headers.getSetCookie() };
}

test('over real HTTP, an API call without a key is refused with 401 JSON naming the fix', async () => {
  const res = await fetch(`${svc.base}/api/resources`);
  assert.equal(res.status, 401);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  const body = await res.json() as { error: { code: string; message: string; hint: string } };
  assert.equal(body.error.code, 'UNAUTHORIZED');
  assert.match(body.error.hint, /Bearer mbk_/);
  assert.ok(!JSON.stringify(body).includes('    at '), 'no stack trace');
});

test('a wrong or malformed key is refused; the right key is accepted', async () => {
  for (const auth of ['Bearer mbk_00000000_' + 'A'.repeat(43), 'Bearer nonsense', `Basic ${svc.key}`, `Bearer ${svc.key}x`]) {
    const res = await fetch(`${svc.base}/api/resources`, { headers: { authorization: auth } });
    assert.equal(res.status, 401, auth);
  }
  const ok = await fetch(`${svc.base}/api/resources`, { headers: { authorization: `Bearer ${svc.key}` } });
  assert.equal(ok.status, 200);
  assert.deepEqual(await ok.json(), []);
});

test('API keys: created once in full, listed by prefix only, and dead once revoked', async () => {
  const created = await svc.api('POST', '/api/keys', { label: 'ci' });
  assert.equal(created.status, 201);
  const key = created.json.key as string;
  assert.match(key, /^mbk_[0-9a-f]{8}_/);
  const list = await svc.api('GET', '/api/keys');
  assert.ok(!list.text.includes(key), 'the key is never listed');
  assert.ok(list.json.some((k: { prefix: string }) => key.startsWith(k.prefix)));
  const use = await svc.server.app.inject({ method: 'GET', url: '/api/triggers', headers: { authorization: `Bearer ${key}` } });
  assert.equal(use.statusCode, 200);
  assert.equal((await svc.api('DELETE', `/api/keys/${created.json.id}`)).status, 200);
  const after = await svc.server.app.inject({ method: 'GET', url: '/api/triggers', headers: { authorization: `Bearer ${key}` } });
  assert.equal(after.statusCode, 401);
});

test('console pages redirect to the login page without a session; a console POST without one is 401 JSON', async () => {
  const page = await fetch(`${svc.base}/console/`, { redirect: 'manual' });
  assert.equal(page.status, 302);
  assert.match(page.headers.get('location') ?? '', /^\/console\/login\?next=/);
  const post = await fetch(`${svc.base}/console/resources`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'name=x' });
  assert.equal(post.status, 401);
  assert.equal(((await post.json()) as { error: { code: string } }).error.code, 'UNAUTHORIZED');
});

test('the login sets an HttpOnly SameSite=Strict session cookie; a wrong password does not', async () => {
  const bad = await login('wrong password!!');
  assert.equal(bad.status, 303);
  assert.match(bad.location ?? '', /failed=1/);
  assert.ok(!bad.jar.has('mb_session'));
  const good = await login();
  assert.equal(good.status, 303);
  assert.equal(good.location, '/console/');
  const cookie = good.setCookie.find((c) => c.startsWith('mb_session='));
  assert.ok(cookie);
  assert.match(cookie, /HttpOnly/i);
  assert.match(cookie, /SameSite=Strict/i);
  const home = await fetch(`${svc.base}/console/`, { headers: { cookie: jarText(good.jar) } });
  assert.equal(home.status, 200);
  assert.match(await home.text(), /Needs attention/, 'the dashboard is the first page');
});

test('CSRF: a console form posted without its token, or with a forged one, is refused with 403', async () => {
  const { jar } = await login();
  for (const token of [undefined, 'forged-token']) {
    const res = await fetch(`${svc.base}/console/keys`, {
      method: 'POST', redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jarText(jar) },
      body: new URLSearchParams({ label: 'csrf-test', ...(token ? { _csrf: token } : {}) }),
    });
    assert.equal(res.status, 403, `token ${token}`);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'CSRF_REFUSED');
  }
  assert.ok(!(await svc.credentials.listApiKeys()).some((k) => k.label === 'csrf-test'), 'nothing was created');
  // The login form itself is protected too (no login CSRF).
  const res = await fetch(`${svc.base}/console/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ password: CONSOLE_PASSWORD }) });
  assert.equal(res.status, 403);
});

test('with a session and its token, a console form works', async () => {
  const { jar } = await login();
  const page = await fetch(`${svc.base}/console/keys`, { headers: { cookie: jarText(jar) } });
  const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())?.[1];
  const res = await fetch(`${svc.base}/console/keys`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jarText(jar) },
    body: new URLSearchParams({ label: 'from-console', _csrf: token ?? '' }),
  });
  assert.equal(res.status, 200);
  assert.match(await res.text(), /<code id="new-key">mbk_/);
});

test('the OpenAPI document is public (it holds no secrets), and documents every route group', async () => {
  assert.equal((await fetch(`${svc.base}/openapi.json`)).status, 200);
  const doc = await svc.api('GET', '/openapi.json');
  assert.equal(doc.status, 200);
  assert.equal(doc.json.openapi, '3.0.3');
  const paths = Object.keys(doc.json.paths as object);
  for (const p of ['/api/resources', '/api/resources/{name}/consent', '/oauth/callback', '/api/mail/{resource}/messages', '/api/triggers/{name}/history',
    '/api/deliveries/{id}/replay', '/health', '/metrics', '/api/resources/import', '/api/resources/{name}/device-code']) {
    assert.ok(paths.includes(p), `${p} is documented`);
  }
  assert.ok(!paths.some((p) => p.startsWith('/console')), 'console pages are not API');
  assert.ok(doc.json.paths['/api/resources'].post.requestBody, 'the resource body is documented from its schema');
});

test('errors are JSON {error:{code,message,hint}}: unknown route, bad parameter, bad body', async () => {
  const missing = await svc.api('GET', '/api/nothing-here');
  assert.equal(missing.status, 404);
  assert.equal(missing.json.error.code, 'ROUTE_NOT_FOUND');
  const badQuery = await svc.api('GET', '/api/triggers/x/history?limit=0');
  assert.equal(badQuery.status, 400);
  assert.equal(badQuery.json.error.code, 'REQUEST_INVALID');
  assert.match(badQuery.json.error.field, /querystring\.limit/);
  const noLabel = await svc.api('POST', '/api/keys', {});
  assert.equal(noLabel.status, 400);
  assert.equal(noLabel.json.error.field, 'body.label');
  const notObject = await svc.api('POST', '/api/keys', ['label']);
  assert.equal(notObject.json.error.field, 'body', 'the whole body, named as such');
  const badJson = await svc.server.app.inject({ method: 'POST', url: '/api/keys', headers: { authorization: `Bearer ${svc.key}`, 'content-type': 'application/json' }, payload: '{oops' });
  assert.equal(badJson.statusCode, 400);
  const body = JSON.parse(badJson.body) as { error: { code: string; message: string; hint: string } };
  assert.ok(body.error.code && body.error.message && body.error.hint);
  assert.ok(!badJson.body.includes('    at '));
});

test('health is public; metrics need a key and speak the Prometheus text format', async () => {
  const health = await fetch(`${svc.base}/health`);
  assert.equal(health.status, 200);
  assert.equal(((await health.json()) as { status: string }).status, 'ok');
  assert.equal((await fetch(`${svc.base}/metrics`)).status, 401);
  const metrics = await fetch(`${svc.base}/metrics`, { headers: { authorization: `Bearer ${svc.key}` } });
  assert.equal(metrics.status, 200);
  assert.match(metrics.headers.get('content-type') ?? '', /text\/plain/);
  const text = await metrics.text();
  assert.match(text, /# TYPE mailbridge_http_requests_total counter/);
  assert.match(text, /mailbridge_http_requests_total\{method="GET",route="\/health",status="200"\} \d+/);
});
