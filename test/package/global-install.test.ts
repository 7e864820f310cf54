// What a user types: `npm install -g` of the packed tarball, then `mailbridge`. The install goes into a temporary
// prefix; dependencies come from the npm cache when it has them (--prefer-offline), else from the registry.
// Install scripts are skipped and better-sqlite3's native addon is copied from this repository's build (same Node,
// same platform), so the test does not compile C++; everything else is what the tarball and the registry provide.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

test('npm install -g of the packed tarball gives a working mailbridge: --version, --help, and npx mailbridge demo --once', async (t) => {
  assert.ok(existsSync('dist/cli/main.js'), 'build first: npx tsc -p tsconfig.json (scripts/test.sh does)');
  const dir = mkdtempSync(join(tmpdir(), 'mb-global-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const packed = await run('npm', ['pack', '--json', '--pack-destination', dir]);
  const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];

  const prefix = join(dir, 'prefix');
  await run('npm', ['install', '-g', '--prefix', prefix, join(dir, filename), '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund'],
    { timeout: 50_000 });
  const installed = join(prefix, 'lib', 'node_modules', 'mailbridge');
  const addon = join(dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json')), 'build');
  cpSync(addon, join(installed, 'node_modules', 'better-sqlite3', 'build'), { recursive: true });

  const bin = join(prefix, 'bin', 'mailbridge');
  // Run from the temporary directory with a fresh home: nothing can resolve from this repository.
  const opts = { cwd: dir, env: { ...process.env, MAILBRIDGE_HOME: join(dir, 'home'), MAILBRIDGE_KEY: '' }, timeout: 50_000 };
  assert.equal((await run(bin, ['--version'], opts)).stdout.trim(), version);
  assert.equal((await run(bin, ['-V'], opts)).stdout.trim(), version);
  const help = (await run(bin, ['--help'], opts)).stdout;
  for (const command of ['demo', 'serve', 'console', 'resource', 'send']) assert.match(help, new RegExp(`^  ${command}\\b`, 'm'), command);

  // `npx mailbridge demo` as the user types it: npx finds the globally installed package (npm's global
  // prefix is the temporary one here) and never reaches for the registry (--no-install).
  const npxEnv = { ...opts.env, PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}`, npm_config_prefix: prefix };
  const demo = await run('npx', ['--no-install', 'mailbridge', 'demo', '--once', '--port', '0'], { ...opts, env: npxEnv });
  const sent = /sent "(mailbridge demo [^"]+)" through demo-send/.exec(demo.stdout);
  assert.ok(sent, demo.stdout);
  assert.ok(demo.stdout.includes(`trigger demo-inbox delivered "${sent[1]}"`), 'the trigger delivered it');
  assert.ok(existsSync(join(dir, 'home', 'sandbox', 'identity-state.json')), 'the demo kept its state in MAILBRIDGE_HOME');
});
