// The package as a user gets it: `npm pack`, unpacked into a consumer project's node_modules, imported by name from
// TypeScript (type-checked) and from plain ESM (run). The consumer lives under test-artifacts/ inside the repository so
// mailbridge's own dependencies resolve from the repository's node_modules (no network, no install), while
// `mailbridge` itself resolves only to the unpacked tarball.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = resolve('.');

test('npm pack ships dist, README, LICENSE and package.json only, and the entry points import by name', async (t) => {
  assert.ok(existsSync('dist/index.js'), 'build first: npx tsc -p tsconfig.json (scripts/test.sh does)');
  mkdirSync('test-artifacts', { recursive: true });
  const dir = mkdtempSync(join(root, 'test-artifacts', 'pack-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));

  const packed = await run('npm', ['pack', '--json', '--pack-destination', dir], { cwd: root });
  const [info] = JSON.parse(packed.stdout) as [{ filename: string; files: { path: string }[] }];
  const files = info.files.map((f) => f.path);
  const outside = files.filter((p) => !p.startsWith('dist/') && !['package.json', 'README.md', 'LICENSE'].includes(p));
  assert.deepEqual(outside, [], 'only dist/ and the package documents are shipped');
  assert.deepEqual(files.filter((p) => /(^|\/)test|\.map$|fixture/.test(p)), [], 'no tests, fixtures or source maps');
  for (const f of ['dist/index.d.ts', 'dist/oauth.d.ts', 'dist/server/index.d.ts', 'dist/webhook.d.ts', 'dist/sandbox/index.d.ts', 'LICENSE']) {
    assert.ok(files.includes(f), `${f} is shipped`);
  }

  const consumer = join(dir, 'consumer');
  const installed = join(consumer, 'node_modules', 'mailbridge');
  mkdirSync(installed, { recursive: true });
  await run('tar', ['-xzf', join(dir, info.filename), '-C', installed, '--strip-components=1']);
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

const code: ErrorCode = 'SMTP_AUTH_DISABLED';
const draft: MailDraft = { from: 'a@example.com', to: ['b@example.com'], subject: 's', text: 't' };
const handler: TriggerHandler = async (d) => { void d.message.subject; };
export async function send(m: Mailbox): Promise<string | undefined> { return (await m.send(draft)).messageId; }
export const used = [openStore, TokenManager, openMailbox, TriggerRunner, authorize, requestDeviceAuthorization, buildServer,
  startIdentityEmulator, startExchangeSandbox, handler, code, errorCodes[code].fix, new ConfigError({ code, message: 'm', hint: 'h' })];
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
const secret = new Secret('a-webhook-secret-of-some-length');
const sig = signWebhookBody(secret, '1700000000', '{"event":"message"}');
console.log(JSON.stringify({
  main: ['openStore', 'TokenManager', 'openMailbox', 'TriggerRunner', 'verifyWebhookSignature', 'composeMessage'].filter((k) => typeof main[k] !== 'function'),
  oauth: typeof oauth.authorize, server: typeof server.buildServer, sandbox: typeof sandbox.startExchangeSandbox,
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
  assert.equal(out.verified, true);
  assert.equal(out.fix, true);
  assert.match(String(out.resolved), /consumer\/node_modules\/mailbridge\/dist\/index\.js$/, 'mailbridge came from the tarball');
});
