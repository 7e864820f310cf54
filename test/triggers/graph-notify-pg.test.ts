/**
 * Mode notify with two service instances on one PostgreSQL store behind one public URL (a
 * round-robin balancer): the triggers' subscriptions are split by lease, a notification reaching
 * either instance is acted on once by the lease holder, every message is delivered once per
 * trigger; when one instance dies without releasing (as a SIGKILL leaves it), the other takes
 * its triggers and their subscriptions within the lease time, and still delivers each message once.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { TokenManager } from '../../src/auth/token-manager.js';
import type { Store } from '../../src/store/store.js';
import { saveTrigger } from '../../src/triggers/save.js';
import { freshDatabase } from '../store/databases.js';
import { exchangeFixture, numberedMessage } from './exchange-support.js';
import { startBalancer, startNotifyService, type NotifyService } from './notify-support.js';
import { startReceiver, until } from './support.js';

const bare = (id: string | undefined) => (id ?? '').trim().replace(/^<|>$/g, '');
const TRIGGERS = ['t1', 't2', 't3', 't4'];

test(
  'two instances on PostgreSQL: each message delivered once per trigger, and once more after one dies',
  { timeout: 120_000 },
  async () => {
    const db = await freshDatabase('postgres');
    const key = randomBytes(32);
    const storeA = await db.open(key);
    const f = await exchangeFixture(['graph'], { store: storeA });
    const receiver = await startReceiver();
    let storeB: Store | undefined;
    const services: NotifyService[] = [];
    const balancer = await startBalancer(() => services.map((s) => s.base));
    try {
      storeB = await db.open(key);
      for (const name of TRIGGERS) {
        await saveTrigger(
          storeA,
          {
            name,
            resource: 'graph',
            mode: 'notify',
            safetyNetSeconds: 3600,
            start: 'new',
            target: { kind: 'webhook', url: receiver.url },
            retry: { maxAttempts: 3, backoffBaseMs: 20, backoffMaxMs: 100 },
          },
          { webhookSecret: receiver.secret },
        );
      }
      const common = { publicUrl: balancer.url, leaseTtlMs: 3000 };
      const a = await startNotifyService({ ...common, store: storeA, tokens: f.tokens, instanceId: 'instance-a' });
      const b = await startNotifyService({
        ...common,
        store: storeB,
        tokens: new TokenManager({ store: storeB }),
        instanceId: 'instance-b',
      });
      services.push(a, b);
      await a.runner.start();
      await b.runner.start();
      await until(
        'the triggers split between the instances and subscribed',
        async () =>
          a.runner.heldLeases().length === 2 &&
          b.runner.heldLeases().length === 2 &&
          (await storeA.listGraphSubscriptions()).length === 4 &&
          [a, b].every(
            (s) => s.runner.status().length === 2 && s.runner.status().every((w) => w.lastScanAt !== undefined),
          ),
      );
      assert.equal(f.sandbox.admin.listSubscriptions().length, 4, 'one subscription per trigger, no duplicates');

      const first = [1, 2, 3, 4, 5].map((i) => numberedMessage('pg', i));
      for (const m of first) await f.deliver(m.raw);
      await receiver.waitForCalls(20, 30_000);
      assert.ok(
        (balancer.counts.get(a.base) ?? 0) > 0 && (balancer.counts.get(b.base) ?? 0) > 0,
        'notifications reached both instances',
      );

      // Instance b dies holding its leases (no release, no unsubscribe): a takes over within the lease time.
      const bHeld = b.runner.heldLeases();
      services.splice(services.indexOf(b), 1);
      await b.close({ releaseLeases: false });
      await until(
        'instance a to hold every trigger',
        async () =>
          a.runner.heldLeases().length === 4 &&
          a.runner.status().length === 4 &&
          a.runner.status().every((w) => w.lastScanAt !== undefined),
        20_000,
      );
      assert.equal(
        f.sandbox.admin.listSubscriptions().length,
        4,
        'the subscriptions of b were taken over, not duplicated',
      );
      const m6 = numberedMessage('pg', 6);
      await f.deliver(m6.raw);
      await receiver.waitForCalls(24, 30_000);
      await until(
        '24 deliveries recorded',
        async () => (await Promise.all(TRIGGERS.map((t) => storeA.listDeliveries(t)))).flat().length === 24,
      );

      const pairs = receiver.calls.map((c) => `${c.payload.trigger} ${bare(c.payload.message.messageId)}`);
      const expected = TRIGGERS.flatMap((t) => [...first, m6].map((m) => `${t} ${m.messageId}`));
      assert.deepEqual([...pairs].sort(), expected.sort(), 'each message exactly once per trigger');
      assert.ok(bHeld.length === 2, 'b held two triggers before it died');
    } finally {
      for (const s of services) await s.close();
      await balancer.close();
      await receiver.close();
      await storeB?.close();
      await f.close();
      await db.drop();
    }
  },
);
