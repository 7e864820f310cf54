/**
 * Issue 16 item 2: mailbridge loads @mailbridge/sandbox only where it runs it, and prints its errors as its own. The
 * CLI is started with a module hook (node:module register, `load`) that writes every module URL it loads to a file;
 * `mailbridge --help` must load none of the sandbox's files, while `mailbridge sandbox export-ca` (the control) must,
 * so the check can fail.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { cliEntry } from '../helpers/cli.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'mb-lazy-sandbox-'));

// Plain ESM files written here (not TypeScript): the hook runs on the loader's own thread, before tsx's hooks.
writeFileSync(
  join(dir, 'hooks.mjs'),
  `import { appendFileSync } from 'node:fs';
let file;
export function initialize(data) { file = data.file; }
export async function load(url, context, next) { appendFileSync(file, url + '\\n'); return next(url, context); }
`,
);
writeFileSync(
  join(dir, 'register.mjs'),
  `import { register } from 'node:module';
register('./hooks.mjs', import.meta.url, { data: { file: process.env.MB_LOADED_FILE } });
`,
);

/** Runs `mailbridge ARGS` with the hook; the module URLs it loaded. */
async function loadedBy(name: string, args: string[]): Promise<string[]> {
  const file = join(dir, `${name}.loaded`);
  writeFileSync(file, '');
  const home = mkdtempSync(join(dir, 'home-'));
  await run(process.execPath, ['--import', join(dir, 'register.mjs'), ...cliEntry(), ...args], {
    env: { ...process.env, MAILBRIDGE_HOME: home, MB_LOADED_FILE: file },
  });
  return readFileSync(file, 'utf8').split('\n').filter(Boolean);
}

/** A URL of the sandbox package: its sources (tsx) or its build, by its repository path or through node_modules. */
const SANDBOX_FILE = /\/packages\/sandbox\/|\/node_modules\/@mailbridge\/sandbox\//;

describe('mailbridge and the sandbox package', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('mailbridge --help loads the CLI and none of the sandbox', async () => {
    const loaded = await loadedBy('help', ['--help']);
    assert.ok(
      loaded.some((u) => /\/(src|dist)\/cli\/main\.(ts|js)$/.test(u)),
      `the hook saw the CLI load:\n${loaded.join('\n')}`,
    );
    assert.deepEqual(
      loaded.filter((u) => SANDBOX_FILE.test(u)),
      [],
    );
  });

  test('control: mailbridge sandbox export-ca loads it', async () => {
    const ca = join(dir, 'ca.pem');
    const loaded = await loadedBy('export-ca', ['sandbox', 'export-ca', ca, '--data-dir', join(dir, 'sandbox-data')]);
    assert.match(readFileSync(ca, 'utf8'), /^-----BEGIN CERTIFICATE-----/);
    assert.ok(
      loaded.some((u) => SANDBOX_FILE.test(u)),
      'the sandbox package was loaded',
    );
  });

  test("a bad seed: the sandbox's SandboxSeedError is mailbridge's one-line ConfigError, exit 1", async () => {
    const seed = join(dir, 'bad-seed.yaml');
    writeFileSync(seed, 'users:\n  - username: no-at-sign\n    password: x\n');
    const home = mkdtempSync(join(dir, 'home-'));
    const failed = await run(process.execPath, [...cliEntry(), 'sandbox', '--seed', seed], {
      env: { ...process.env, MAILBRIDGE_HOME: home },
    }).then(
      () => assert.fail('mailbridge sandbox started with a bad seed'),
      (e: { code: number; stderr: string }) => e,
    );
    assert.equal(failed.code, 1);
    assert.match(failed.stderr, /^mailbridge: .*bad-seed\.yaml: tenant: .*\(SANDBOX_SEED_INVALID\)\. Fix: /);
    assert.equal(failed.stderr.split('\n').filter(Boolean).length, 1, failed.stderr);
  });
});
