/**
 * Issue 11, item 6: a command target sees a minimal environment plus what its definition
 * allows (never the service's MAILBRIDGE_* secrets), and on timeout its whole process group
 * dies: a grandchild that the old code (killing the direct child only) left running.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { commandEnvironment, runCommandTarget } from '../../src/triggers/command.js';
import { parseTriggerDefinition } from '../../src/config/trigger.js';
import { until } from './support.js';

/** Alive and not a zombie (a container's PID 1 may not reap orphans at once). */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

test("the command sees PATH, the allow-listed variables and its delivery's own, never the service's secrets", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mb-cmd-'));
  const out = join(dir, 'env.txt');
  const service = {
    ...process.env,
    MAILBRIDGE_KEY: 'sealing-key-value',
    MAILBRIDGE_CONSOLE_PASSWORD: 'console-pass',
    MAILBRIDGE_DATABASE_URL: 'postgres://u:dbpass@h/db',
    AWS_SECRET_ACCESS_KEY: 'cloud-secret',
    REPORT_DIR: '/srv/reports',
  };
  const env = commandEnvironment(['REPORT_DIR'], { MAILBRIDGE_TRIGGER: 't1' }, service);
  const r = await runCommandTarget({
    argv: ['/bin/sh', '-c', `env > ${out}`],
    raw: Buffer.from('x'),
    env,
    timeoutMs: 20_000,
  });
  assert.equal(r.ok, true, r.detail);
  const seen = readFileSync(out, 'utf8');
  for (const secret of ['sealing-key-value', 'console-pass', 'dbpass', 'cloud-secret'])
    assert.ok(!seen.includes(secret), secret);
  assert.match(seen, /^REPORT_DIR=\/srv\/reports$/m);
  assert.match(seen, /^MAILBRIDGE_TRIGGER=t1$/m);
  assert.match(seen, /^PATH=/m);
});

test("a definition cannot allow the service's own MAILBRIDGE_* variables", () => {
  assert.throws(
    () =>
      parseTriggerDefinition({
        name: 't',
        resource: 'r',
        target: { kind: 'command', argv: ['x'], env: ['MAILBRIDGE_KEY'] },
      }),
    (e: unknown) =>
      (e as { code?: string; field?: string }).code === 'TRIGGER_INVALID' &&
      (e as { field?: string }).field === 'target.env.0',
  );
  const ok = parseTriggerDefinition({
    name: 't',
    resource: 'r',
    target: { kind: 'command', argv: ['x'], env: ['HOME'] },
  });
  assert.deepEqual(ok.target.kind === 'command' && ok.target.env, ['HOME']);
});

test('on timeout the whole process group dies, a grandchild that would outlive its parent included', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mb-cmd-'));
  const pidFile = join(dir, 'grandchild.pid');
  // The child starts a grandchild in the background (it keeps running after its parent dies), then hangs.
  const script = `sleep 300 & echo $! > ${pidFile}; exec sleep 300`;
  const r = await runCommandTarget({
    argv: ['/bin/sh', '-c', script],
    raw: Buffer.alloc(0),
    env: commandEnvironment([], {}),
    timeoutMs: 1000,
  });
  assert.equal(r.ok, false);
  assert.match(r.detail, /did not finish within 1000 ms/);
  assert.ok(existsSync(pidFile));
  const grandchild = Number(readFileSync(pidFile, 'utf8').trim());
  await until('the grandchild is gone', async () => !running(grandchild));
});

test('a command that exits at once leaves nothing running behind it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mb-cmd-'));
  const pidFile = join(dir, 'bg.pid');
  const r = await runCommandTarget({
    argv: ['/bin/sh', '-c', `sleep 300 & echo $! > ${pidFile}`],
    raw: Buffer.alloc(0),
    env: commandEnvironment([], {}),
    timeoutMs: 20_000,
  });
  assert.equal(r.ok, true, r.detail);
  const bg = Number(readFileSync(pidFile, 'utf8').trim());
  await until('the background process is gone', async () => !running(bg));
});
