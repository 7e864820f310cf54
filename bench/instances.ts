import { randomBytes } from 'node:crypto';
import { openPostgresStore } from '../src/store/postgres.js';
import { createSealer } from '../src/store/seal.js';
import type { Rig } from '../test/helpers/rig.js';
import {
  activeWatchers, createPgDatabase, inBatches, runningWatchers, seedMailboxes, spawnInstance, type InstanceProcess, type InstanceReport,
} from '../test/triggers/fixtures/instances.js';
import { message, startReceiver } from '../test/triggers/support.js';
import { fmt, type Figure } from './lib.js';

/**
 * 1, 2 and 3 mailbridge instances over one PostgreSQL database (MAILBRIDGE_BENCH_PG_URL;
 * bench/run.sh starts a cluster) watching the same number of rig mailboxes by polling. Each
 * instance is a child process (test/triggers/fixtures/leased-instance.ts), so the instances
 * really run in parallel and their CPU is their own, as in production. Per N: the time until
 * every mailbox is leased and connected, the delivery throughput of a burst of mail, and (N ≥ 2)
 * the failover time after one instance is SIGKILLed. A fresh database and fresh mailboxes per N.
 */
const MAILBOXES = Number(process.env.BENCH_INSTANCE_MAILBOXES ?? 300);
const MESSAGES = Number(process.env.BENCH_INSTANCE_MESSAGES ?? 600);
const POLL_SECONDS = 2;
const TTL_MS = Number(process.env.BENCH_LEASE_TTL_MS ?? 10_000);
const RENEW_MS = Math.max(200, Math.floor(TTL_MS / 5));
const WAIT_MS = 180_000;

export async function benchInstances(rig: Rig, log: (s: string) => void): Promise<Figure[]> {
  const serverUrl = process.env.MAILBRIDGE_BENCH_PG_URL;
  if (!serverUrl) throw new Error('MAILBRIDGE_BENCH_PG_URL is not set: run the bench through bench/run.sh, which starts PostgreSQL for it');
  const out: Figure[] = [];
  for (const n of [1, 2, 3]) out.push(...(await benchN(rig, serverUrl, n, log)));
  return out;
}

async function benchN(rig: Rig, serverUrl: string, n: number, log: (s: string) => void): Promise<Figure[]> {
  const db = await createPgDatabase(serverUrl);
  const key = randomBytes(32);
  const store = await openPostgresStore({ url: db.url, sealer: createSealer(key) });
  const hook = await startReceiver();
  // When each subject first arrived (the receiver's own clock, so polling here adds no error).
  const arrivals = new Map<string, number>();
  hook.respond = (_n, call) => {
    if (!arrivals.has(call.payload.message.subject)) arrivals.set(call.payload.message.subject, performance.now());
    return 200;
  };
  const instances: InstanceProcess[] = [];
  try {
    const t0 = performance.now();
    const users = await seedMailboxes(rig, store, { count: MAILBOXES, webhookUrl: hook.url, webhookSecret: hook.secret, pollIntervalSeconds: POLL_SECONDS });
    log(`  ${n} instance(s): ${MAILBOXES} mailboxes seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const ids = Array.from({ length: n }, (_, i) => `i${i + 1}`);
    // All announced before any starts, as a deployment that starts its instances together.
    for (const id of ids) await store.heartbeat(id, 60_000);
    instances.push(...(await Promise.all(ids.map((id) => spawnInstance({ pgUrl: db.url, key, id, ttlMs: TTL_MS, renewIntervalMs: RENEW_MS })))));

    // 1. From the start command until every mailbox is leased and connected exactly once.
    const startAt = performance.now();
    await Promise.all(instances.map((i) => i.start()));
    await waitFor('every mailbox watched', () => settled(instances));
    const leasedMs = performance.now() - startAt;
    log(`    leased and watching: ${(leasedMs / 1000).toFixed(1)} s`);

    // 2. A burst of mail spread over the mailboxes: first injection → last webhook.
    const names = [...users.keys()];
    const subjects = Array.from({ length: MESSAGES }, (_, i) => ({ name: names[i % names.length]!, subject: `burst-${i}-${names[i % names.length]}` }));
    const before = await Promise.all(instances.map((i) => i.report()));
    const burstAt = performance.now();
    await inBatches(subjects, 20, (s) => rig.deliver(users.get(s.name)!, message(s.subject)));
    const injectedMs = performance.now() - burstAt;
    await waitFor(`${MESSAGES} webhooks`, async () => subjects.every((s) => arrivals.has(s.subject)));
    const burstMs = Math.max(...subjects.map((s) => arrivals.get(s.subject)!)) - burstAt;
    const afterBurst = await Promise.all(instances.map((i) => i.report()));
    const cpuMs = afterBurst.map((r, i) => r.cpuMs - before[i]!.cpuMs);
    const rssMiB = afterBurst.map((r) => r.rssBytes / 2 ** 20);
    log(`    ${MESSAGES} messages in ${(burstMs / 1000).toFixed(1)} s (injection ${(injectedMs / 1000).toFixed(1)} s), CPU ${cpuMs.map((c) => c.toFixed(0)).join('/')} ms`);

    const label = `${n} instance${n > 1 ? 's' : ''}, ${MAILBOXES} mailboxes (poll ${POLL_SECONDS} s)`;
    const figures: Figure[] = [
      { name: `${label}: start → every mailbox leased and connected once`, value: `${fmt(leasedMs / 1000)} s`, target: '–', met: undefined },
      {
        name: `${label}: ${MESSAGES} messages over LMTP → all webhooks arrived`,
        value: `${fmt(MESSAGES / (burstMs / 1000))} msg/s (${fmt(burstMs / 1000)} s; injection alone ${fmt(injectedMs / 1000)} s); ` +
          `CPU per instance ${cpuMs.map((c) => `${fmt(c / 1000)} s`).join(' / ')}, RSS ${rssMiB.map((m) => `${fmt(m, 0)} MiB`).join(' / ')}`,
        target: '–', met: undefined,
      },
    ];

    // 3. Failover: SIGKILL the last instance; the survivors must take its mailboxes, and mail
    // sent to them right after the kill must arrive.
    if (n >= 2) {
      const victim = instances[n - 1]!;
      const survivors = instances.slice(0, n - 1);
      const orphaned = (await victim.report()).held;
      await victim.kill();
      const killedAt = performance.now();
      const late = orphaned.map((name) => ({ name, subject: `late-${name}` }));
      await inBatches(late, 20, (s) => rig.deliver(users.get(s.name)!, message(s.subject)));
      const alive = new Set(survivors.map((i) => i.id));
      await waitFor('the survivors hold every lease', async () => (await store.listLeases()).every((l) => l.owner !== undefined && alive.has(l.owner)));
      const leasesMs = performance.now() - killedAt;
      await waitFor('the survivors watch every mailbox', () => settled(survivors));
      const movedMs = performance.now() - killedAt;
      await waitFor('the mail sent at the kill', async () => late.every((s) => arrivals.has(s.subject)));
      const lateMs = Math.max(...late.map((s) => arrivals.get(s.subject)!)) - killedAt;
      log(`    failover: leases of ${orphaned.length} mailboxes moved in ${(leasesMs / 1000).toFixed(1)} s, all watched again after ${(movedMs / 1000).toFixed(1)} s, ` +
        `mail sent at the kill delivered after ${(lateMs / 1000).toFixed(1)} s`);
      // The leases expire at most one TTL after the kill and a survivor's next round follows
      // within a renewal interval; connecting the watchers comes on top (reported, no target).
      const bound = TTL_MS + 2 * RENEW_MS;
      figures.push({
        name: `${label}: SIGKILL one → its ${orphaned.length} mailboxes leased by the survivors (lease ${TTL_MS / 1000} s, renewal ${RENEW_MS / 1000} s)`,
        value: `${fmt(leasesMs / 1000)} s; all watched again after ${fmt(movedMs / 1000)} s; mail sent to them at the kill delivered after ${fmt(lateMs / 1000)} s`,
        target: `leases ≤ lease + 2 renewals (${fmt(bound / 1000)} s)`, met: leasesMs <= bound,
      });
    }
    return figures;
  } finally {
    await Promise.all(instances.map((i) => i.stop().catch(() => i.kill())));
    await hook.close();
    await store.close();
    await db.drop();
  }
}

/** Every mailbox connected by exactly one instance, each holding the leases of what it watches. */
async function settled(list: readonly InstanceProcess[]): Promise<boolean> {
  const rs: InstanceReport[] = await Promise.all(list.map((i) => i.report()));
  const running = new Set(rs.flatMap(runningWatchers));
  return running.size === MAILBOXES && rs.flatMap(activeWatchers).length === MAILBOXES && rs.every((r) => r.held.join() === activeWatchers(r).join());
}

/** Polls every 100 ms (reports cost the instances a little CPU; more often would show in the figures). */
async function waitFor(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`bench instances: timed out after ${WAIT_MS / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
