/**
 * Issue 11, items 4 and 5, performed as an attacker holding an API key would, against the real
 * service over its REST API (a service started WITHOUT --allow-host-access): moving a
 * resource's token URL or mail host to a server the attacker runs, reading host files through
 * a config import (the JSON escape that beat the old text check), adding a command trigger
 * with a read-only key, and the scopes of every key.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SANDBOX } from '@mailbridge/sandbox';
import { Secret } from '../../src/secret.js';
import { ROUTE_SCOPES } from '../../src/server/scopes.js';
import { startReceiver, type Receiver } from './receiver.js';
import { m365Body, startService, type Service } from './support.js';

let svc: Service;
let attacker: Receiver;
const SECRET = 'the-real-client-secret-0123456789abcdef';
const REFRESH = 'the-stored-refresh-token-0123456789';
const ACCESS = 'the-cached-access-token-0123456789';

before(async () => {
  svc = await startService({ allowHostAccess: false });
  attacker = await startReceiver();
});
after(async () => {
  await svc?.close();
  await attacker?.close();
});

/** A consented resource: its secret, a refresh token and a cached access token in the store. */
async function consented(name: string): Promise<void> {
  const res = await svc.api(
    'POST',
    '/api/resources',
    m365Body(name, {
      kind: 'imap',
      authorityUrl: 'http://127.0.0.1:9',
      tenantId: SANDBOX.tenantId,
      clientId: SANDBOX.confidentialClientId,
      clientSecret: SECRET,
      user: SANDBOX.alice,
    }),
  );
  assert.equal(res.status, 201, res.text);
  await svc.store.compareAndSetTokenState(name, 0, { status: 'Available', refreshToken: new Secret(REFRESH) });
  await svc.store.putAccessToken(name, {
    audience: 'https://outlook.office.com',
    token: new Secret(ACCESS),
    expiresAt: Date.now() + 3600_000,
  });
}

async function keyWith(scopes: string[]): Promise<string> {
  const res = await svc.api('POST', '/api/keys', { label: scopes.join('+'), scopes });
  assert.equal(res.status, 201, res.text);
  return res.json.key as string;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the answers of many routes, each checked by shape in its test
async function call(key: string, method: string, url: string, body?: unknown): Promise<{ status: number; json: any }> {
  const res = await svc.server.app.inject({
    method: method as 'GET',
    url,
    headers: { authorization: `Bearer ${key}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
  });
  return { status: res.statusCode, json: res.body ? JSON.parse(res.body) : undefined };
}

function leaked(): boolean {
  const seen = attacker.received.map((r) => decodeURIComponent(r.body)).join('\n');
  return seen.includes(SECRET) || seen.includes(REFRESH) || seen.includes(ACCESS);
}

test("PATCH tokenUrl to the attacker's server without the secret is refused; a refresh then sends nothing there", async () => {
  await consented('moved');
  const patch = await svc.api('PATCH', '/api/resources/moved', { tokenUrl: `${attacker.url}/token` });
  assert.equal(patch.status, 400, patch.text);
  assert.equal(patch.json.error.code, 'CREDENTIALS_REQUIRED');
  assert.equal(patch.json.error.field, 'clientSecret');
  assert.match(patch.json.error.message, /oauth\.tokenUrl/);
  assert.equal(
    (await svc.store.getResource('moved'))?.oauth?.tokenUrl,
    `http://127.0.0.1:9/${SANDBOX.tenantId}/oauth2/v2.0/token`,
    'nothing written',
  );
  await svc.api('POST', '/api/resources/moved/token/refresh');
  assert.equal(attacker.received.length, 0, "the attacker's server was never called");
});

test('with the secret re-entered the move is accepted, and the stored tokens are dropped (status Missing): nothing to steal', async () => {
  await consented('moved2');
  const patch = await svc.api('PATCH', '/api/resources/moved2', {
    tokenUrl: `${attacker.url}/token`,
    clientSecret: 'attacker-chosen-secret-000000',
  });
  assert.equal(patch.status, 200, patch.text);
  assert.deepEqual(patch.json.tokensDropped, ['oauth.tokenUrl']);
  const state = await svc.store.getTokenState('moved2');
  assert.equal(state?.status, 'Missing');
  assert.equal(state?.refreshToken, undefined);
  assert.match(state?.statusReason ?? '', /endpoints changed.*consent again/);
  assert.equal(await svc.store.getAccessToken('moved2', 'https://outlook.office.com'), undefined);
  const refresh = await svc.api('POST', '/api/resources/moved2/token/refresh');
  assert.notEqual(refresh.status, 200);
  assert.equal(leaked(), false, 'neither the old secret nor a token reached the new endpoint');
});

test('the other destination fields need the secret too: mail host, authority, port and TLS mode, client auth, device URL', async () => {
  await consented('dest');
  for (const change of [
    { mailHost: '127.0.0.1' },
    { authorityUrl: attacker.url },
    { port: 143, secure: 'starttls' },
    { deviceCodeUrl: `${attacker.url}/device` },
  ]) {
    const res = await svc.api('PATCH', '/api/resources/dest', change);
    assert.equal(res.status, 400, `${JSON.stringify(change)}: ${res.text}`);
    assert.equal(res.json.error.code, 'CREDENTIALS_REQUIRED', JSON.stringify(change));
  }
  const harmless = await svc.api('PATCH', '/api/resources/dest', { user: SANDBOX.bob });
  assert.equal(harmless.status, 200, harmless.text);
  assert.equal(
    (await svc.store.getTokenState('dest'))?.refreshToken?.reveal(),
    REFRESH,
    'a change of where nothing goes keeps the tokens',
  );
  // A public client has no secret to give again, but its tokens go; switching back needs the secret.
  const publicClient = await svc.api('PATCH', '/api/resources/dest', { clientAuth: 'none' });
  assert.deepEqual(publicClient.json.tokensDropped, ['oauth.clientAuth']);
  assert.equal((await svc.store.getTokenState('dest'))?.refreshToken, undefined);
  const back = await svc.api('PATCH', '/api/resources/dest', {
    clientAuth: 'secret',
    tokenUrl: `${attacker.url}/token`,
  });
  assert.equal(back.json.error.code, 'CREDENTIALS_REQUIRED', 'the stored secret never follows a new endpoint');
});

test('a config import that replaces a resource with other endpoints drops its tokens too', async () => {
  await consented('imp');
  const text =
    `resources:\n  - name: imp\n    kind: imap\n    preset: m365\n    tenantId: ${SANDBOX.tenantId}\n    clientId: ${SANDBOX.confidentialClientId}\n` +
    `    user: ${SANDBOX.alice}\n    authorityUrl: ${attacker.url}\n    callbackUrl: http://127.0.0.1\n    clientSecret: attacker-chosen-secret-000000\n`;
  const res = await svc.api('POST', '/api/resources/import', { text, replace: true });
  assert.equal(res.status, 200, JSON.stringify(res.json));
  assert.equal((await svc.store.getTokenState('imp'))?.refreshToken, undefined);
  assert.equal(leaked(), false);
});

test('"clientSecret\\u0046ile" in an imported JSON config is the same key once parsed: refused, nothing read or written', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mb-priv-'));
  const keyFile = join(dir, 'key');
  writeFileSync(keyFile, 'SEALING-KEY-ON-THE-HOST', { mode: 0o600 });
  const text =
    `{"resources":[{"name":"exfil","kind":"imap","preset":"m365","tenantId":"${SANDBOX.tenantId}","clientId":"${SANDBOX.confidentialClientId}",` +
    `"user":"${SANDBOX.alice}","authorityUrl":"${attacker.url}","callbackUrl":"http://127.0.0.1","clientSecret\\u0046ile":"${keyFile}"}]}`;
  assert.ok(!/clientSecretFile/.test(text), 'the old text check would not see it');
  const res = await svc.api('POST', '/api/resources/import', { text, format: 'json' });
  assert.equal(res.status, 403, JSON.stringify(res.json));
  assert.equal(res.json.error.code, 'HOST_ACCESS_REFUSED');
  assert.equal(res.json.error.field, 'clientSecretFile');
  assert.equal(await svc.store.getResource('exfil'), undefined);
  // The same for the resource's own file fields, in a body, escaped or not.
  const body =
    `{"name":"ca","kind":"imap","preset":"m365","tenantId":"${SANDBOX.tenantId}","clientId":"x","clientSecret":"s-0123456789abcdef",` +
    `"user":"${SANDBOX.alice}","tls":{"ca\\u0046ile":"${keyFile}"}}`;
  const post = await svc.server.app.inject({
    method: 'POST',
    url: '/api/resources',
    payload: body,
    headers: { authorization: `Bearer ${svc.key}`, 'content-type': 'application/json' },
  });
  assert.equal(post.statusCode, 403, post.body);
  assert.equal(JSON.parse(post.body).error.field, 'tls.caFile');
  await consented('certs');
  const cert = await svc.api('PATCH', '/api/resources/certs', {
    clientAuth: 'certificate',
    certificate: { keyFile, certFile: keyFile },
  });
  assert.equal(cert.status, 403, cert.text);
  assert.equal(cert.json.error.code, 'HOST_ACCESS_REFUSED');
  assert.equal(attacker.received.length, 0);
});

test('a command trigger: refused for a read-only key (scope), and for an admin key without --allow-host-access; it never runs', async () => {
  await consented('watched');
  const marker = join(mkdtempSync(join(tmpdir(), 'mb-priv-')), 'ran');
  const trigger = {
    name: 'pwn',
    resource: 'watched',
    start: 'all',
    target: { kind: 'command', argv: ['/bin/sh', '-c', `touch ${marker}`] },
  };
  const read = await call(await keyWith(['read']), 'POST', '/api/triggers', trigger);
  assert.equal(read.status, 403);
  assert.equal(read.json.error.code, 'SCOPE_REQUIRED');
  assert.ok(read.json.error.message && read.json.error.hint, 'the error shape {error:{code,message,hint}}');
  const admin = await call(svc.key, 'POST', '/api/triggers', trigger);
  assert.equal(admin.status, 403);
  assert.equal(admin.json.error.code, 'HOST_ACCESS_REFUSED');
  const handler = await call(svc.key, 'POST', '/api/triggers', {
    ...trigger,
    target: { kind: 'handler', name: 'anything' },
  });
  assert.equal(handler.json.error.code, 'HOST_ACCESS_REFUSED');
  assert.equal(await svc.store.getTrigger('pwn'), undefined);
  await svc.runner.sync();
  assert.equal(existsSync(marker), false);
});

test('scopes: read reads, send sends, neither manages; keys from before scopes are read-only', async () => {
  await consented('scoped');
  const read = await keyWith(['read']);
  const send = await keyWith(['send']);
  assert.equal((await call(read, 'GET', '/api/resources')).status, 200);
  assert.equal((await call(read, 'GET', '/api/resources/scoped')).status, 200);
  for (const [method, url, body] of [
    ['POST', '/api/resources', {}],
    ['PATCH', '/api/resources/scoped', { user: 'x@y.z' }],
    ['GET', '/api/keys', undefined],
    ['POST', '/api/keys', { label: 'escalate', scopes: ['admin'] }],
    ['POST', '/api/mail/scoped/send', { to: ['a@b.c'], subject: 's', text: 't' }],
    ['POST', '/api/resources/scoped/consent', undefined],
    ['DELETE', '/api/resources/scoped/token', undefined],
  ] as const) {
    const r = await call(read, method, url, body);
    assert.equal(r.status, 403, `${method} ${url}`);
    assert.equal(r.json.error.code, 'SCOPE_REQUIRED');
  }
  assert.equal((await call(send, 'GET', '/api/resources')).status, 403, 'send does not imply read');
  assert.notEqual(
    (await call(send, 'POST', '/api/mail/scoped/send', { to: ['a@b.c'], subject: 's', text: 't' })).status,
    403,
  );
  // A key row written before migration 6 (no scopes column value).
  const legacy = `mbk_0badc0de_${'L'.repeat(43)}`;
  await svc.store.putCredential({
    id: '0badc0de',
    kind: 'api_key',
    label: 'old',
    prefix: 'mbk_0badc0de',
    hash: createHash('sha256').update(legacy).digest('hex'),
    createdAt: Date.now(),
  });
  assert.equal((await call(legacy, 'GET', '/api/triggers')).status, 200);
  assert.equal((await call(legacy, 'DELETE', '/api/resources/scoped')).status, 403);
  assert.ok((await svc.credentials.listApiKeys()).find((k) => k.id === '0badc0de')?.scopes.join() === 'read');
  assert.ok(await svc.store.getResource('scoped'));
});

test('every API route has a declared scope (the service would not start otherwise), and the table names no route that is gone', async () => {
  const doc = await svc.api('GET', '/openapi.json');
  const documented = new Set<string>();
  for (const [path, ops] of Object.entries(doc.json.paths as Record<string, Record<string, unknown>>)) {
    for (const method of Object.keys(ops))
      documented.add(`${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`);
  }
  for (const route of Object.keys(ROUTE_SCOPES))
    assert.ok(documented.has(route), `${route} exists`);
});

test('a hostile mail server named by PATCH never sees the access token (IMAP on loopback)', async () => {
  await consented('mailmove');
  const seen: Buffer[] = [];
  const server: Server = createServer((s) => {
    s.on('data', (d: Buffer) => {
      seen.push(d);
      for (const line of d.toString('latin1').split('\r\n').filter(Boolean))
        s.write(`${line.split(' ')[0]} OK done\r\n`);
    });
    s.write('* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=XOAUTH2 AUTH=OAUTHBEARER] hostile\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as { port: number }).port;
    const move = { mailHost: '127.0.0.1', port, secure: 'none', tls: { allowPlaintextLoopback: true } };
    assert.equal((await svc.api('PATCH', '/api/resources/mailmove', move)).status, 400);
    assert.equal(
      (await svc.api('PATCH', '/api/resources/mailmove', { ...move, clientSecret: 'attacker-chosen-secret-000000' }))
        .status,
      200,
    );
    await svc.api('GET', '/api/mail/mailmove/folders');
    const text = Buffer.concat(seen).toString('latin1');
    const decoded = (text.match(/[A-Za-z0-9+/=]{20,}/g) ?? [])
      .map((b) => Buffer.from(b, 'base64').toString('latin1'))
      .join('\n');
    assert.ok(!text.includes(ACCESS) && !decoded.includes(ACCESS), 'the access token never reached the new host');
  } finally {
    server.close();
  }
});
