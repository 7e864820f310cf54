// examples/: each program type-checks against the built packages (it imports 'mailbridge' by name, resolved through
// package.json's "exports" to dist/, and '@mailbridge/sandbox' to packages/sandbox/dist) and runs against the sandbox
// as a user would run it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { sandboxHome, type SandboxHome } from '../../examples/sandbox-in-ci.js';

const run = promisify(execFile);
let sandbox: SandboxHome;

/** `node --import tsx examples/NAME.ts` with the sandbox home; the output, or the failure with both streams. */
async function example(name: string, env: Record<string, string> = {}): Promise<string> {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', `examples/${name}.ts`], {
      // tsconfig.examples.json maps no paths: `@mailbridge/sandbox` resolves as a user's does, to the built package.
      env: { ...process.env, MAILBRIDGE_HOME: sandbox.home, RESOURCE: sandbox.resource, MAILBRIDGE_DATABASE_URL: '',
        TSX_TSCONFIG_PATH: 'tsconfig.examples.json', ...env },
      timeout: 50_000,
    });
    return r.stdout;
  } catch (e) {
    const x = e as { stdout?: string; stderr?: string; message: string };
    assert.fail(`examples/${name}.ts failed: ${x.message}\n${x.stdout ?? ''}\n${x.stderr ?? ''}`);
  }
}

before(async () => {
  assert.ok(existsSync('dist/index.d.ts'), 'build first: npx tsc -p tsconfig.json (scripts/test.sh does)');
  assert.ok(existsSync('packages/sandbox/dist/index.d.ts'), 'build the sandbox first: npx tsc -b packages/sandbox (scripts/test.sh does)');
  sandbox = await sandboxHome();
});
after(async () => { await sandbox.close(); });

// The three are independent (sandbox-in-ci starts its own sandbox): run side by side.
describe('examples/', { concurrency: true }, () => {
  test('the examples type-check against the package as a user imports it', async () => {
    const tsc = 'node_modules/typescript/bin/tsc';
    await run(process.execPath, [tsc, '-p', 'tsconfig.examples.json']).catch((e: { stdout: string }) => assert.fail(e.stdout));
  });

  test('sandbox-in-ci starts its own sandbox, sends and reads back', async () => {
    assert.match(await example('sandbox-in-ci'), /^inbox: .*sent in CI/m);
  });

  test('send, read-new-mail, trigger-handler and app-only-graph run against the sandbox', async () => {
    const me = sandbox.mailbox;
    assert.match(await example('send', { FROM: me, TO: me }), /^sent /m);
    await sandbox.deliver('from outside');
    const read = await example('read-new-mail');
    assert.match(read, /^ci@example\.com: from outside/m);
    assert.match(read, /Quarterly report/, 'the message send.ts sent to itself is new too');
    assert.doesNotMatch(await example('read-new-mail'), /from outside/, 'read-new-mail marked them read');
    assert.match(await example('trigger-handler', { STOP_AFTER: '1' }), /^message: .* \(attempt 1, \d+ bytes\)$/m);
    const app = await example('app-only-graph');
    assert.match(app, /^app-only token for https:\/\/graph\.microsoft\.com/m);
    assert.match(app, /^folders: .*Inbox/im);
  });
});
