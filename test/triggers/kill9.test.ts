/**
 * The guarantee: kill -9 of the service at random points while 1,000 messages arrive
 * and are processed leaves every message delivered at least once and none deleted before its
 * delivery succeeded. The runner runs in a child process over one SQLite file; the Exchange
 * sandbox (IMAP) and the webhook receiver run here, so the receiver can look into the
 * sandbox's mail store at the moment each delivery arrives.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { saveTrigger } from '../../src/triggers/save.js';
import { exchangeFixture, numberedMessage } from './exchange-support.js';
import { startReceiver } from './support.js';

const RUNNER = fileURLToPath(new URL('./fixtures/run-runner.ts', import.meta.url));
const TOTAL = 1000;
const BURST = 50;
const KILLS = 5;
const SEED = Number(process.env.MBT_KILL_SEED ?? 20240601);

/** mulberry32: a small seeded PRNG, so a failing run can be repeated with its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const bare = (id: string | undefined) => (id ?? '').trim().replace(/^<|>$/g, '');

describe('kill -9 at random points while 1,000 messages arrive', { timeout: 120_000 }, () => {
  test('every message delivered at least once, none deleted before its delivery; duplicates counted', async () => {
    const random = prng(SEED);
    const f = await exchangeFixture(['imap']);
    const receiver = await startReceiver();
    const delivered = new Map<string, number>();
    const deletedBeforeDelivery: string[] = [];
    receiver.respond = (_n, call) => {
      const id = bare(call.payload.message.messageId);
      // The at-most-after rule: while the webhook is being called, the message must still be there.
      if (!f.inboxMessageIds().has(id)) deletedBeforeDelivery.push(id);
      delivered.set(id, (delivered.get(id) ?? 0) + 1);
      return 200;
    };
    let child: ChildProcess | undefined;
    try {
      await saveTrigger(f.store, {
        name: 'kill9', resource: 'imap', start: 'all', mode: 'idle', pollIntervalSeconds: 0.5, afterAction: 'delete',
        target: { kind: 'webhook', url: receiver.url, timeoutSeconds: 10 },
        retry: { maxAttempts: 50, backoffBaseMs: 20, backoffMaxMs: 200 },
      }, { webhookSecret: receiver.secret });
      await f.store.close();

      const start = async (): Promise<ChildProcess> => {
        const c = spawn(process.execPath, ['--import', 'tsx', RUNNER], {
          env: { ...process.env, MBT_DB: f.dbPath, MBT_KEY: f.key.toString('base64') },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        await new Promise<void>((resolve, reject) => {
          c.stdout?.on('data', (d: Buffer) => { if (d.toString().includes('started')) resolve(); });
          c.on('exit', (code, signal) => reject(new Error(`runner exited before starting (${code ?? signal})`)));
        });
        return c;
      };
      const kill = async (c: ChildProcess) => {
        const exited = new Promise((resolve) => c.once('exit', resolve));
        c.kill('SIGKILL');
        await exited;
      };

      const sent: string[] = [];
      const feeder = (async () => {
        for (let i = 0; i < TOTAL; i += BURST) {
          for (let j = i; j < Math.min(TOTAL, i + BURST); j++) {
            const m = numberedMessage('k9', j);
            sent.push(m.messageId);
            await f.deliver(m.raw);
          }
          await new Promise((r) => setTimeout(r, 40 + Math.floor(random() * 120)));
        }
      })();

      const deadline = Date.now() + 90_000;
      let kills = 0;
      /** Distinct messages delivered at each kill: shows the kills hit the processing. */
      const progress: number[] = [];
      child = await start();
      while (kills < KILLS) {
        await new Promise((r) => setTimeout(r, 300 + Math.floor(random() * 1500)));
        await kill(child);
        kills++;
        progress.push(delivered.size);
        child = await start();
      }
      await feeder;
      while (!(delivered.size >= TOTAL && f.inboxMessageIds().size === 0)) {
        if (Date.now() > deadline) {
          throw new Error(`after 90 s: ${delivered.size}/${TOTAL} delivered, ${f.inboxMessageIds().size} still in the mailbox`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      await kill(child);
      child = undefined;

      const missing = sent.filter((id) => !delivered.has(id));
      assert.deepEqual(missing, [], 'every message delivered at least once');
      assert.deepEqual(deletedBeforeDelivery, [], 'no message deleted before its delivery');
      assert.equal(sent.length, TOTAL);
      assert.equal(f.inboxMessageIds().size, 0, 'every delivered message was deleted afterwards');
      const calls = [...delivered.values()].reduce((a, b) => a + b, 0);
      const duplicates = calls - delivered.size;
      // The count the issue asks for: at least once means a kill may cost a repeat, never a loss.
      console.log(`kill -9 test (seed ${SEED}): ${TOTAL} messages, ${kills} kills (at ${progress.join(', ')} delivered), ${calls} webhook calls, ${duplicates} duplicate(s)`);
      assert.ok(progress.some((n) => n > 0 && n < TOTAL), `at least one kill landed while messages were being processed (${progress.join(', ')})`);
      assert.ok(duplicates <= kills * 2, `duplicates are bounded by the kills (each kill loses at most the delivery in flight): ${duplicates}`);
    } finally {
      if (child && child.exitCode === null) child.kill('SIGKILL');
      await receiver.close();
      await f.close();
    }
  });
});
