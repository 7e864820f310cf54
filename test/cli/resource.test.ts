import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { cliEntry } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const T = '8c3f2a1e-5b7d-4e9a-9f10-2d6c4b8a7e01';
const SECRET = 'sandbox-secret-value-1234567890';
const USER = 'alice@contoso.onmicrosoft.com';

interface Run { code: number | null; stdout: string; stderr: string }

/** Runs the real CLI in its own process, with its own MAILBRIDGE_HOME. */
function cli(home: string, args: string[], opts: { input?: string; env?: Record<string, string> } = {}): Run {
  const r = spawnSync(process.execPath, [...cliEntry(), ...args], {
    cwd: ROOT,
    input: opts.input ?? '',
    encoding: 'utf8',
    env: { ...process.env, MAILBRIDGE_HOME: home, MAILBRIDGE_KEY: '', MAILBRIDGE_DATABASE_URL: '', ...opts.env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function newHome(): string {
  return join(mkdtempSync(join(tmpdir(), 'mb-cli-')), 'home');
}

const addReceive = ['resource', 'add', 'receive', '--kind', 'imap', '--tenant', T, '--client-id', 'cid', '--user', USER, '--client-secret-stdin'];

/** A failure is one line on stderr naming the field and the fix, with no stack trace. */
function assertOneLineError(r: Run, field: RegExp): void {
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^mailbridge: /);
  assert.match(lines[0]!, field);
  assert.match(lines[0]!, /Fix: /);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

function allOutput(home: string, runs: Run[]): string {
  return runs.map((r) => r.stdout + r.stderr).join('\n') + (existsSync(home) ? readdirSync(home).join(' ') : '');
}

test('add, list, show, edit, export, remove', () => {
  const home = newHome();
  const runs: Run[] = [];
  const add = cli(home, addReceive, { input: SECRET }); // no final newline
  runs.push(add);
  assert.equal(add.code, 0, add.stderr);

  const list = cli(home, ['resource', 'list']);
  runs.push(list);
  assert.match(list.stdout, /receive\s+imap\s+outlook\.office365\.com:993\s+alice@contoso\.onmicrosoft\.com\s+Missing/);

  const show = cli(home, ['resource', 'show', 'receive']);
  runs.push(show);
  assert.match(show.stdout, /Incoming mail server\s+outlook\.office365\.com/);
  assert.match(show.stdout, /OAuth refresh token status\s+Missing/);
  assert.match(show.stdout, /Scope\s+offline_access https:\/\/outlook\.office365\.com\/IMAP\.AccessAsUser\.All/);
  assert.match(show.stdout, /Client secret\s+san…\(31 chars\)/);

  const json = cli(home, ['--json', 'resource', 'show', 'receive']);
  runs.push(json);
  const parsed = JSON.parse(json.stdout) as { fields: { label: string; value: string }[] };
  assert.equal(parsed.fields.find((f) => f.label === 'Access token URL')?.value, `https://login.microsoftonline.com/${T}/oauth2/v2.0/token`);

  // A new tenant moves the token URL: the secret must come with the change (issue 11 item 4).
  const moved = cli(home, ['resource', 'edit', 'receive', '--tenant', 'contoso.onmicrosoft.com']);
  runs.push(moved);
  assertOneLineError(moved, /oauth\.tokenUrl.*client secret must be given again.*--client-secret-stdin/);
  const edit = cli(home, ['resource', 'edit', 'receive', '--tenant', 'contoso.onmicrosoft.com', '--client-secret-stdin'], { input: 'new-secret-value-0123456789' });
  runs.push(edit);
  assert.equal(edit.code, 0, edit.stderr);
  const after = JSON.parse(cli(home, ['--json', 'resource', 'show', 'receive']).stdout) as { resource: { oauth: { tokenUrl: string } } };
  assert.equal(after.resource.oauth.tokenUrl, 'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token', 'derived URLs follow the tenant');

  const exp = cli(home, ['resource', 'export']);
  runs.push(exp);
  assert.match(exp.stdout, /name: receive/);
  assert.match(exp.stdout, /tenantId: contoso\.onmicrosoft\.com/);

  const rm = cli(home, ['resource', 'remove', 'receive']);
  runs.push(rm);
  assert.equal(rm.code, 0);
  assert.match(cli(home, ['resource', 'list']).stdout, /no resources yet/);
  assertOneLineError(cli(home, ['resource', 'remove', 'receive']), /no resource named "receive"/);

  assert.ok(!allOutput(home, runs).includes(SECRET), 'the secret never appears in any output');
});

test('secret from an environment variable; a stdin secret with a newline is trimmed', () => {
  const home = newHome();
  const env = cli(home, ['resource', 'add', 'send', '--kind', 'smtp', '--tenant', T, '--client-id', 'cid', '--user', USER, '--client-secret-env', 'MB_TEST_SECRET'], { env: { MB_TEST_SECRET: SECRET } });
  assert.equal(env.code, 0, env.stderr);
  cli(home, addReceive, { input: `${SECRET}\n` });
  const shown = cli(home, ['resource', 'show', 'receive']).stdout;
  assert.match(shown, /Client secret\s+san…\(31 chars\)/, 'newline not part of the secret');
  assert.match(cli(home, ['resource', 'show', 'send']).stdout, /Outgoing secure connection\s+TLS/);
});

test('invalid input: exit 1, one line naming the field and the fix, nothing written', () => {
  const home = newHome();
  assertOneLineError(cli(home, ['resource', 'add', 'x', '--kind', 'exchange', '--tenant', T, '--client-id', 'c'], { input: SECRET }), /kind.*imap, pop3, smtp, ews, graph/);
  assertOneLineError(cli(home, ['resource', 'add', 'x', '--kind', 'smtp', '--secure', 'tls', '--tenant', T, '--client-id', 'c', '--user', USER], { input: SECRET }), /server\.secure.*--secure starttls/);
  assertOneLineError(cli(home, ['resource', 'add', 'x', '--kind', 'imap', '--tenant', T, '--client-id', 'c', '--user', USER, '--callback-url', 'http://example.com/cb'], { input: SECRET }), /oauth\.callbackUrl/);
  assertOneLineError(cli(home, ['resource', 'add', 'x', '--kind', 'imap', '--tenant', T, '--client-id', 'c', '--user', USER, '--port', 'abc'], { input: SECRET }), /port/);
  assertOneLineError(cli(home, ['resource', 'add', 'x', '--kind', 'imap', '--tenant', T, '--client-id', 'c', '--user', USER]), /client secret.*--client-secret-stdin/);
  assert.match(cli(home, ['resource', 'list']).stdout, /no resources yet/, 'nothing was written');

  assert.equal(cli(home, addReceive, { input: SECRET }).code, 0);
  const before = cli(home, ['--json', 'resource', 'show', 'receive']).stdout;
  assertOneLineError(cli(home, ['resource', 'edit', 'receive', '--secure', 'starttls']), /server\.secure.*--secure tls/);
  assertOneLineError(cli(home, addReceive, { input: SECRET }), /already exists/);
  assert.equal(cli(home, ['--json', 'resource', 'show', 'receive']).stdout, before, 'edit wrote nothing');

  const json = cli(home, ['--json', 'resource', 'edit', 'receive', '--user', 'alice']);
  assert.equal(json.code, 1);
  assert.equal((JSON.parse(json.stderr) as { error: { field: string } }).error.field, 'user');
});

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
