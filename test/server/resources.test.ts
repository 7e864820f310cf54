import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SANDBOX } from '@mailbridge/sandbox';
import { m365Body, startService, type Service } from './support.js';

let svc: Service;
const SECRET = 'very-secret-client-secret-value-123';

before(async () => { svc = await startService({ allowHostAccess: false }); });
after(async () => svc?.close());

const body = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  ...m365Body(name, { kind: 'imap', authorityUrl: 'http://127.0.0.1:9', tenantId: SANDBOX.tenantId, clientId: SANDBOX.confidentialClientId,
    clientSecret: SECRET, user: SANDBOX.alice }), ...extra,
});

test('add, read, list, edit and remove a resource; the secret is stored but never returned in full', async () => {
  const added = await svc.api('POST', '/api/resources', body('r1'));
  assert.equal(added.status, 201, added.text);
  assert.equal(added.json.resource.status, 'Missing');
  const one = await svc.api('GET', '/api/resources/r1');
  assert.equal(one.status, 200);
  assert.equal(one.json.settings.oauth.clientId, SANDBOX.confidentialClientId);
  assert.equal(one.json.settings.oauth.authorizeUrl, `http://127.0.0.1:9/${SANDBOX.tenantId}/oauth2/v2.0/authorize`);
  const list = await svc.api('GET', '/api/resources');
  assert.deepEqual(list.json.map((r: { name: string }) => r.name), ['r1']);
  for (const res of [added, one, list, await svc.api('GET', '/api/resources/r1/fields'), await svc.api('GET', '/api/resources/export?format=json')]) {
    assert.ok(!res.text.includes(SECRET), 'no response carries the secret');
    assert.ok(!res.text.includes(SECRET.slice(8)), 'not even most of it');
  }
  assert.equal((await svc.store.getSecret('r1', 'client_secret'))?.reveal(), SECRET, 'the secret was stored (sealed)');
  const edited = await svc.api('PATCH', '/api/resources/r1', { user: SANDBOX.bob });
  assert.equal(edited.status, 200, edited.text);
  assert.equal((await svc.store.getResource('r1'))?.user, SANDBOX.bob);
  assert.equal((await svc.store.getSecret('r1', 'client_secret'))?.reveal(), SECRET, 'an edit without a secret keeps it');
  assert.equal((await svc.api('DELETE', '/api/resources/r1')).status, 200);
  assert.equal((await svc.api('GET', '/api/resources/r1')).status, 404);
  assert.equal((await svc.api('DELETE', '/api/resources/r1')).json.error.code, 'RESOURCE_NOT_FOUND');
});

test('the guide\'s field table: the integration platform\'s labels, secret masked', async () => {
  await svc.api('POST', '/api/resources', body('fields1'));
  const fields = await svc.api('GET', '/api/resources/fields1/fields');
  const byLabel = new Map(fields.json.map((f: { label: string; value: string }) => [f.label, f.value]));
  assert.equal(byLabel.get('Server type'), 'IMAP');
  assert.equal(byLabel.get('Incoming mail server'), 'outlook.office365.com');
  assert.equal(byLabel.get('Incoming port'), '993');
  assert.equal(byLabel.get('OAuth refresh token status'), 'Missing');
  assert.match(String(byLabel.get('Client secret')), /^ver…\(35 chars\)$/);
  assert.equal(byLabel.get('Callback URL'), 'http://127.0.0.1');
});

test('bad input: a typed 400 naming the field, a duplicate 409, and nothing written', async () => {
  const noTenant = await svc.api('POST', '/api/resources', { ...body('bad1'), tenantId: undefined, kind: 'imap' });
  assert.equal(noTenant.status, 400);
  assert.match(noTenant.json.error.field, /tenantId/);
  const badKind = await svc.api('POST', '/api/resources', { ...body('bad2'), kind: 'fax' });
  assert.equal(badKind.status, 400);
  assert.equal(badKind.json.error.field, 'kind');
  const noSecret = await svc.api('POST', '/api/resources', { ...body('bad3'), clientSecret: undefined });
  assert.equal(noSecret.status, 400);
  assert.match(noSecret.json.error.message, /secret/i);
  assert.equal(await svc.store.getResource('bad1'), undefined);
  assert.equal(await svc.store.getResource('bad3'), undefined);
  await svc.api('POST', '/api/resources', body('dup'));
  const dup = await svc.api('POST', '/api/resources', body('dup'));
  assert.equal(dup.status, 409);
  assert.equal(dup.json.error.code, 'RESOURCE_EXISTS');
});

test('export then import: the config file round-trips; secrets are never exported; file references are refused', async () => {
  await svc.api('POST', '/api/resources', body('exp1', { kind: 'smtp', from: SANDBOX.alice }));
  const exported = await svc.server.app.inject({ method: 'GET', url: '/api/resources/export', headers: { authorization: `Bearer ${svc.key}` } });
  assert.equal(exported.statusCode, 200);
  assert.match(exported.headers['content-type'] as string, /yaml/);
  assert.match(exported.body, /name: exp1/);
  assert.ok(!exported.body.includes(SECRET));
  const text = exported.body.replace(/name: (\S+)/g, 'name: $1-copy').replace(/(name: exp1-copy)/, '$1\n    clientSecret: imported-secret-1234567890');
  const only = `resources:\n${text.split('resources:\n')[1]!.split(/\n  - /).find((e) => e.includes('exp1-copy'))!.replace(/^(?!  - )/, '  - ')}`;
  const imported = await svc.api('POST', '/api/resources/import', { text: only });
  assert.equal(imported.status, 200, imported.text);
  assert.deepEqual(imported.json.imported, ['exp1-copy']);
  assert.equal((await svc.store.getSecret('exp1-copy', 'client_secret'))?.reveal(), 'imported-secret-1234567890');
  const again = await svc.api('POST', '/api/resources/import', { text: only });
  assert.equal(again.status, 409);
  assert.equal((await svc.api('POST', '/api/resources/import', { text: only, replace: true })).status, 200);
  const fileRef = await svc.api('POST', '/api/resources/import', { text: 'resources:\n  - name: f\n    kind: imap\n    clientSecretFile: /etc/passwd\n' });
  assert.equal(fileRef.status, 403);
  assert.equal(fileRef.json.error.code, 'HOST_ACCESS_REFUSED');
  assert.equal(fileRef.json.error.field, 'clientSecretFile');
  const broken = await svc.api('POST', '/api/resources/import', { text: 'resources: [' });
  assert.equal(broken.status, 400);
  assert.equal(broken.json.error.code, 'CONFIG_PARSE');
});
