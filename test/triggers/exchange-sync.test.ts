/**
 * EWS (SyncFolderItems) and Graph (delta) triggers on the Exchange sandbox: each message
 * delivered once, deleted only after its delivery, a restart resumes from the stored sync
 * state without redelivery, and a sync state the server refuses leads to a full re-read that
 * skips what was delivered before (by Message-ID).
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

/** An unusable copy of a stored sync state: what the server says after it forgot the state. */
function spoil(state: string): string {
  if (!/^https?:/i.test(state)) return 'AAAAspoiled';
  const u = new URL(state);
  for (const k of [...u.searchParams.keys()]) if (/token/i.test(k)) u.searchParams.set(k, 'spoiled');
  return u.toString();
}

async function runUntilScanned(store: Store, tokens: TokenManager, scans = 2): Promise<TriggerRunner> {
  const runner = new TriggerRunner({ store, tokens, syncIntervalMs: 3_600_000 });
  await runner.start();
  // Wait for a few complete rounds, so "nothing more was delivered" is an observation, not a race.
  let first: number | undefined;
  let count = 0;
  await until('the watcher to finish rounds', async () => {
    const at = runner.status()[0]?.lastScanAt;
    if (at !== undefined && at !== first) {
      first = at;
      count++;
    }
    return count >= scans;
  });
  return runner;
}

for (const kind of ['ews', 'graph'] as const) {
  describe(`${kind} trigger on the Exchange sandbox`, { timeout: 60_000 }, () => {
    test('delivers each new message once, deletes only after delivery, resumes from the stored state, survives a refused state', async () => {
      const f: ExchangeFixture = await exchangeFixture([kind]);
      const receiver: Receiver = await startReceiver();
      const early: string[] = [];
      receiver.respond = (_n, call) => {
        if (!f.inboxMessageIds().has(bare(call.payload.message.messageId))) early.push(bare(call.payload.message.messageId));
        return 200;
      };
      let store = f.store;
      let tokens = f.tokens;
      let runner: TriggerRunner | undefined;
      try {
        const before = numberedMessage('before', 0);
        await f.deliver(before.raw);
        await saveTrigger(store, {
          name: 'sync', resource: kind, start: 'new', pollIntervalSeconds: 0.1, afterAction: 'delete',
          target: { kind: 'webhook', url: receiver.url }, retry: { maxAttempts: 3, backoffBaseMs: 20, backoffMaxMs: 100 },
        }, { webhookSecret: receiver.secret });
        runner = await runUntilScanned(store, tokens);
        const started = (await store.listTriggerEvents('sync')).find((e) => e.kind === 'started');
        assert.match(started?.message ?? '', /1 message\(s\) there, not delivered/);

        const first = [1, 2, 3].map((i) => numberedMessage('first', i));
        for (const m of first) await f.deliver(m.raw);
        await receiver.waitForCalls(3);
        await until('the delivered messages deleted', async () => f.inboxMessageIds().size === 1);
        assert.deepEqual([...f.inboxMessageIds()], [before.messageId], 'the message there before the start is left alone');
        await until('after-actions noted', async () => (await store.listDeliveries('sync')).every((d) => d.afterAction === 'ok'));
        const cp = await store.getTriggerCheckpoint('sync');
        assert.ok(cp?.syncState, 'the sync state is the checkpoint');
        await runner.stop();
        runner = undefined;

        // Restart from the store file: only what arrived meanwhile is delivered.
        const second = [4, 5].map((i) => numberedMessage('second', i));
        for (const m of second) await f.deliver(m.raw);
        await store.close();
        store = f.reopenStore();
        tokens = new TokenManager({ store });
        runner = await runUntilScanned(store, tokens);
        await receiver.waitForCalls(5);
        await until('the new messages deleted', async () => f.inboxMessageIds().size === 1);
        await runner.stop();
        runner = undefined;

        // The server forgets the state; meanwhile a message delivered before comes back (same
        // Message-ID, new item) and a new one arrives. The re-read delivers the new one and the
        // message that was there before the start (never delivered: at least once), not the copy.
        const state = (await store.getTriggerCheckpoint('sync'))?.syncState ?? '';
        await store.putTriggerCheckpoint('sync', { syncState: spoil(state) });
        await f.deliver(first[0]!.raw);
        const third = numberedMessage('third', 6);
        await f.deliver(third.raw);
        runner = await runUntilScanned(store, tokens, 3);
        await receiver.waitForCalls(7);
        const events = await store.listTriggerEvents('sync');
        assert.ok(events.some((e) => e.kind === 'sync_reset'), 'the reset is visible in the history');
        assert.ok(events.some((e) => e.kind === 'duplicate_skipped'), 'the copy of a delivered message was recognised');
        await runner.stop();
        runner = undefined;

        const ids = receiver.calls.map((c) => bare(c.payload.message.messageId));
        assert.deepEqual([...ids].sort(), [...first, ...second, third, before].map((m) => m.messageId).sort(), 'each message once, the copy not again');
        assert.ok(receiver.calls.every((c) => c.signatureValid));
        assert.deepEqual(early, [], 'no message was deleted before its delivery');
        assert.deepEqual([...f.inboxMessageIds()], [first[0]!.messageId], 'the skipped copy stays: it was not delivered, so it is not deleted');
      } finally {
        await runner?.stop();
        await receiver.close();
        if (store !== f.store) await store.close();
        await f.close();
      }
    });
  });
}
