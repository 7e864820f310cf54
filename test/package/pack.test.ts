// The packages as a user gets them: `npm pack` of mailbridge (which carries @mailbridge/sandbox's build, reached as
// `#sandbox` through package.json `imports`) and of @mailbridge/sandbox alone, unpacked into a consumer project's
// node_modules, imported by name from TypeScript (type-checked) and from plain ESM (run); their bins: pack-bins.test.ts.
// The consumer lives under test-artifacts/ inside the repository so the packages' own dependencies resolve from the
// repository's node_modules (no network, no install), while `mailbridge` and `@mailbridge/sandbox` themselves resolve
// only to the unpacked tarballs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = resolve('.');

interface Packed { filename: string; files: { path: string }[] }

/** `npm pack` (of the workspace WORKSPACE, or of the root) into DIR: the tarball's name and its file list. */
async function pack(dir: string, workspace?: string): Promise<{ tarball: string; files: string[] }> {
  // --ignore-scripts: the sandbox's `prepare` (its build) already ran (the test checks), and takes seconds.
  const packed = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir, ...(workspace ? ['-w', workspace] : [])], { cwd: root });
  const [info] = JSON.parse(packed.stdout) as [Packed];
  return { tarball: join(dir, info.filename), files: info.files.map((f) => f.path) };
}

const DOCUMENTS = ['package.json', 'README.md', 'LICENSE'];
/** Where mailbridge's tarball carries the sandbox's build. */
const CARRIED = 'packages/sandbox/';

test('npm pack ships dist, README, LICENSE and package.json only (mailbridge with the sandbox in it), and the entry points import by name', async (t) => {
  assert.ok(existsSync('dist/index.js'), 'build first: npx tsc -p tsconfig.json (scripts/test.sh does)');
  assert.ok(existsSync('packages/sandbox/dist/index.js'), 'build the sandbox first: npx tsc -b packages/sandbox (scripts/test.sh does)');
  mkdirSync('test-artifacts', { recursive: true });
  const dir = mkdtempSync(join(root, 'test-artifacts', 'pack-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));

  const [main, sandboxPack] = await Promise.all([pack(dir), pack(dir, '@mailbridge/sandbox')]);
  const files = main.files;
  const outside = files.filter((p) => !p.startsWith('dist/') && !DOCUMENTS.includes(p) && !p.startsWith(CARRIED));
  assert.deepEqual(outside, [], 'only dist/, the package documents and the sandbox\'s build are shipped');
  const carried = files.filter((p) => p.startsWith(CARRIED)).map((p) => p.slice(CARRIED.length));
  assert.deepEqual(carried.filter((p) => !p.startsWith('dist/') && p !== 'package.json'), [], 'of the sandbox: its dist/ and package.json');
  assert.deepEqual(carried.filter((p) => p.startsWith('dist/')).sort(), sandboxPack.files.filter((p) => p.startsWith('dist/')).sort(),
    'mailbridge carries the sandbox\'s build exactly as the sandbox\'s own tarball has it');
  assert.deepEqual(sandboxPack.files.filter((p) => !p.startsWith('dist/') && !DOCUMENTS.includes(p)), [], 'the sandbox tarball: dist/ and documents');
  // The carried build imports the sandbox's dependencies from mailbridge's node_modules: mailbridge must declare them.
  const rootPkg = JSON.parse(readFileSync('package.json', 'utf8')) as { dependencies: Record<string, string> };
  const sandboxPkg = JSON.parse(readFileSync('packages/sandbox/package.json', 'utf8')) as { dependencies: Record<string, string> };
  for (const [name, range] of Object.entries(sandboxPkg.dependencies)) {
    assert.equal(rootPkg.dependencies[name], range, `mailbridge depends on the sandbox's dependency ${name}@${range}`);
  }
  // Test folders and test files, not modules that merely start with "test" (the console's test-send page).
  for (const list of [files, sandboxPack.files]) {
    assert.deepEqual(list.filter((p) => /(^|\/)tests?\/|\.test\.|\.map$|fixture|tsbuildinfo|(?<!\.d)\.ts$/.test(p)), [], 'no tests, fixtures, sources or maps');
  }
  for (const f of ['dist/index.d.ts', 'dist/oauth.d.ts', 'dist/server/index.d.ts', 'dist/webhook.d.ts', 'dist/sandbox.d.ts', 'LICENSE',
    `${CARRIED}dist/index.d.ts`, `${CARRIED}dist/index.js`]) {
    assert.ok(files.includes(f), `${f} is shipped`);
  }
  assert.equal(files.filter((p) => /^(dist\/)?sandbox\//.test(p)).length, 0, 'the sandbox is no longer compiled into mailbridge\'s dist');

  const consumer = join(dir, 'consumer');
  const installed = join(consumer, 'node_modules', 'mailbridge');
  const sandboxInstalled = join(consumer, 'node_modules', '@mailbridge', 'sandbox');
  mkdirSync(installed, { recursive: true });
  mkdirSync(sandboxInstalled, { recursive: true });
  await run('tar', ['-xzf', main.tarball, '-C', installed, '--strip-components=1']);
  // A CI that tests its own mail code installs the sandbox alone (`npm install --save-dev @mailbridge/sandbox`).
  await run('tar', ['-xzf', sandboxPack.tarball, '-C', sandboxInstalled, '--strip-components=1']);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] },
    include: ['*.ts'],
  }));
  writeFileSync(join(consumer, 'use.ts'), `
import { openStore, TokenManager, openMailbox, TriggerRunner, ConfigError, errorCodes, type ErrorCode, type MailDraft,
  type Mailbox, type TriggerHandler } from 'mailbridge';
import { authorize, requestDeviceAuthorization } from 'mailbridge/oauth';
import { buildServer } from 'mailbridge/server';
import { Secret, verifyWebhookSignature, type WebhookPayload } from 'mailbridge/webhook';
import { startIdentityEmulator, startExchangeSandbox } from 'mailbridge/sandbox';
import { SANDBOX, SandboxSeedError, startIdentityEmulator as standalone, type ExchangeSandbox } from '@mailbridge/sandbox';

const code: ErrorCode = 'SMTP_AUTH_DISABLED';
const draft: MailDraft = { from: 'a@example.com', to: ['b@example.com'], subject: 's', text: 't' };
const handler: TriggerHandler = async (d) => { void d.message.subject; };
export async function send(m: Mailbox): Promise<string | undefined> { return (await m.send(draft)).messageId; }
export const used = [openStore, TokenManager, openMailbox, TriggerRunner, authorize, requestDeviceAuthorization, buildServer,
  startIdentityEmulator, startExchangeSandbox, handler, code, errorCodes[code].fix, new ConfigError({ code, message: 'm', hint: 'h' }),
  standalone, SANDBOX.tenantId, SandboxSeedError];
export type Ports = ExchangeSandbox['imap'];
export const ok: boolean = verifyWebhookSignature(new Secret('s'.repeat(16)), '1', '{}', 'sha256=00');
export type P = WebhookPayload['message']['subject'];
`);
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  await run(process.execPath, [tsc, '-p', consumer]).catch((e: { stdout: string }) => assert.fail(`the TypeScript consumer does not compile:\n${e.stdout}`));

  writeFileSync(join(consumer, 'run.mjs'), `
import * as main from 'mailbridge';
import { Secret, signWebhookBody, verifyWebhookSignature } from 'mailbridge/webhook';
import * as oauth from 'mailbridge/oauth';
import * as server from 'mailbridge/server';
import * as sandbox from 'mailbridge/sandbox';
import * as standalone from '@mailbridge/sandbox';
const secret = new Secret('a-webhook-secret-of-some-length');
const sig = signWebhookBody(secret, '1700000000', '{"event":"message"}');
console.log(JSON.stringify({
  main: ['openStore', 'TokenManager', 'openMailbox', 'TriggerRunner', 'verifyWebhookSignature', 'composeMessage'].filter((k) => typeof main[k] !== 'function'),
  oauth: typeof oauth.authorize, server: typeof server.buildServer, sandbox: typeof sandbox.startExchangeSandbox,
  standalone: typeof standalone.startExchangeSandbox, sandboxResolved: import.meta.resolve('@mailbridge/sandbox'),
  verified: verifyWebhookSignature(secret, '1700000000', '{"event":"message"}', sig),
  fix: main.errorCodes.CONFIG_INVALID.fix.length > 0,
  resolved: import.meta.resolve('mailbridge'),
}));
`);
  const out = JSON.parse((await run(process.execPath, [join(consumer, 'run.mjs')], { cwd: consumer })).stdout) as Record<string, unknown>;
  assert.deepEqual(out.main, []);
  assert.equal(out.oauth, 'function');
  assert.equal(out.server, 'function');
  assert.equal(out.sandbox, 'function');
  assert.equal(out.standalone, 'function');
  assert.match(String(out.sandboxResolved), /consumer\/node_modules\/@mailbridge\/sandbox\/dist\/index\.js$/, 'the sandbox came from its tarball');
  assert.equal(out.verified, true);
  assert.equal(out.fix, true);
  assert.match(String(out.resolved), /consumer\/node_modules\/mailbridge\/dist\/index\.js$/, 'mailbridge came from the tarball');
});
