/**
 * Triggers in mode notify on the Exchange sandbox (SQLite store): Graph change notifications
 * through the real service's public endpoint wake a delta sync; a notification with another
 * clientState is dropped; with every notification lost the safety-net poll still delivers;
 * lifecycle events (subscriptionRemoved, reauthorizationRequired, missed), renewal, a lapsed
 * subscription, and the start-up reconcile that deletes orphans and duplicates.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createGraphHttp } from '../../src/protocols/graph/http.js';
import { createSubscription } from '../../src/protocols/graph/subscriptions.js';
import { tlsOptionsFor } from '../../src/protocols/tls.js';
import { saveTrigger } from '../../src/triggers/save.js';
import { exchangeFixture, numberedMessage, type ExchangeFixture } from './exchange-support.js';
import { nextSubscriptionEvent, startNotifyService, type NotifyService } from './notify-support.js';
import { startReceiver, until, type Receiver } from './support.js';

const bare = (id: string | undefined) => (id ?? '').trim().replace(/^<|>$/g, '');

describe('Graph change notifications as a trigger source', { timeout: 120_000 }, () => {
  let f: ExchangeFixture;
  let receiver: Receiver;
  let svc: NotifyService;

  const delivered = (trigger: string, messageId: string) =>
    until(`${trigger} to deliver ${messageId}`, async () =>
      receiver.calls.some((c) => c.payload.trigger === trigger && bare(c.payload.message.messageId) === messageId),
    );
  const subscriptionOf = async (trigger: string) => {
    const rec = await f.store.getGraphSubscription(trigger);
    assert.ok(rec, `${trigger} has a stored subscription`);
    return rec;
  };
  const addNotifyTrigger = async (name: string, safetyNetSeconds: number) => {
    const created = nextSubscriptionEvent(f, 'created', (s) =>
      s.notificationUrl.endsWith(`/notifications/graph/${name}`),
    );
    await saveTrigger(
      f.store,
      {
        name,
        resource: 'graph',
        mode: 'notify',
        safetyNetSeconds,
        start: 'new',
        target: { kind: 'webhook', url: receiver.url },
        retry: { maxAttempts: 3, backoffBaseMs: 20, backoffMaxMs: 100 },
      },
      { webhookSecret: receiver.secret },
    );
    await svc.runner.sync();
    const [sub] = await created;
    await until(
      `${name} to finish its first sync`,
      async () => svc.runner.status().find((s) => s.trigger === name)?.lastScanAt !== undefined,
    );
    return sub;
  };

  before(async () => {
    f = await exchangeFixture(['graph']);
    receiver = await startReceiver();
    // Subscriptions live two minutes and are renewed when under 1:55 is left: a renewal every ~5 s.
    svc = await startNotifyService({ store: f.store, tokens: f.tokens, lifetimeMs: 120_000, renewBeforeMs: 115_000 });
    await svc.runner.start();
  });

  after(async () => {
    await svc?.close();
    await receiver?.close();
    await f?.close();
  });

  test('the validation handshake echoes the URL-decoded token as text/plain', async () => {
    const res = await fetch(
      `${svc.base}/notifications/graph/anything?validationToken=${encodeURIComponent('Validation: a b+c/é')}`,
      {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: '',
      },
    );
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(await res.text(), 'Validation: a b+c/é');
  });

  test('a new message: Graph notifies, the trigger syncs and delivers (the safety net is an hour away)', async () => {
    const sub = await addNotifyTrigger('notify1', 3600);
    assert.equal(sub.clientState?.length, 43, 'a 256-bit clientState per subscription');
    assert.match(sub.resource, /^\/users\/.+\/mailFolders\/inbox\/messages$/);
    assert.equal(sub.changeTypes.join(','), 'created');
    assert.ok(sub.lifecycleNotificationUrl?.endsWith('/notifications/graph/notify1/lifecycle'));
    const stored = await subscriptionOf('notify1');
    assert.equal(stored.subscriptionId, sub.id);
    assert.equal(stored.clientState.reveal(), sub.clientState, 'the clientState is kept (sealed) in the store');

    const sent = nextSubscriptionEvent(f, 'notification', (n) => n.subscriptionId === sub.id && n.kind === 'created');
    const m = numberedMessage('notify', 1);
    await f.deliver(m.raw);
    const [outcome] = await sent;
    assert.equal(outcome.outcome, 'delivered');
    assert.equal(outcome.status, 202, 'the endpoint answers 202');
    await delivered('notify1', m.messageId);
  });

  test('a notification with another clientState, or of an unknown subscription, is dropped with a log line (202, no 401)', async () => {
    const stored = await subscriptionOf('notify1');
    const post = (body: unknown) =>
      fetch(`${svc.base}/notifications/graph/notify1`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const r1 = await post({
      value: [{ subscriptionId: stored.subscriptionId, clientState: 'not-the-secret', changeType: 'created' }],
    });
    assert.equal(r1.status, 202);
    const r2 = await post({
      value: [
        { subscriptionId: 'no-such-subscription', clientState: stored.clientState.reveal(), changeType: 'created' },
      ],
    });
    assert.equal(r2.status, 202);
    const r3 = await post({ nothing: 'like a notification' });
    assert.equal(r3.status, 202);
    const logs = svc.logs();
    assert.match(logs, /"reason":"clientState mismatch"/);
    assert.match(logs, /"reason":"unknown subscription"/);
    assert.doesNotMatch(logs, new RegExp(stored.clientState.reveal()), 'the clientState is never logged');
  });

  test('every notification lost: the safety-net delta poll still delivers', async () => {
    await addNotifyTrigger('net', 1);
    f.sandbox.admin.setNotificationPolicy({ dropShare: 1 });
    try {
      const sub = await subscriptionOf('net');
      const dropped = nextSubscriptionEvent(
        f,
        'notification',
        (n) => n.subscriptionId === sub.subscriptionId && n.outcome === 'dropped',
      );
      const m = numberedMessage('dropped', 2);
      await f.deliver(m.raw);
      await dropped;
      await delivered('net', m.messageId);
    } finally {
      f.sandbox.admin.setNotificationPolicy({ dropShare: 0 });
    }
  });

  test('renewal before expiry; a lapsed subscription is made again', async () => {
    const stored = await subscriptionOf('notify1');
    const [renewed] = await nextSubscriptionEvent(f, 'renewed', (s) => s.id === stored.subscriptionId);
    assert.ok(renewed.expiresAt > stored.expiresAt - 1000, 'the expiry moved on');
    await until(
      'the store to have the new expiry',
      async () => (await subscriptionOf('notify1')).expiresAt > stored.expiresAt,
    );

    // Nobody renewed it in time (as if the service was down): the next renewal finds it gone and subscribes again.
    const again = nextSubscriptionEvent(f, 'created', (s) =>
      s.notificationUrl.endsWith('/notifications/graph/notify1'),
    );
    assert.ok(f.sandbox.admin.expireSubscription(stored.subscriptionId));
    const [fresh] = await again;
    assert.notEqual(fresh.id, stored.subscriptionId);
    await until(
      'the store to have the new subscription',
      async () => (await subscriptionOf('notify1')).subscriptionId === fresh.id,
    );
    const m = numberedMessage('after-expiry', 3);
    await f.deliver(m.raw);
    await delivered('notify1', m.messageId);
  });

  test('lifecycle: subscriptionRemoved → subscribe again; reauthorizationRequired → reauthorize; missed → delta sync', async () => {
    let stored = await subscriptionOf('notify1');
    const again = nextSubscriptionEvent(f, 'created', (s) =>
      s.notificationUrl.endsWith('/notifications/graph/notify1'),
    );
    const sent = await f.sandbox.admin.sendLifecycleEvent(stored.subscriptionId, 'subscriptionRemoved');
    assert.equal(sent.outcome, 'delivered');
    const [fresh] = await again;
    await until(
      'the store to have the new subscription',
      async () => (await subscriptionOf('notify1')).subscriptionId === fresh.id,
    );
    const m = numberedMessage('after-removed', 4);
    await f.deliver(m.raw);
    await delivered('notify1', m.messageId);

    stored = await subscriptionOf('notify1');
    const reauthorized = nextSubscriptionEvent(
      f,
      'renewed',
      (s) => s.id === stored.subscriptionId && !s.needsReauthorization,
    );
    await f.sandbox.admin.sendLifecycleEvent(stored.subscriptionId, 'reauthorizationRequired');
    await reauthorized;
    const events = await f.store.listTriggerEvents('notify1');
    assert.ok(events.some((e) => e.kind === 'subscription_reauthorized' || e.kind === 'subscribed'));

    const scanned = svc.runner.status().find((s) => s.trigger === 'notify1')?.lastScanAt ?? 0;
    await f.sandbox.admin.sendLifecycleEvent(stored.subscriptionId, 'missed');
    await until(
      'a delta sync after missed',
      async () => (svc.runner.status().find((s) => s.trigger === 'notify1')?.lastScanAt ?? 0) > scanned,
    );
  });

  test("start-up reconcile across pages of Graph's list: orphans (no trigger) and duplicates (not the stored one) are deleted, the stored one kept", async (t) => {
    await svc.runner.stop();
    // One subscription per page: the list is read by following @odata.nextLink, and what is
    // deleted while paging moves nothing past the reader.
    f.sandbox.context.graphSubscriptions.pageSize = 1;
    t.after(() => {
      f.sandbox.context.graphSubscriptions.pageSize = 100;
    });
    const stored = await subscriptionOf('notify1');
    const r = (await f.store.getResource('graph'))!;
    const url = new URL(r.server.host);
    const http = createGraphHttp({
      baseUrl: r.server.host,
      tokens: f.tokens.provider('graph'),
      mailbox: r.user!,
      tls: await tlsOptionsFor({ ...r, server: { ...r.server, host: url.hostname } }),
    });
    const make = (trigger: string) =>
      createSubscription(http, {
        resource: `/users/${encodeURIComponent(r.user!)}/mailFolders/inbox/messages`,
        changeType: 'created',
        clientState: 'x'.repeat(40),
        notificationUrl: `${svc.base}/notifications/graph/${trigger}`,
        lifecycleNotificationUrl: `${svc.base}/notifications/graph/${trigger}/lifecycle`,
        expiresAt: new Date(Date.now() + 3_600_000),
      });
    const orphans = [await make('ghost'), await make('ghost2')];
    const duplicates = [await make('notify1'), await make('notify1')];
    http.close();
    const removed = new Set<string>();
    const bothGone = nextSubscriptionEvent(f, 'removed', (s) => {
      removed.add(s.id);
      return [...orphans, ...duplicates].every((x) => removed.has(x.id));
    });
    await svc.runner.start();
    await bothGone;
    assert.ok(!removed.has(stored.subscriptionId), 'the stored subscription is kept');
    const left = f.sandbox.admin.listSubscriptions().filter((s) => s.notificationUrl.startsWith(svc.base));
    assert.deepEqual(
      left.map((s) => s.notificationUrl.split('/').pop()).sort(),
      ['net', 'notify1'],
      'one subscription per notify trigger',
    );
    assert.equal(await svc.runner.notificationSweep(), 2, 'the sweep deleted the orphans');
  });

  test('a trigger deleted: its subscription is deleted at Graph and in the store', async () => {
    const stored = await subscriptionOf('net');
    const gone = nextSubscriptionEvent(f, 'removed', (s) => s.id === stored.subscriptionId);
    await f.store.deleteTrigger('net');
    await svc.runner.sync();
    await gone;
    assert.equal(await f.store.getGraphSubscription('net'), undefined);
  });
});
