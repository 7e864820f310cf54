// The bins of the packed tarballs, as a user runs them: `mailbridge demo` from mailbridge's tarball (issue 17: what
// `npm install -g` of it gives; the demo runs on the sandbox build the tarball carries, with no @mailbridge/sandbox
// installed beside it) and `mailbridge-sandbox` from the sandbox's own tarball. Unpacked under test-artifacts/ so the
// packages' dependencies resolve from the repository's node_modules (no network, no install); see pack.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = resolve('.');

/** `npm pack` (of the workspace WORKSPACE, or of the root) into DIR, unpacked into INTO. */
async function packInto(dir: string, into: string, workspace?: string): Promise<void> {
  // --ignore-scripts: the sandbox's `prepare` (its build) already ran (the test checks), and takes seconds.
  const packed = await run(
    'npm',
    ['pack', '--json', '--ignore-scripts', '--pack-destination', dir, ...(workspace ? ['-w', workspace] : [])],
    { cwd: root },
  );
  const [info] = JSON.parse(packed.stdout) as [{ filename: string }];
  mkdirSync(into, { recursive: true });
  await run('tar', ['-xzf', join(dir, info.filename), '-C', into, '--strip-components=1']);
}

test('the packed bins run: mailbridge demo on the sandbox its tarball carries, and mailbridge-sandbox', async (t) => {
  assert.ok(
    existsSync('dist/cli/main.js') && existsSync('packages/sandbox/dist/cli.js'),
    'build first (scripts/test.sh does)',
  );
  mkdirSync('test-artifacts', { recursive: true });
  const dir = mkdtempSync(join(root, 'test-artifacts', 'pack-bins-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const installed = join(dir, 'consumer', 'node_modules', 'mailbridge');
  const sandboxInstalled = join(dir, 'consumer', 'node_modules', '@mailbridge', 'sandbox');
  await Promise.all([packInto(dir, installed), packInto(dir, sandboxInstalled, '@mailbridge/sandbox')]);

  const caFile = join(dir, 'sandbox-ca.pem');
  const bin = spawn(process.execPath, [join(sandboxInstalled, 'dist/cli.js'), '--json', '--ca-file', caFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => bin.kill('SIGKILL'));
  let stderr = '';
  bin.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });

  const demo = run(process.execPath, [join(installed, 'dist/cli/main.js'), 'demo', '--once', '--port', '0'], {
    env: { ...process.env, MAILBRIDGE_HOME: join(dir, 'home'), MAILBRIDGE_KEY: '' },
    timeout: 110_000,
  }).catch((e: { stdout: string; stderr: string }) =>
    assert.fail(`mailbridge demo from the tarball failed:\n${e.stdout}\n${e.stderr}`),
  );

  const [line] = (await once(createInterface({ input: bin.stdout }), 'line')) as [string];
  const endpoints = JSON.parse(line) as { token: string; imaps: string; graph: string };
  assert.match(endpoints.token, /^http:\/\/127\.0\.0\.1:\d+\/.+\/oauth2\/v2\.0\/token$/);
  assert.match(endpoints.imaps, /^imaps:\/\/127\.0\.0\.1:\d+$/);
  assert.match(readFileSync(caFile, 'utf8'), /^-----BEGIN CERTIFICATE-----/);
  const metadata = await fetch(
    endpoints.token.replace(/oauth2\/v2\.0\/token$/, 'v2.0/.well-known/openid-configuration'),
  );
  assert.equal(((await metadata.json()) as { token_endpoint: string }).token_endpoint, endpoints.token);
  bin.kill('SIGTERM');
  const [exitCode] = (await once(bin, 'exit')) as [number | null];
  assert.equal(exitCode, 0, stderr);

  assert.match((await demo).stdout, /trigger demo-inbox delivered "mailbridge demo /);
});

test('mailbridge-sandbox: a wrong option or a bad seed is one line and a non-zero exit', async () => {
  const cli = ['--import', 'tsx', 'packages/sandbox/src/cli.ts'];
  const fail = (args: string[]) =>
    run(process.execPath, [...cli, ...args]).then(
      () => assert.fail('should have failed'),
      (e: { code: number; stderr: string }) => e,
    );
  const host = await fail(['--host', '0.0.0.0']);
  assert.equal(host.code, 2);
  assert.equal(
    host.stderr,
    'mailbridge-sandbox: --host 0.0.0.0 is not a loopback address. Fix: use 127.0.0.1, ::1 or localhost: the sandbox must not be reachable from other machines\n',
  );
  const seed = await fail(['--seed', join(root, 'no-such-seed.yaml')]);
  assert.equal(seed.code, 1);
  assert.match(
    seed.stderr,
    /^mailbridge-sandbox: cannot read seed file .*no-such-seed\.yaml \(SANDBOX_SEED_UNREADABLE\)\. Fix: check the --seed path\n$/,
  );
});
