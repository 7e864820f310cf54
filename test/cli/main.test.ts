import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createCredentialStore } from '../../src/server/credentials.js';
import { openStore } from '../../src/store/open.js';
import { cliEntry, mailbridge } from '../helpers/cli.js';

const run = promisify(execFile);

const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

test('--version and -V print the package version', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'mb-main-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  for (const flag of ['--version', '-V']) {
    const r = await mailbridge(home, [flag]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), version);
  }
});

test('serve and demo on a busy port: one line naming the port and --port, exit code 2, no stack trace', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'mb-main-'));
  const holder = createServer();
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
  t.after(() => {
    holder.close();
    rmSync(home, { recursive: true, force: true });
  });
  const { port } = holder.address() as AddressInfo;
  for (const command of ['serve', 'demo']) {
    const r = await mailbridge(home, [command, '--port', String(port)]);
    assert.equal(r.code, 2, `${command}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `${command} printed one line: ${r.stderr}`);
    assert.match(lines[0] ?? '', new RegExp(`port ${port} .*already in use.*\\(PORT_IN_USE\\).*--port`));
    assert.doesNotMatch(r.stderr, /internal error|\n\s+at /);
  }
});

test('console password resets the console password and prints the new one once', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'mb-main-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const passwordOf = (out: string): string => /: (\S+)\n?$/.exec(out)?.[1] ?? '';
  const first = await mailbridge(home, ['console', 'password']);
  assert.equal(first.code, 0, first.stderr);
  const second = await mailbridge(home, ['console', 'password']);
  assert.equal(second.code, 0, second.stderr);
  const [a, b] = [passwordOf(first.stdout), passwordOf(second.stdout)];
  assert.ok(a.length >= 10 && b.length >= 10 && a !== b, `two different passwords: ${a} ${b}`);
  const store = await openStore({ home, env: { MAILBRIDGE_HOME: home } });
  try {
    const credentials = createCredentialStore(store);
    assert.equal(await credentials.verifyConsolePassword(b), true, 'the printed password signs in');
    assert.equal(await credentials.verifyConsolePassword(a), false, 'the reset replaced the old one');
  } finally {
    await store.close();
  }
});

test('under systemd the sealing key comes from the mailbridge-key credential, not a key file in the home', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'mb-main-'));
  const credentials = mkdtempSync(join(tmpdir(), 'mb-cred-'));
  t.after(() => [home, credentials].forEach((d) => rmSync(d, { recursive: true, force: true })));
  const key = randomBytes(32).toString('base64');
  writeFileSync(join(credentials, 'mailbridge-key'), `${key}\n`, { mode: 0o400 });
  const env = { ...process.env, MAILBRIDGE_HOME: home, MAILBRIDGE_KEY: '', CREDENTIALS_DIRECTORY: credentials };
  const r = await run(process.execPath, [...cliEntry(), '--json', 'console', 'password'], { env });
  const { password } = JSON.parse(r.stdout) as { password: string };
  assert.equal(existsSync(join(home, 'key')), false, 'no key file was created');
  const store = await openStore({ home, env: { MAILBRIDGE_HOME: home, MAILBRIDGE_KEY: key } });
  try {
    assert.equal(await createCredentialStore(store).verifyConsolePassword(password), true);
  } finally {
    await store.close();
  }
});
