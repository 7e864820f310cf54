/**
 * Failover when an instance really dies: three instances as child processes on one PostgreSQL
 * database watch 60 rig mailboxes through leases; one is killed with SIGKILL (no release, no
 * goodbye, its connections cut by the kernel). Its mailboxes must move to the two survivors
 * once its leases expire, each mailbox watched exactly once afterwards, and every message
 * delivered to those mailboxes before, during and after the failover must reach the webhook.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Store } from '../../src/store/store.js';
import { loadRig, type Rig } from '../helpers/rig.js';
import { freshDatabase, type TestDatabase } from '../store/databases.js';
import { activeWatchers, inBatches, runningWatchers, seedMailboxes, spawnInstance, type InstanceProcess, type InstanceReport } from './fixtures/instances.js';
import { message, startReceiver, until, type Receiver } from './support.js';

const MAILBOXES = 60;
const IDS = ['k1', 'k2', 'k3'];
const TTL_MS = 4_000;
const RENEW_MS = 1_000;
/**
 * The victim's leases and heartbeat expire at most TTL after its last renewal (which came
 * before the kill); a survivor's next lease round follows within one renewal interval; one
 * more interval of slack for a loaded machine.
 */
const TAKEOVER_BOUND_MS = TTL_MS + 3 * RENEW_MS;

describe('an instance killed with SIGKILL', { timeout: 60_000 }, () => {
  let rig: Rig;
  let db: TestDatabase;
  let admin: Store;
  let hook: Receiver;
  let users: Map<string, string>;
  const key = randomBytes(32);
  const instances: InstanceProcess[] = [];

  before(async () => {
    rig = loadRig();
    db = await freshDatabase('postgres');
    admin = await db.open(key);
    hook = await startReceiver();
    users = await seedMailboxes(rig, admin, { count: MAILBOXES, webhookUrl: hook.url, webhookSecret: hook.secret, pollIntervalSeconds: 1 });
    // Announce all three before any starts, so the first one up does not take all 60 only to
    // give two thirds back a round later (that works too, with needless connection churn).
    for (const id of IDS) await admin.heartbeat(id, 30_000);
    instances.push(...(await Promise.all(IDS.map((id) => spawnInstance({ pgUrl: db.url, key, id, ttlMs: TTL_MS, renewIntervalMs: RENEW_MS, poolSize: 4 })))));
    await Promise.all(instances.map((i) => i.start()));
  });

  after(async () => {
    await Promise.all(instances.map((i) => i.kill()));
    await hook?.close();
    await admin?.close();
    await db?.drop();
  });

  const reports = (list: readonly InstanceProcess[]) => Promise.all(list.map((i) => i.report()));
  /** Every mailbox connected by exactly one of `list`, each holding the leases of what it watches. */
  const settled = async (list: readonly InstanceProcess[]): Promise<InstanceReport[] | undefined> => {
    const rs = await reports(list);
    const running = rs.flatMap(runningWatchers);
    const active = rs.flatMap(activeWatchers);
    if (new Set(running).size !== MAILBOXES || active.length !== MAILBOXES) return undefined;
    return rs.every((r) => r.held.join() === activeWatchers(r).join()) ? rs : undefined;
  };
  const subjectsSeen = () => new Set(hook.calls.map((c) => c.payload.message.subject));

  test('three instances: every mailbox watched exactly once, a third each', async () => {
    const rs = await until('all 60 mailboxes watched', () => settled(instances), 20_000);
    for (const r of rs) assert.equal(activeWatchers(r).length, MAILBOXES / IDS.length, `${r.id} watches its fair share`);
    const leases = await admin.listLeases();
    assert.equal(leases.length, MAILBOXES);
    for (const l of leases) {
      assert.equal(l.owner, rs.find((r) => r.held.includes(l.name))?.id, `the lease of ${l.name} names the instance watching it`);
    }
  });

  test('SIGKILL one: its mailboxes move to the survivors within the lease time, and no message is lost', async (t) => {
    const [survivorA, victim, survivorB] = instances as [InstanceProcess, InstanceProcess, InstanceProcess];
    const survivors = [survivorA, survivorB];
    const orphaned = (await victim.report()).held;
    assert.equal(orphaned.length, MAILBOXES / IDS.length);
    // The victim's mailboxes last in each wave, so its share of the first is the freshest mail at the kill.
    const names = [...[...users.keys()].filter((n) => !orphaned.includes(n)), ...orphaned];
    const wave = (tag: string) => inBatches(names, 20, (name) => rig.deliver(users.get(name)!, message(`${tag}-${name}`)));

    // Mail to every mailbox, then the kill right behind it: some of the victim's share is
    // mid-delivery or not yet seen when it dies.
    await wave('before');
    await victim.kill();
    const killedAt = Date.now();
    // Mail while nobody watches the victim's mailboxes.
    await wave('during');

    const leasesMovedAt = await until('every lease held by a survivor', async () => {
      const leases = await admin.listLeases();
      return leases.length === MAILBOXES && leases.every((l) => l.owner === survivorA.id || l.owner === survivorB.id) && Date.now();
    }, 20_000);
    const movedAfterMs = leasesMovedAt - killedAt;
    assert.ok(movedAfterMs <= TAKEOVER_BOUND_MS, `leases moved ${movedAfterMs} ms after the kill; bound ${TAKEOVER_BOUND_MS} ms (lease ${TTL_MS} ms + 3 renewals)`);

    const rs = await until('the survivors watch all 60 mailboxes', () => settled(survivors), 20_000);
    const watched = rs.flatMap(activeWatchers);
    assert.equal(watched.length, MAILBOXES, 'no mailbox watched twice');
    assert.deepEqual(new Set(watched), new Set(names), 'every mailbox watched');
    for (const r of rs) assert.equal(activeWatchers(r).length, MAILBOXES / 2, `${r.id} took half (ceil(60 / 2 live))`);
    for (const name of orphaned) assert.ok(watched.includes(name), `${name} (the victim's) is watched by a survivor`);
    const leases = await admin.listLeases();
    for (const l of leases) assert.equal(l.owner, rs.find((r) => r.held.includes(l.name))?.id, `the lease of ${l.name} names its watcher`);
    assert.deepEqual(await admin.listLiveInstances(), [survivorA.id, survivorB.id], 'the dead instance left the live list');

    // Mail after the move.
    await wave('after');
    const expected = ['before', 'during', 'after'].flatMap((tag) => names.map((name) => `${tag}-${name}`));
    await until(`all ${expected.length} messages at the webhook`, async () => {
      const seen = subjectsSeen();
      return expected.every((s) => seen.has(s));
    }, 20_000);
    const seen = subjectsSeen();
    for (const s of expected) assert.ok(seen.has(s), `${s} delivered`);
    assert.ok(hook.calls.every((c) => c.signatureValid), 'every call signed with the trigger secret');
    for (const c of hook.calls) {
      assert.ok(c.payload.message.subject.endsWith(`-${c.payload.trigger}`), `${c.payload.message.subject} came through its own mailbox's trigger`);
    }
    // Reported, not asserted: at least once allows a repeat of what the victim posted but had not recorded.
    t.diagnostic(`leases moved ${movedAfterMs} ms after the kill (lease ${TTL_MS} ms); ${hook.calls.length - expected.length} repeated deliveries`);
  });
});
