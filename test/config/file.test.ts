import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { exportConfig, loadConfigFile } from '../../src/config/file.js';
import { ConfigError } from '../../src/errors.js';

const T = '8c3f2a1e-5b7d-4e9a-9f10-2d6c4b8a7e01';
const dir = mkdtempSync(join(tmpdir(), 'mb-config-'));

function write(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

test('YAML with presets, env: secrets and secret files', () => {
  writeFileSync(join(dir, 'secret.txt'), 'from-a-file\n');
  const p = write('ok.yaml', `
resources:
  - name: receive
    preset: m365
    kind: imap
    tenantId: ${T}
    clientId: cid
    user: alice@contoso.onmicrosoft.com
    clientSecret: env:MB_TEST_SECRET
  - name: send
    kind: smtp
    tenantId: ${T}
    clientId: cid
    user: alice@contoso.onmicrosoft.com
    clientSecretFile: secret.txt
`);
  const { resources } = loadConfigFile(p, { env: { MB_TEST_SECRET: 'from-env' } });
  assert.equal(resources.length, 2);
  assert.equal(resources[0]?.resource.server.host, 'outlook.office365.com');
  assert.equal(resources[0]?.secrets.clientSecret?.reveal(), 'from-env');
  assert.equal(resources[1]?.resource.server.port, 587);
  assert.equal(resources[1]?.secrets.clientSecret?.reveal(), 'from-a-file');
});

test('JSON by extension, literal secret', () => {
  const p = write('ok.json', JSON.stringify({ resources: [{ name: 'g', kind: 'graph', tenantId: T, clientId: 'c', clientSecret: 'literal' }] }));
  const { resources } = loadConfigFile(p, { env: {} });
  assert.equal(resources[0]?.resource.server.host, 'https://graph.microsoft.com');
});

function failsWith(path: string, check: (e: ConfigError) => void, env: NodeJS.ProcessEnv = {}): void {
  assert.throws(() => loadConfigFile(path, { env }), (e: unknown) => {
    assert.ok(e instanceof ConfigError, String(e));
    assert.ok(e.message.includes(path), `names the file: ${e.message}`);
    check(e);
    return true;
  });
}

test('errors name the file, the resource and the field', () => {
  const bad = write('bad.yaml', `resources:\n  - name: send\n    kind: smtp\n    tenantId: ${T}\n    clientId: c\n    user: a@b.example\n    secure: tls\n    clientSecret: x\n`);
  failsWith(bad, (e) => {
    assert.equal(e.field, 'server.secure');
    assert.match(e.message, /resource "send"/);
    assert.match(e.hint, /starttls/);
  });
  const typo = write('typo.yaml', `resources:\n  - name: r\n    kind: imap\n    tenant: ${T}\n`);
  failsWith(typo, (e) => assert.match(e.message, /unknown field tenant/));
  const env = write('env.yaml', `resources:\n  - name: r\n    kind: imap\n    tenantId: ${T}\n    clientId: c\n    user: a@b.example\n    clientSecret: env:MB_MISSING\n`);
  failsWith(env, (e) => { assert.equal(e.field, 'clientSecret'); assert.match(e.hint, /MB_MISSING/); });
  const noSecret = write('nosecret.yaml', `resources:\n  - name: r\n    kind: imap\n    tenantId: ${T}\n    clientId: c\n    user: a@b.example\n`);
  failsWith(noSecret, (e) => assert.equal(e.field, 'clientSecret'));
  const dup = write('dup.json', JSON.stringify({ resources: [{ name: 'a', kind: 'graph', tenantId: T, clientId: 'c', clientSecret: 'x' }, { name: 'a', kind: 'graph', tenantId: T, clientId: 'c', clientSecret: 'x' }] }));
  failsWith(dup, (e) => assert.equal(e.field, 'name'));
  const syntax = write('syntax.yaml', 'resources: [\n');
  failsWith(syntax, (e) => assert.equal(e.code, 'CONFIG_PARSE'));
});

test('export is the short form, round-trips, and never holds a secret', () => {
  const p = write('rt.yaml', `resources:\n  - name: ex\n    kind: ews\n    ewsV1: true\n    tenantId: ${T}\n    clientId: c\n    user: a@contoso.example\n    state: fixed\n    clientSecret: very-secret-value-0001\n  - name: sb\n    kind: imap\n    tenantId: ${T}\n    clientId: c\n    user: a@contoso.example\n    authorityUrl: http://127.0.0.1:4444\n    mailHost: 127.0.0.1\n    port: 10993\n    tls: { insecureLoopback: true }\n    clientSecret: very-secret-value-0001\n`);
  const first = loadConfigFile(p, { env: {} }).resources;
  const text = exportConfig(first.map((r) => r.resource));
  assert.ok(!text.includes('very-secret-value-0001'));
  assert.match(text, /ewsV1: true/);
  assert.match(text, /authorityUrl: http:\/\/127\.0\.0\.1:4444/);
  const again = write('rt2.yaml', text.replace(/clientId: c\n/g, 'clientId: c\n    clientSecret: s\n'));
  const second = loadConfigFile(again, { env: {} }).resources;
  assert.deepEqual(second.map((r) => r.resource), first.map((r) => r.resource));
  const json = JSON.parse(exportConfig(first.map((r) => r.resource), 'json')) as { resources: unknown[] };
  assert.equal(json.resources.length, 2);
});
