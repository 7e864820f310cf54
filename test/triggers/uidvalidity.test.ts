import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { saveTrigger } from '../../src/triggers/save.js';
import { TriggerRunner } from '../../src/triggers/runner.js';
import { loadRig } from '../helpers/rig.js';
import { message, startReceiver, triggerFixture, until } from './support.js';

describe('UIDVALIDITY change', { timeout: 60_000 }, () => {
  test('recorded as an event; messages delivered before (by Message-ID) are not delivered again, new ones are', async () => {
    const rig = loadRig();
    const receiver = await startReceiver();
    const f = await triggerFixture(rig, 'imap');
    try {
      await rig.deliver(f.user, message(`a-${Date.now()}`));
      await rig.deliver(f.user, message(`b-${Date.now()}`));
      await saveTrigger(f.store, {
        name: 'uv', resource: 'in', start: 'all', mode: 'poll', pollIntervalSeconds: 0.2,
        target: { kind: 'webhook', url: receiver.url }, retry: { maxAttempts: 3, backoffBaseMs: 20, backoffMaxMs: 100 },
      }, { webhookSecret: receiver.secret });
      const first = new TriggerRunner({ store: f.store, tokens: f.tokens, syncIntervalMs: 3_600_000 });
      await first.start();
      await receiver.waitForCalls(2);
      await until('both recorded', async () => (await f.store.listDeliveries('uv', { status: 'delivered' })).length === 2);
      await first.stop();
      const before = (await f.store.getTriggerCheckpoint('uv'))?.uidValidity;

      // What a server rebuild or a mailbox restore does: same messages, new UIDVALIDITY.
      const next = String(Number(before) + 1000);
      await rig.doveadm(['mailbox', 'update', '-u', f.user, '--uid-validity', next, 'INBOX']);
      const fresh = `c-${Date.now()}`;
      await rig.deliver(f.user, message(fresh));

      const second = new TriggerRunner({ store: f.store, tokens: f.tokens, syncIntervalMs: 3_600_000 });
      try {
        await second.start();
        await receiver.waitForCalls(3);
        await until('checkpoint past the folder', async () => {
          const cp = await f.store.getTriggerCheckpoint('uv');
          return cp?.uidValidity === next && cp.lastUid === 3;
        });
      } finally {
        await second.stop();
      }
      assert.equal(receiver.calls.length, 3);
      assert.equal(receiver.calls[2]?.payload.message.subject, fresh);
      const events = await f.store.listTriggerEvents('uv');
      assert.equal(events.filter((e) => e.kind === 'uidvalidity_changed').length, 1);
      assert.equal(events.filter((e) => e.kind === 'duplicate_skipped').length, 2);
    } finally {
      await f.store.close();
      await receiver.close();
    }
  });
});
