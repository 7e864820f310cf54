/**
 * An EWS trigger in `streaming` mode on the Exchange sandbox, through the real trigger runner
 * (what `mailbridge serve` runs). The safety-net sync is set to an hour, so every delivery below
 * was woken by a streaming notification or by the catch-up sync a reconnect makes:
 * - a new message reaches the webhook;
 * - connections whose lifetime ends (ConnectionStatus Closed) are reopened on the same
 *   subscription, nothing lost;
 * - a subscription the server forgot (while connected, and while the service was stopped) is
 *   made again and the sync catches up;
 * - a connection cut in the middle of an envelope loses that event, and the reconnect's sync
 *   delivers the message anyway;
 * - a restart reopens the stored subscription and gets what happened meanwhile.
 * Every message reaches the webhook exactly once here (at least once is the promise).
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Store } from '../../src/store/store.js';
import { TokenManager } from '../../src/auth/token-manager.js';
import { TriggerRunner } from '../../src/triggers/runner.js';
import { saveTrigger } from '../../src/triggers/save.js';
import { exchangeFixture, numberedMessage, type ExchangeFixture } from './exchange-support.js';
import { startReceiver, until, type Receiver } from './support.js';

const bare = (id: string | undefined) => (id ?? '').trim().replace(/^<|>$/g, '');

describe('ews trigger with streaming notifications', { timeout: 90_000 }, () => {
  test('delivers on notification, across connection lifetimes, lost subscriptions, cut envelopes and a restart', async () => {
    const f: ExchangeFixture = await exchangeFixture(['ews']);
    const streaming = f.sandbox.ews.streaming;
    streaming.setLimits({ keepAliveMs: 60_000, maxConnectionMs: 60_000 });
    const receiver: Receiver = await startReceiver();
    let store: Store = f.store;
    let tokens = f.tokens;
    let runner: TriggerRunner | undefined;
    const sent: string[] = [];
    const deliver = async (tag: string) => {
      const m = numberedMessage(tag, sent.length);
      sent.push(m.messageId);
      await f.deliver(m.raw);
    };
    const start = async () => {
      const r = new TriggerRunner({ store, tokens, syncIntervalMs: 3_600_000 });
      await r.start();
      await until('the watcher running', async () => r.status()[0]?.state === 'running');
      // The stream is open (the sandbox holds the connection) before mail is sent.
      await until('a streaming connection', async () => streaming.stats().connections === 1);
      return r;
    };
    try {
      await saveTrigger(
        store,
        {
          name: 'stream',
          resource: 'ews',
          mode: 'streaming',
          start: 'new',
          pollIntervalSeconds: 3600,
          target: { kind: 'webhook', url: receiver.url },
          retry: { maxAttempts: 3, backoffBaseMs: 20, backoffMaxMs: 200 },
        },
        { webhookSecret: receiver.secret },
      );
      runner = await start();
      const subscription = (await store.getEwsStreamingState('stream'))?.subscriptionId;
      assert.ok(subscription, 'the subscription is stored');

      // 1. New mail → webhook, woken by the notification (the safety net is an hour away).
      await deliver('new');
      await receiver.waitForCalls(1);
      await until(
        'the watermark stored',
        async () => (await store.getEwsStreamingState('stream'))?.watermark !== undefined,
      );

      // 2. Connection lifetimes end (the server closes them with ConnectionStatus Closed): reopened, nothing lost.
      const opened = streaming.stats().connectionsOpened;
      streaming.setLimits({ maxConnectionMs: 150 });
      await until(
        'several connections opened and closed',
        async () => streaming.stats().connectionsOpened >= opened + 3,
      );
      await deliver('lifetime');
      await deliver('lifetime');
      await receiver.waitForCalls(3);
      streaming.setLimits({ maxConnectionMs: 60_000 });
      assert.equal(
        (await store.getEwsStreamingState('stream'))?.subscriptionId,
        subscription,
        'the same subscription all along',
      );

      // 3. The server loses the subscription while connected: subscribed again, and a message right after arrives.
      const made = streaming.stats().subscriptionsMade;
      streaming.expireSubscriptions();
      await until(
        'subscribed again',
        async () => streaming.stats().subscriptionsMade > made && streaming.stats().connections === 1,
      );
      await deliver('resubscribed');
      await receiver.waitForCalls(4);
      assert.notEqual((await store.getEwsStreamingState('stream'))?.subscriptionId, subscription);
      assert.ok(
        (await store.listTriggerEvents('stream')).some((e) => e.kind === 'streaming_subscribed'),
        'the history says so',
      );

      // 4. The connection is cut in the middle of the envelope carrying the event: the reconnect's sync delivers it.
      streaming.dropConnections({ midEnvelope: true });
      await deliver('cut');
      await receiver.waitForCalls(5);

      // 5. Restart while the subscription lives: the stored one is reopened and hands over what queued meanwhile.
      await runner.stop();
      runner = undefined;
      const kept = (await store.getEwsStreamingState('stream'))?.subscriptionId;
      await deliver('while-stopped');
      await store.close();
      store = f.reopenStore();
      tokens = new TokenManager({ store });
      const madeBefore = streaming.stats().subscriptionsMade;
      runner = await start();
      await receiver.waitForCalls(6);
      assert.equal(streaming.stats().subscriptionsMade, madeBefore, 'no new subscription: the stored one was reopened');
      assert.equal((await store.getEwsStreamingState('stream'))?.subscriptionId, kept);

      // 6. Stopped long enough for the server to drop the subscription: subscribed again, the sync catches up.
      await runner.stop();
      runner = undefined;
      streaming.expireSubscriptions();
      await deliver('expired-while-stopped');
      runner = await start();
      await receiver.waitForCalls(7);

      // Each message once, each call signed.
      await until('nothing more in flight', async () => (await store.listDeliveries('stream')).length === sent.length);
      const ids = receiver.calls.map((c) => bare(c.payload.message.messageId));
      assert.deepEqual([...ids].sort(), [...sent].sort());
      assert.ok(receiver.calls.every((c) => c.signatureValid));
    } finally {
      await runner?.stop();
      await receiver.close();
      if (store !== f.store) await store.close();
      await f.close();
    }
  });

  test('refuses streaming for a resource that is not EWS', async () => {
    const f = await exchangeFixture(['graph']);
    try {
      await assert.rejects(
        saveTrigger(f.store, {
          name: 'g',
          resource: 'graph',
          mode: 'streaming',
          target: { kind: 'webhook', url: 'http://127.0.0.1:9/hook' },
        }),
        (e: Error & { code?: string }) =>
          e.code === 'TRIGGER_UNSUPPORTED_FOR_RESOURCE' && /EWS feature/.test(e.message),
      );
    } finally {
      await f.close();
    }
  });
});
