import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cli, newHome, assertOneLineError, T, SECRET, USER } from './resource-support.js';

test('import and export through files; secrets stay out of the export', () => {
  const home = newHome();
  const dir = mkdtempSync(join(tmpdir(), 'mb-cli-files-'));
  const file = join(dir, 'resources.yaml');
  writeFileSync(file, `resources:\n  - name: receive\n    kind: imap\n    tenantId: ${T}\n    clientId: cid\n    user: ${USER}\n    clientSecret: env:MB_IMPORT_SECRET\n  - name: exchange\n    kind: ews\n    ewsV1: true\n    tenantId: ${T}\n    clientId: cid\n    user: ${USER}\n    clientSecret: env:MB_IMPORT_SECRET\n`);
  const imp = cli(home, ['resource', 'import', file], { env: { MB_IMPORT_SECRET: SECRET } });
  assert.equal(imp.code, 0, imp.stderr);
  assert.match(imp.stdout, /imported 2 resources/);
  assert.match(cli(home, ['resource', 'show', 'exchange']).stdout, /Authorization URL\s+https:\/\/login\.microsoftonline\.com\/[^/]+\/oauth2\/authorize\n/);

  const again = cli(home, ['resource', 'import', file], { env: { MB_IMPORT_SECRET: SECRET } });
  assertOneLineError(again, /already exists.*--replace/);

  const out = join(dir, 'export.json');
  assert.equal(cli(home, ['resource', 'export', out]).code, 0);
  const text = readFileSync(out, 'utf8');
  assert.ok(!text.includes(SECRET));
  assert.deepEqual((JSON.parse(text) as { resources: { name: string }[] }).resources.map((r) => r.name), ['exchange', 'receive']);

  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, `resources:\n  - name: other\n    kind: imap\n    tenantId: ${T}\n    clientId: cid\n    user: ${USER}\n    clientSecret: x\n  - name: broken\n    kind: smtp\n    tenantId: ${T}\n    clientId: cid\n    user: ${USER}\n    port: 465\n    clientSecret: x\n`);
  assertOneLineError(cli(home, ['resource', 'import', bad]), /bad\.yaml: resource "broken".*server\.secure/);
  assert.doesNotMatch(cli(home, ['resource', 'list']).stdout, /other/, 'a bad file imports nothing');
});
