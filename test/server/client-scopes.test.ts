/**
 * Issue 20 with the privilege model (docs/security.md): the generated client (test/generated/api.ts
 * + openapi-fetch) creates keys with scopes, and a key without the scope an operation needs gets
 * the documented 403: the error shape of the document (the same zod schema the service declares)
 * with SCOPE_REQUIRED, and the document lists that code under the operation's 403. A service
 * without --allow-host-access answers a command trigger with the documented HOST_ACCESS_REFUSED.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import createClient from 'openapi-fetch';
import { errorBodySchema } from '../../src/server/schemas/common.js';
import type { paths } from '../generated/api.js';
import { startService, type Service } from './support.js';

let svc: Service;
let admin: ReturnType<typeof createClient<paths>>;
const client = (key: string) => createClient<paths>({ baseUrl: svc.base, headers: { authorization: `Bearer ${key}` } });

before(async () => {
  svc = await startService({ allowHostAccess: false });
  await svc.listen();
  admin = client(svc.key);
});
after(async () => {
  await svc?.close();
});

/** The operation's documented 403 answer, from the service's own document. */
async function documented403(path: string, method: string): Promise<string> {
  const doc = (await (await fetch(`${svc.base}/openapi.json`)).json()) as {
    paths: Record<string, Record<string, { responses: Record<string, { description: string }> }>>;
  };
  const answer = doc.paths[path]?.[method]?.responses['403'];
  assert.ok(answer, `${method} ${path} documents a 403`);
  return answer.description;
}

test('a key without the needed scope gets the documented 403 (SCOPE_REQUIRED), through the generated client', async () => {
  const created = await admin.POST('/api/keys', { body: { label: 'reader', scopes: ['read'] } });
  assert.equal(created.response.status, 201, JSON.stringify(created.error));
  assert.deepEqual(created.data?.scopes, ['read']);
  const reader = client(created.data!.key);

  // Reading is allowed; the listing shows each key's scopes (never the key).
  const keys = await reader.GET('/api/keys');
  assert.equal(keys.response.status, 403, 'listing keys needs admin');
  const listed = await admin.GET('/api/keys');
  assert.deepEqual(listed.data?.find((k) => k.label === 'reader')?.scopes, ['read']);
  assert.equal((await reader.GET('/api/resources')).response.status, 200);

  const refused = await reader.DELETE('/api/resources/{name}', { params: { path: { name: 'any' } } });
  assert.equal(refused.response.status, 403);
  assert.equal(refused.data, undefined);
  // The body is the document's Error shape, with the code and the scopes named.
  const body = errorBodySchema.parse(refused.error);
  assert.equal(body.error.code, 'SCOPE_REQUIRED');
  assert.match(body.error.message, /"admin"/);
  assert.match(body.error.hint, /scopes/);
  assert.deepEqual([refused.error?.error.needed, refused.error?.error.held], ['admin', ['read']]);
  assert.match(await documented403('/api/resources/{name}', 'delete'), /SCOPE_REQUIRED/);

  // A send key may send but not move mail: refused before the resource is even looked up.
  const sender = client((await admin.POST('/api/keys', { body: { label: 'sender', scopes: ['send'] } })).data!.key);
  const move = await sender.POST('/api/mail/{resource}/move', {
    params: { path: { resource: 'none' } },
    body: { ids: ['1'], to: 'Archive' },
  });
  assert.equal(move.response.status, 403);
  assert.equal(move.error?.error.code, 'SCOPE_REQUIRED');
  assert.equal(move.error?.error.needed, 'modify');
});

test('a key defaults to read; unknown scopes are refused by the schema', async () => {
  const plain = await admin.POST('/api/keys', { body: { label: 'plain' } });
  assert.deepEqual(plain.data?.scopes, ['read']);
  const bad = await admin.POST('/api/keys', {
    body: { label: 'bad', scopes: ['root'] as unknown as ['read'] },
  });
  assert.equal(bad.response.status, 400);
  assert.equal(bad.error?.error.code, 'REQUEST_INVALID');
});

test('without --allow-host-access a command trigger gets the documented 403 (HOST_ACCESS_REFUSED)', async () => {
  const refused = await admin.POST('/api/triggers', {
    body: { name: 'run', resource: 'none', target: { kind: 'command', argv: ['/bin/true'] } },
  });
  assert.equal(refused.response.status, 403, JSON.stringify(refused.error));
  assert.equal(errorBodySchema.parse(refused.error).error.code, 'HOST_ACCESS_REFUSED');
  assert.match(await documented403('/api/triggers', 'post'), /HOST_ACCESS_REFUSED/);
  assert.equal((await admin.GET('/api/triggers')).data?.length, 0, 'nothing saved');
});
