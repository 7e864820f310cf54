import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { TokenManager } from '../../src/auth/token-manager.js';
import { saveTrigger } from '../../src/triggers/save.js';
import { TriggerRunner } from '../../src/triggers/runner.js';
import { loadRig } from '../helpers/rig.js';
import { message, reopenStore, triggerFixture, until } from './support.js';

const RUNNER = fileURLToPath(new URL('./fixtures/run-runner.ts', import.meta.url));

describe('a crash between the delivery and the checkpoint', { timeout: 60_000 }, () => {
  test('kill -9 right after the target succeeded: the message is still there, and the restart delivers it again', async () => {
    const rig = loadRig();
    const f = await triggerFixture(rig, 'imap');
    const dir = mkdtempSync(join(tmpdir(), 'mbt-crash-'));
    const out = join(dir, 'deliveries.log');
    const marker = join(dir, 'crashed-once');
    // The target itself: records the delivery, and the first time kills the runner process
    // (its parent) with SIGKILL before exiting 0, so the runner dies after the delivery
    // happened but before it could record it.
    const script = 'const fs=require("fs");let b="";process.stdin.on("data",d=>b+=d);process.stdin.on("end",()=>{' +
      'fs.appendFileSync(process.argv[1],process.env.MAILBRIDGE_MESSAGE_KEY+"\\n");' +
      'if(!fs.existsSync(process.argv[2])){fs.writeFileSync(process.argv[2],"x");process.kill(process.ppid,"SIGKILL")}})';
    const subject = `crash-${Date.now()}`;
    await rig.deliver(f.user, message(subject));
    await saveTrigger(f.store, {
      name: 'crashy', resource: 'in', start: 'all', mode: 'poll', pollIntervalSeconds: 0.2, afterAction: 'delete',
      target: { kind: 'command', argv: [process.execPath, '-e', script, out, marker] },
      retry: { maxAttempts: 3, backoffBaseMs: 20, backoffMaxMs: 100 },
    });
    await f.store.close();

    const child = spawn(process.execPath, ['--import', 'tsx', RUNNER], {
      env: { ...process.env, MBT_DB: f.dbPath, MBT_KEY: f.key.toString('base64') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
      child.on('exit', (code, signal) => resolve({ code, signal }));
    });
    assert.equal(exit.signal, 'SIGKILL', `the runner process should have been killed by its target (stderr: ${stderr})`);
    assert.ok(existsSync(marker));
    assert.deepEqual(readFileSync(out, 'utf8').trim().split('\n').length, 1, 'delivered once before the crash');

    const store = reopenStore(f);
    try {
      assert.equal((await store.listDeliveries('crashy')).length, 0, 'the crash came before the delivery was recorded');
      assert.equal(await rig.countMessages(f.user), 1, 'so the after-action (delete) did not run either');

      const runner = new TriggerRunner({ store, tokens: new TokenManager({ store }), syncIntervalMs: 3_600_000 });
      try {
        await runner.start();
        const [d] = await until('the redelivery recorded and processed', async () => {
          const h = await store.listDeliveries('crashy', { status: 'delivered' });
          return h[0]?.afterAction ? h : undefined;
        });
        assert.equal(d?.subject, subject);
        assert.equal(d?.afterAction, 'ok');
      } finally {
        await runner.stop();
      }
      const keys = readFileSync(out, 'utf8').trim().split('\n');
      assert.equal(keys.length, 2, 'at least once: delivered again after the crash, not lost');
      assert.equal(keys[0], keys[1], 'the same message both times');
      assert.equal(await rig.countMessages(f.user), 0, 'deleted only after the recorded delivery');
    } finally {
      await store.close();
    }
  });
});
