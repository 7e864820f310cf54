import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TokenManager } from '../../src/auth/token-manager.js';
import { saveTrigger } from '../../src/triggers/save.js';
import { TriggerRunner } from '../../src/triggers/runner.js';
import { loadRig, type Rig } from '../helpers/rig.js';
import { message, reopenStore, startReceiver, triggerFixture, until, type Receiver } from './support.js';

const FAST_RETRY = { maxAttempts: 3, backoffBaseMs: 20, backoffMaxMs: 100 };

describe('IMAP trigger → webhook (real Dovecot, real consent)', { timeout: 120_000 }, () => {
  let rig: Rig;
  let receiver: Receiver;
  before(async () => {
    rig = loadRig();
    receiver = await startReceiver();
  });
  after(async () => {
    await receiver.close();
  });

  test('every message is posted exactly once with a valid HMAC; IDLE picks up a message delivered after start', async () => {
    receiver.calls.length = 0;
    receiver.respond = () => 200;
    const f = await triggerFixture(rig, 'imap');
    const subjects = ['one', 'two', 'three'].map((s) => `${s}-${Date.now()}`);
    for (const s of subjects) await rig.deliver(f.user, message(s));
    // pollIntervalSeconds is an hour: only IDLE can notice the fourth message.
    await saveTrigger(f.store, {
      name: 'hook', resource: 'in', start: 'all', mode: 'idle', pollIntervalSeconds: 3600,
      target: { kind: 'webhook', url: receiver.url }, retry: FAST_RETRY,
    }, { webhookSecret: receiver.secret });
    const runner = new TriggerRunner({ store: f.store, tokens: f.tokens, syncIntervalMs: 3_600_000 });
    try {
      await runner.start();
      await receiver.waitForCalls(3);
      const [status] = runner.status();
      assert.equal(status?.idle, true, 'Dovecot offers IDLE, so the trigger must use it');
      const late = `late-${Date.now()}`;
      await rig.deliver(f.user, message(late));
      const calls = await receiver.waitForCalls(4);
      assert.deepEqual(calls.map((c) => c.payload.message.subject), [...subjects, late]);
      assert.ok(calls.every((c) => c.signatureValid), 'every call carries a valid HMAC-SHA256 signature');
      assert.equal(new Set(calls.map((c) => c.payload.deliveryId)).size, 4);
      const history = await until('4 delivered rows', async () => {
        const h = await f.store.listDeliveries('hook', { status: 'delivered' });
        return h.length === 4 && h;
      });
      assert.ok(history.every((d) => d.attempts === 1));
      const cp = await f.store.getTriggerCheckpoint('hook');
      assert.equal(cp?.lastUid, 4);
    } finally {
      await runner.stop();
      await f.store.close();
    }
    assert.equal(receiver.calls.length, 4, 'no call after the 4th: nothing delivered twice');
  });

  test('a webhook failing twice then OK: delivered with attempts=3, the delete runs only after success', async () => {
    receiver.calls.length = 0;
    const f = await triggerFixture(rig, 'imap');
    const inboxWhileFailing: number[] = [];
    receiver.respond = async (n) => {
      if (n <= 2) {
        inboxWhileFailing.push(await rig.countMessages(f.user));
        return 503;
      }
      return 200;
    };
    await rig.deliver(f.user, message(`flaky-${Date.now()}`));
    await saveTrigger(f.store, {
      name: 'flaky', resource: 'in', start: 'all', mode: 'poll', pollIntervalSeconds: 0.2, afterAction: 'delete',
      target: { kind: 'webhook', url: receiver.url }, retry: FAST_RETRY,
    }, { webhookSecret: receiver.secret });
    const runner = new TriggerRunner({ store: f.store, tokens: f.tokens, syncIntervalMs: 3_600_000 });
    try {
      await runner.start();
      await receiver.waitForCalls(3);
      const [d] = await until('the delivery with its after-action', async () => {
        const h = await f.store.listDeliveries('flaky');
        return h[0]?.afterAction ? h : undefined;
      });
      assert.equal(d?.status, 'delivered');
      assert.equal(d?.attempts, 3);
      assert.equal(d?.afterAction, 'ok');
      assert.deepEqual(inboxWhileFailing, [1, 1], 'the message stayed in INBOX while the webhook failed');
      assert.equal(await rig.countMessages(f.user), 0, 'deleted after the successful delivery');
      assert.equal(new Set(receiver.calls.map((c) => c.payload.deliveryId)).size, 1, 'one delivery id across retries');
      assert.deepEqual(receiver.calls.map((c) => c.payload.attempt), [1, 2, 3]);
    } finally {
      await runner.stop();
      await f.store.close();
    }
  });

  test('a webhook that always fails: dead letter, message not deleted; replay delivers it and then deletes it', async () => {
    receiver.calls.length = 0;
    receiver.respond = () => 500;
    const f = await triggerFixture(rig, 'imap');
    const subject = `poison-${Date.now()}`;
    await rig.deliver(f.user, message(subject));
    await saveTrigger(f.store, {
      name: 'dead', resource: 'in', start: 'all', mode: 'poll', pollIntervalSeconds: 0.2, afterAction: 'delete',
      target: { kind: 'webhook', url: receiver.url }, retry: FAST_RETRY,
    }, { webhookSecret: receiver.secret });
    const runner = new TriggerRunner({ store: f.store, tokens: f.tokens, syncIntervalMs: 3_600_000 });
    try {
      await runner.start();
      const [dead] = await until('a dead letter', async () => {
        const h = await f.store.listDeliveries('dead', { status: 'dead' });
        return h.length > 0 && h;
      });
      assert.ok(dead);
      assert.equal(dead.attempts, 3);
      assert.match(dead.lastError ?? '', /HTTP 500/);
      assert.deepEqual(dead.source, { kind: 'imap', folder: 'INBOX', uidValidity: dead.source.kind === 'imap' ? dead.source.uidValidity : '', uid: 1 });
      assert.equal(receiver.calls.length, 3);
      assert.equal(await rig.countMessages(f.user), 1, 'a dead letter is never deleted by the after-action');
      const events = await f.store.listTriggerEvents('dead');
      assert.ok(events.some((e) => e.kind === 'dead_letter'));

      receiver.respond = () => 200;
      const replayed = await runner.replay(dead.id);
      assert.equal(replayed.status, 'delivered');
      assert.equal(replayed.attempts, 4);
      assert.equal(replayed.afterAction, 'ok');
      assert.equal(receiver.calls.at(-1)?.payload.message.subject, subject);
      assert.ok(receiver.calls.at(-1)?.signatureValid);
      assert.equal(await rig.countMessages(f.user), 0, 'deleted once the replay succeeded');
      await assert.rejects(runner.replay(dead.id), { code: 'TRIGGER_DELIVERY_DONE' });
    } finally {
      await runner.stop();
      await f.store.close();
    }
  });

  test('a restart (new runner over the same store file) resumes from the checkpoint without redelivering', async () => {
    receiver.calls.length = 0;
    receiver.respond = () => 200;
    const f = await triggerFixture(rig, 'imap');
    await rig.deliver(f.user, message(`before-1-${Date.now()}`));
    await rig.deliver(f.user, message(`before-2-${Date.now()}`));
    await saveTrigger(f.store, {
      name: 'resume', resource: 'in', start: 'all', mode: 'poll', pollIntervalSeconds: 0.2,
      target: { kind: 'webhook', url: receiver.url }, retry: FAST_RETRY,
    }, { webhookSecret: receiver.secret });
    const first = new TriggerRunner({ store: f.store, tokens: f.tokens, syncIntervalMs: 3_600_000 });
    await first.start();
    await receiver.waitForCalls(2);
    await until('both recorded', async () => (await f.store.listDeliveries('resume', { status: 'delivered' })).length === 2);
    await first.stop();
    await f.store.close();

    const subject = `after-restart-${Date.now()}`;
    await rig.deliver(f.user, message(subject));
    const store = reopenStore(f);
    const second = new TriggerRunner({ store, tokens: new TokenManager({ store }), syncIntervalMs: 3_600_000 });
    try {
      await second.start();
      await receiver.waitForCalls(3);
      await until('the third recorded', async () => (await store.listDeliveries('resume', { status: 'delivered' })).length === 3);
      assert.equal(receiver.calls.length, 3);
      assert.equal(receiver.calls[2]?.payload.message.subject, subject);
      assert.equal((await store.getTriggerCheckpoint('resume'))?.lastUid, 3);
    } finally {
      await second.stop();
      await store.close();
    }
  });

  test('start "new" skips what is already in the folder; filters skip non-matching messages but advance the checkpoint', async () => {
    receiver.calls.length = 0;
    receiver.respond = () => 200;
    const f = await triggerFixture(rig, 'imap');
    await rig.deliver(f.user, message(`old-invoice-${Date.now()}`));
    await saveTrigger(f.store, {
      name: 'filtered', resource: 'in', mode: 'poll', pollIntervalSeconds: 0.2,
      filters: { subjectContains: 'INVOICE', importance: 'high' },
      target: { kind: 'webhook', url: receiver.url }, retry: FAST_RETRY,
    }, { webhookSecret: receiver.secret });
    const runner = new TriggerRunner({ store: f.store, tokens: f.tokens, syncIntervalMs: 3_600_000 });
    try {
      await runner.start();
      await until('the first scan', async () => (await f.store.getTriggerCheckpoint('filtered'))?.lastUid === 1);
      await rig.deliver(f.user, message(`newsletter-${Date.now()}`));
      await rig.deliver(f.user, message(`invoice-normal-${Date.now()}`));
      const wanted = `invoice-urgent-${Date.now()}`;
      await rig.deliver(f.user, message(wanted, 'Importance: high\r\n'));
      const calls = await receiver.waitForCalls(1);
      assert.equal(calls[0]?.payload.message.subject, wanted);
      assert.equal(calls[0]?.payload.message.importance, 'high');
      await until('checkpoint past all four', async () => (await f.store.getTriggerCheckpoint('filtered'))?.lastUid === 4);
      assert.equal(receiver.calls.length, 1);
    } finally {
      await runner.stop();
      await f.store.close();
    }
  });
});
