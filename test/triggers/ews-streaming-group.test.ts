/**
 * EWS streaming triggers of app-only resources share GetStreamingEvents connections (subscription
 * groups, src/mail/ews-streaming-group.ts), through the real trigger runner on the Exchange
 * sandbox. The safety-net sync is an hour away, so every delivery below was woken by a
 * notification or by the catch-up sync of a reconnect:
 * - 30 mailboxes are watched through ONE connection (the sandbox counts them), with the
 *   affinity headers and the cookie carried back; each mailbox's mail reaches its own trigger;
 * - an error naming one subscription resubscribes that one only;
 * - the group's connection cut in the middle of an envelope: every trigger catches up, nothing lost;
 * - with a cap of 5, the 6th trigger opens a second connection, and triggers added and removed
 *   at runtime join and leave groups without a group going over the cap.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  SANDBOX,
  startExchangeSandbox,
  startIdentityEmulator,
  type ExchangeSandbox,
  type IdentityEmulator,
} from '@mailbridge/sandbox';
import { TokenManager } from '../../src/auth/token-manager.js';
import { streamingGroups } from '../../src/mail/ews-streaming-group.js';
import { createSealer } from '../../src/store/seal.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { TriggerRunner } from '../../src/triggers/runner.js';
import { saveTrigger } from '../../src/triggers/save.js';
import { startReceiver, until, type Receiver } from './support.js';
import { addAppOnlyEwsMailbox } from './exchange-support.js';

const bare = (id: string | undefined) => (id ?? '').trim().replace(/^<|>$/g, '');

interface World {
  identity: IdentityEmulator;
  sandbox: ExchangeSandbox;
  store: Store;
  tokens: TokenManager;
  receiver: Receiver;
  /** Mailbox address by trigger name. */
  mailboxes: Map<string, string>;
  sent: Map<string, string[]>;
  addTrigger(name: string): Promise<void>;
  deliver(name: string, tag: string): Promise<void>;
  close(): Promise<void>;
}

async function world(): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'mbt-ewsgroup-'));
  const identity = await startIdentityEmulator({ dataDir: dir });
  const sandbox = await startExchangeSandbox({ identity, tlsDir: dir });
  sandbox.admin.updateSettings({ ewsEnabled: true, ewsAllowedAppIds: [SANDBOX.confidentialClientId] });
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, sandbox.caPem);
  const store = openSqliteStore({ path: join(dir, 'mailbridge.db'), sealer: createSealer(randomBytes(32)) });
  const tokens = new TokenManager({ store });
  const receiver = await startReceiver();
  const mailboxes = new Map<string, string>();
  const sent = new Map<string, string[]>();
  const run = randomBytes(3).toString('hex');
  return {
    identity,
    sandbox,
    store,
    tokens,
    receiver,
    mailboxes,
    sent,
    async addTrigger(name) {
      const user = `${name}-${run}@${SANDBOX.tenantDomain}`;
      await addAppOnlyEwsMailbox({ sandbox, identity, store, caFile }, name, user);
      await saveTrigger(
        store,
        {
          name,
          resource: name,
          mode: 'streaming',
          start: 'new',
          pollIntervalSeconds: 3600,
          target: { kind: 'webhook', url: receiver.url },
          retry: { maxAttempts: 3, backoffBaseMs: 20, backoffMaxMs: 200 },
        },
        { webhookSecret: receiver.secret },
      );
      mailboxes.set(name, user);
      sent.set(name, []);
    },
    async deliver(name, tag) {
      const to = mailboxes.get(name)!;
      const messageId = `${tag}.${name}.${randomBytes(4).toString('hex')}@example.test`;
      const raw =
        `From: Sender <sender@example.test>\r\nTo: ${to}\r\nSubject: ${tag} for ${name}\r\nMessage-ID: <${messageId}>\r\n` +
        `Date: ${new Date().toUTCString()}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nbody\r\n`;
      const r = await sandbox.admin.deliver(Buffer.from(raw), { from: 'sender@example.test', to: [to] });
      assert.equal(r.accepted.length, 1);
      sent.get(name)!.push(messageId);
    },
    async close() {
      await receiver.close();
      await store.close().catch(() => undefined);
      await sandbox.close();
      await identity.close();
    },
  };
}

/** Every webhook call went to the trigger of the mailbox the message was sent to, each message once. */
function assertDeliveredExactly(w: World): void {
  const got = new Map<string, string[]>();
  for (const c of w.receiver.calls) {
    const list = got.get(c.payload.trigger) ?? [];
    list.push(bare(c.payload.message.messageId));
    got.set(c.payload.trigger, list);
  }
  for (const [name, ids] of w.sent)
    assert.deepEqual([...(got.get(name) ?? [])].sort(), [...ids].sort(), `trigger ${name}`);
  assert.ok(w.receiver.calls.every((c) => c.signatureValid));
}

const total = (w: World) => [...w.sent.values()].reduce((n, l) => n + l.length, 0);

describe('EWS streaming subscription groups (app-only)', { timeout: 120_000 }, () => {
  test('30 mailboxes through one connection: delivery, one subscription failing, the connection cut', async () => {
    const w = await world();
    const streaming = w.sandbox.ews.streaming;
    streaming.setLimits({ keepAliveMs: 60_000 });
    const names = Array.from({ length: 30 }, (_, i) => `m${String(i).padStart(2, '0')}`);
    let runner: TriggerRunner | undefined;
    try {
      for (const n of names) await w.addTrigger(n);
      runner = new TriggerRunner({ store: w.store, tokens: w.tokens, syncIntervalMs: 3_600_000 });
      await runner.start();
      await until(
        'every first scan done',
        async () => runner!.status().length === 30 && runner!.status().every((s) => s.lastScanAt !== undefined),
        40_000,
      );
      await until(
        'one connection carrying all 30 subscriptions',
        async () => {
          const s = streaming.stats();
          return s.connections === 1 && s.connectionSizes[0] === 30;
        },
        40_000,
      );
      assert.equal(streaming.stats().subscriptionsMade, 30);
      assert.deepEqual(streamingGroups(), [[30]]);
      assert.ok(
        streaming.stats().affinity.requestsWithCookie > 0,
        'requests of the group carry the affinity cookie back',
      );

      // 1. One message per mailbox reaches that mailbox's trigger.
      for (const n of names) await w.deliver(n, 'first');
      await w.receiver.waitForCalls(total(w), 40_000);
      assertDeliveredExactly(w);
      assert.equal(streaming.stats().connections, 1, 'still one connection');

      // 2. The server loses one subscription (named in ErrorSubscriptionIds): only that one subscribes again.
      const victim = 'm07';
      const before = new Map(
        await Promise.all(
          names.map(async (n) => [n, (await w.store.getEwsStreamingState(n))?.subscriptionId] as const),
        ),
      );
      const made = streaming.stats().subscriptionsMade;
      assert.ok(
        streaming.failSubscription(
          streaming.subscriptionOf(w.mailboxes.get(victim)!)!,
          'ErrorMissedNotificationEvents',
        ),
      );
      await until('the lost subscription made again and back on the one connection', async () => {
        const s = streaming.stats();
        return s.subscriptionsMade === made + 1 && s.connections === 1 && s.connectionSizes[0] === 30;
      });
      for (const n of names) {
        const now = (await w.store.getEwsStreamingState(n))?.subscriptionId;
        if (n === victim) assert.notEqual(now, before.get(n), 'the victim has a new subscription');
        else assert.equal(now, before.get(n), `${n} kept its subscription`);
      }
      await w.deliver(victim, 'after-error');
      await w.deliver('m08', 'after-error');
      await w.receiver.waitForCalls(total(w));
      assert.ok((await w.store.listTriggerEvents(victim)).some((e) => e.kind === 'streaming_subscribed'));

      // 3. The group's connection is cut inside the envelope carrying the events: every trigger catches up.
      const opened = streaming.stats().connectionsOpened;
      streaming.dropConnections({ midEnvelope: true });
      for (const n of names) await w.deliver(n, 'cut');
      await w.receiver.waitForCalls(total(w), 40_000);
      assert.ok(streaming.stats().connectionsOpened > opened, 'reconnected');
      await until('one connection again', async () => streaming.stats().connections === 1);
      assert.equal(streaming.stats().subscriptionsMade, made + 1, 'a dropped connection keeps the subscriptions');

      await until('nothing more in flight', async () => w.receiver.calls.length === total(w));
      assertDeliveredExactly(w);
    } finally {
      await runner?.stop();
      await w.close();
    }
  });

  test('a capped group: the next trigger opens a second connection; triggers join and leave at runtime', async () => {
    const w = await world();
    const streaming = w.sandbox.ews.streaming;
    streaming.setLimits({ keepAliveMs: 60_000 });
    let runner: TriggerRunner | undefined;
    const sizes = () => [...streaming.stats().connectionSizes].sort((a, b) => b - a);
    try {
      for (let i = 0; i < 6; i++) await w.addTrigger(`c${i}`);
      runner = new TriggerRunner({ store: w.store, tokens: w.tokens, syncIntervalMs: 200, ewsStreamingGroupSize: 5 });
      await runner.start();
      await until('two connections: 5 and 1', async () => JSON.stringify(sizes()) === '[5,1]', 40_000);
      assert.deepEqual(
        streamingGroups().map((g) => [...g].sort((a, b) => b - a)),
        [[5, 1]],
      );

      // Added while running: joins the group with room (the second), not the full one.
      await w.addTrigger('c6');
      await until('the new trigger on the second connection', async () => JSON.stringify(sizes()) === '[5,2]');
      // Removed while running: its group has room again, and the next trigger fills it.
      await w.store.deleteTrigger('c0');
      await until(
        'c0 left its group',
        async () => JSON.stringify(streamingGroups()[0]?.sort((a, b) => b - a)) === '[4,2]',
      );
      await w.addTrigger('c7');
      await until(
        'c7 joined the group c0 left',
        async () =>
          JSON.stringify(sizes()) === '[5,2]' &&
          JSON.stringify(streamingGroups()[0]?.sort((a, b) => b - a)) === '[5,2]',
      );
      assert.ok(
        streamingGroups()[0]!.every((n) => n <= 5),
        'no group over the cap',
      );

      w.sent.delete('c0');
      for (const n of w.sent.keys()) await w.deliver(n, 'capped');
      await w.receiver.waitForCalls(total(w), 40_000);
      await until('nothing more in flight', async () => w.receiver.calls.length === total(w));
      assertDeliveredExactly(w);
    } finally {
      await runner?.stop();
      await w.close();
    }
    assert.deepEqual(streamingGroups(), [], 'stopped triggers leave no group behind');
  });
});
