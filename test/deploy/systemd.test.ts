// deploy/mailbridge.service must be a unit systemd accepts without a warning, with the hardening the deployment
// guide promises. `systemd-analyze verify` checks that ExecStart's binary exists, so the copy under test points it at
// a stand-in; everything else is the file as shipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const unit = readFileSync('deploy/mailbridge.service', 'utf8');
const analyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' });
const skip = analyze.error ? 'systemd-analyze is not installed (Debian: apt-get install systemd)' : false;

/** The values of `key=` lines in the [Service] section. */
function serviceValues(key: string): string[] {
  const service = unit.split(/^\[Service\]$/m)[1]?.split(/^\[/m)[0] ?? '';
  return [...service.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1] ?? '');
}

test('the unit runs as a dedicated user with its home under /var/lib and the key as a credential', () => {
  assert.deepEqual(serviceValues('User'), ['mailbridge']);
  assert.deepEqual(serviceValues('StateDirectory'), ['mailbridge']);
  assert.ok(serviceValues('Environment').includes('MAILBRIDGE_HOME=/var/lib/mailbridge'));
  assert.ok(serviceValues('LoadCredential').some((v) => v.startsWith('mailbridge-key:')), 'the key comes from a credential file');
  assert.ok(!serviceValues('Environment').some((v) => v.startsWith('MAILBRIDGE_KEY=')), 'the key is not in the unit');
  for (const [key, value] of [['ProtectSystem', 'strict'], ['NoNewPrivileges', 'yes'], ['PrivateTmp', 'yes'], ['ProtectHome', 'yes']]) {
    assert.deepEqual(serviceValues(key ?? ''), [value], `${key}=${value}`);
  }
  assert.match(serviceValues('ExecStart')[0] ?? '', /^\/usr\/bin\/mailbridge serve --host 127\.0\.0\.1 /, 'loopback only: TLS goes in front');
});

test('systemd-analyze verify accepts the unit without warnings, and rates its exposure OK', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'mb-unit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin', 'mailbridge'), '#!/bin/sh\n');
  chmodSync(join(dir, 'bin', 'mailbridge'), 0o755);
  const file = join(dir, 'mailbridge.service');
  writeFileSync(file, unit.replace('/usr/bin/mailbridge', join(dir, 'bin', 'mailbridge')));

  const verify = await run('systemd-analyze', ['verify', file]).catch((e: { stderr: string }) => assert.fail(`verify failed:\n${e.stderr}`));
  // verify exits 0 on settings it ignores (a typo in a hardening option): any output is a failure.
  assert.equal(verify.stderr.trim(), '', verify.stderr);

  const security = await run('systemd-analyze', ['security', '--offline=true', '--no-pager', file]);
  const level = /Overall exposure level for mailbridge\.service: ([\d.]+) (\w+)/.exec(security.stdout);
  assert.ok(level, security.stdout.slice(-500));
  assert.equal(level[2], 'OK', `exposure ${level[1]} ${level[2]}`);
});
