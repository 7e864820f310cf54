/**
 * Graph change notifications at scale (issue 18): N mailboxes (BENCH_GRAPH_MAILBOXES, default
 * 10,000) watched by triggers in mode notify, by 1, 2 and 3 instances over one PostgreSQL
 * database (MAILBRIDGE_BENCH_PG_URL, or MAILBRIDGE_TEST_PG_URL) behind one public URL (a
 * round-robin balancer on loopback), against the Exchange sandbox in this process. Each instance
 * is a child process (bench/graph-notify-instance.ts), so its CPU and memory are its own.
 *
 * Per instance count: time until every trigger has its Graph subscription; CPU and RSS per
 * instance at rest; notification → webhook latency (median, p99) under a burst of N new
 * messages (one per mailbox); a burst with 10 % of notifications dropped (all delivered, the
 * slowest bounded by the safety-net poll); and (2+ instances) SIGKILL of one instance: time
 * until its triggers are held and watched by the others. Renewal load per hour is computed from
 * the lifetime and margin in use (nothing renews within a run). Prints markdown and, with
 * BENCH_OUT, writes it there.
 *
 *   node --import tsx bench/graph-notify-scale.ts        (npm run bench:graph-notify)
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { SANDBOX, startExchangeSandbox, startIdentityEmulator } from '@mailbridge/sandbox';
import { GRAPH_RESOURCE } from '../src/auth/scopes.js';
import { applyPreset } from '../src/config/presets.js';
import { parseResource } from '../src/config/validate.js';
import { Secret } from '../src/secret.js';
import { openPostgresStore } from '../src/store/postgres.js';
import { createSealer } from '../src/store/seal.js';
import type { Store } from '../src/store/store.js';
import { saveTrigger } from '../src/triggers/save.js';
import { createPgDatabase, inBatches } from '../test/triggers/fixtures/instances.js';
import { startBalancer } from '../test/triggers/notify-support.js';
import { startReceiver } from '../test/triggers/support.js';
import { describeMachine } from './lib.js';

const N = Number(process.env.BENCH_GRAPH_MAILBOXES ?? 10_000);
const SAFETY_NET_SECONDS = Number(process.env.BENCH_GRAPH_SAFETY_NET_SECONDS ?? 60);
const TTL_MS = Number(process.env.BENCH_LEASE_TTL_MS ?? 10_000);
const COUNTS = (process.env.BENCH_GRAPH_INSTANCES ?? '1,2,3').split(',').map(Number);
const LIFETIME_MIN = 10_000;
const RENEW_BEFORE_MIN = 24 * 60;
const CHILD = fileURLToPath(new URL('./graph-notify-instance.ts', import.meta.url));
/** A directory: each instance runs with --cpu-prof there (written when the instance ends cleanly). */
const CPU_PROF_DIR = process.env.BENCH_CPU_PROF;
/** `subscribe`: stop after the subscribe figure (for profiling the start-up alone). */
const STEPS = process.env.BENCH_GRAPH_STEPS ?? 'all';
const log = (s: string) => process.stderr.write(`${s}\n`);

interface Report {
  held: number;
  running: number;
  cpuMs: number;
  rssBytes: number;
}
interface Child {
  base: string;
  pid: number;
  start(): Promise<void>;
  report(): Promise<Report>;
  kill(): Promise<void>;
  /** Ends stdin: the instance exits by itself (and writes its CPU profile), SIGKILL after 10 s. */
  end(): Promise<void>;
}

async function spawnChild(env: Record<string, string>): Promise<Child> {
  const prof = CPU_PROF_DIR ? ['--cpu-prof', '--cpu-prof-dir', CPU_PROF_DIR] : [];
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', CHILD], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  let ending = false;
  child.stderr.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  const exited = new Promise<void>((r) =>
    child.once('exit', (code, signal) => {
      if (signal !== 'SIGKILL' && !ending) log(`instance exited (${code ?? signal}): ${stderr}`);
      r();
    }),
  );
  const waiters: { type: string; resolve: (m: Record<string, unknown>) => void }[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const i = waiters.findIndex((w) => w.type === m.type);
    if (i >= 0) waiters.splice(i, 1)[0]!.resolve(m);
  });
  const next = (type: string, ms = 120_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`instance: no ${type} in ${ms} ms; ${stderr}`)), ms);
      waiters.push({
        type,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  const ready = await next('ready');
  return {
    base: String(ready.base),
    pid: child.pid!,
    async start() {
      const s = next('started', 600_000);
      child.stdin.write('start\n');
      await s;
    },
    async report() {
      const r = next('report');
      child.stdin.write('report\n');
      return (await r) as unknown as Report;
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
    async end() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      ending = true;
      child.stdin.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    // Each check asks every instance for its status (10,000 watchers): not more often than this.
    await new Promise((r) => setTimeout(r, 1000));
  }
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};
const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
const mib = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`;

async function main(): Promise<void> {
  const serverUrl = process.env.MAILBRIDGE_BENCH_PG_URL ?? process.env.MAILBRIDGE_TEST_PG_URL;
  if (!serverUrl) throw new Error('set MAILBRIDGE_BENCH_PG_URL (or MAILBRIDGE_TEST_PG_URL) to a PostgreSQL server');
  const dir = mkdtempSync(join(tmpdir(), 'mb-graph-bench-'));
  const identity = await startIdentityEmulator({ dataDir: dir });
  const sandbox = await startExchangeSandbox({ identity, tlsDir: dir });
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, sandbox.caPem);
  const users = Array.from({ length: N }, (_, i) => `gn${String(i).padStart(5, '0')}@${SANDBOX.tenantDomain}`);
  for (const u of users) {
    sandbox.admin.createMailbox(u);
    // App-only access needs the app's mailbox permission (ApplicationAccessPolicy-like in the sandbox).
    sandbox.admin.grantFullAccess(u, SANDBOX.confidentialClientId);
  }
  const rows: string[] = [];
  const loadBefore = (await import('node:os'))
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ');
  try {
    for (const n of COUNTS) rows.push(...(await benchN(n, serverUrl, sandbox, identity, users, caFile)));
  } finally {
    await sandbox.close();
    await identity.close();
  }
  const loadAfter = (await import('node:os'))
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' / ');
  const md = [
    `## Graph change notifications at scale (bench/graph-notify-scale.ts, ${new Date().toISOString()})`,
    '',
    `${N} mailboxes${N < 10_000 ? ` (scaled down from 10,000 with BENCH_GRAPH_MAILBOXES: see the note below)` : ''}, one trigger each in mode notify, ` +
      `safety-net poll ${SAFETY_NET_SECONDS} s, lease TTL ${TTL_MS / 1000} s, instances behind one round-robin public URL, ` +
      'PostgreSQL store, the Exchange sandbox (Graph, in the parent process) as the server.',
    '',
    describeMachine(),
    `- load average (1/5/15 min) before: ${loadBefore}; after: ${loadAfter}`,
    '',
    '| instances | figure | value |',
    '|---|---|---|',
    ...rows,
    '',
    `Renewal load: subscriptions are made for ${LIFETIME_MIN} minutes (Graph's mail maximum is 10,080) and renewed ` +
      `${RENEW_BEFORE_MIN / 60}–${(RENEW_BEFORE_MIN * 1.5) / 60} h before expiry (the point fixed per trigger by its name), so each is ` +
      `renewed every ${((LIFETIME_MIN - RENEW_BEFORE_MIN * 1.25) / 60).toFixed(1)} h on average: ` +
      `${(N / ((LIFETIME_MIN - RENEW_BEFORE_MIN * 1.25) / 60)).toFixed(1)} PATCH requests per hour for ${N} mailboxes in the steady state; ` +
      `a wave subscribed together renews spread over ${(RENEW_BEFORE_MIN * 0.5) / 60} h, at most ${(N / ((RENEW_BEFORE_MIN * 0.5) / 60)).toFixed(0)} per hour ` +
      `(${(10_000 / ((RENEW_BEFORE_MIN * 0.5) / 60)).toFixed(0)} for 10,000), spread over the instances by lease. ` +
      `The safety-net poll adds ${((N * 3600) / SAFETY_NET_SECONDS).toFixed(0)} delta requests per hour at ${SAFETY_NET_SECONDS} s ` +
      `(${(N * 4).toFixed(0)} per hour at the default 15 minutes).`,
    '',
  ].join('\n');
  process.stdout.write(md);
  if (process.env.BENCH_OUT) writeFileSync(process.env.BENCH_OUT, md);
}

async function benchN(
  n: number,
  serverUrl: string,
  sandbox: Awaited<ReturnType<typeof startExchangeSandbox>>,
  identity: Awaited<ReturnType<typeof startIdentityEmulator>>,
  users: readonly string[],
  caFile: string,
): Promise<string[]> {
  // Each row also goes to stderr as soon as it is measured: a long run stopped early keeps what it had.
  const out = {
    rows: [] as string[],
    push(row: string) {
      this.rows.push(row);
      log(row);
    },
  };
  const db = await createPgDatabase(serverUrl);
  const key = randomBytes(32);
  const store: Store = await openPostgresStore({ url: db.url, sealer: createSealer(key) });
  const hook = await startReceiver();
  const arrived = new Map<string, number>();
  hook.respond = (_i, call) => {
    if (!arrived.has(call.payload.message.subject)) arrived.set(call.payload.message.subject, performance.now());
    return 200;
  };
  const children: Child[] = [];
  const balancer = await startBalancer(() => children.map((c) => c.base));
  // Every subscription ever made gone before the next count (a fresh store knows none of them).
  for (const s of sandbox.admin.listSubscriptions()) sandbox.context.graphSubscriptions.remove(s.id);
  sandbox.admin.setNotificationPolicy({ dropShare: 0 });
  try {
    // One app-only token (the sandbox app may act on every mailbox), cached for each resource: no grant per mailbox.
    const token = (
      await identity.admin.mintAccessToken({
        clientId: SANDBOX.confidentialClientId,
        audience: GRAPH_RESOURCE,
        roles: ['Mail.ReadWrite'],
        expiresInSeconds: 4 * 3600,
      })
    ).access_token;
    const t0 = performance.now();
    await inBatches(
      users.map((u, i) => ({ u, i })),
      50,
      async ({ u, i }) => {
        const name = `g${String(i).padStart(5, '0')}`;
        await store.putResource(
          parseResource({
            ...applyPreset({
              preset: 'm365',
              name,
              kind: 'graph',
              flow: 'client_credentials',
              tenantId: SANDBOX.tenantId,
              clientId: SANDBOX.confidentialClientId,
              user: u,
              authorityUrl: identity.url,
              mailHost: sandbox.graph.url,
            }),
            tls: { caFile },
          }),
        );
        await store.putSecret(name, 'client_secret', new Secret(SANDBOX.clientSecret));
        await store.putAccessToken(name, {
          audience: GRAPH_RESOURCE,
          token: new Secret(token),
          expiresAt: Date.now() + 3.9 * 3600_000,
        });
        await saveTrigger(
          store,
          {
            name,
            resource: name,
            mode: 'notify',
            safetyNetSeconds: SAFETY_NET_SECONDS,
            start: 'new',
            target: { kind: 'webhook', url: hook.url, timeoutSeconds: 10 },
            retry: { maxAttempts: 5, backoffBaseMs: 100, backoffMaxMs: 1000 },
          },
          { webhookSecret: hook.secret },
        );
      },
    );
    log(`${n} instance(s): seeded ${users.length} in ${sec(performance.now() - t0)}`);
    const ids = Array.from({ length: n }, (_, i) => `gi${i + 1}`);
    for (const id of ids) await store.heartbeat(id, 120_000);
    children.push(
      ...(await Promise.all(
        ids.map((id) =>
          spawnChild({
            MBT_PG_URL: db.url,
            MBT_KEY: key.toString('base64'),
            MBT_INSTANCE: id,
            MBT_LEASE_TTL_MS: String(TTL_MS),
            MBT_PUBLIC_URL: balancer.url,
            MBT_LOG: join(tmpdir(), `mb-graph-bench-${id}.log`),
          }),
        ),
      )),
    );

    // 1. Subscribe all.
    const startAt = performance.now();
    await Promise.all(children.map((c) => c.start()));
    await waitFor(
      'every trigger subscribed and watching',
      async () => {
        const reps = await Promise.all(children.map((c) => c.report()));
        return (
          reps.reduce((a, r) => a + r.running, 0) === users.length &&
          sandbox.context.graphSubscriptions.list().length === users.length
        );
      },
      3_600_000,
    );
    const subscribeMs = performance.now() - startAt;
    out.push(
      `| ${n} | time to subscribe all ${users.length} (start → every trigger subscribed and watching) | ${sec(subscribeMs)} |`,
    );
    log(`  subscribed all in ${sec(subscribeMs)}`);
    if (STEPS === 'subscribe') return out.rows;

    // 2. At rest: CPU over 10 s and RSS, per instance.
    const r0 = await Promise.all(children.map((c) => c.report()));
    const restStart = performance.now();
    await new Promise((r) => setTimeout(r, 10_000));
    const r1 = await Promise.all(children.map((c) => c.report()));
    const restMs = performance.now() - restStart;
    const cpu = r1.map((r, i) => ((r.cpuMs - r0[i]!.cpuMs) / restMs) * 100);
    out.push(`| ${n} | CPU per instance at rest (10 s window) | ${cpu.map((c) => `${c.toFixed(1)} %`).join(', ')} |`);
    out.push(
      `| ${n} | RSS per instance at rest | ${r1.map((r) => mib(r.rssBytes)).join(', ')} (triggers held: ${r1.map((r) => r.held).join(', ')}) |`,
    );

    // 3. Burst: one new message per mailbox, as fast as the sandbox takes them.
    const burst = async (tag: string, timeoutMs: number) => {
      const sent = new Map<string, number>();
      await inBatches(
        users.map((u, i) => ({ u, i })),
        100,
        async ({ u, i }) => {
          const subject = `${tag} ${i}`;
          sent.set(subject, performance.now());
          await sandbox.admin.deliver(
            Buffer.from(
              `From: s@example.test\r\nTo: ${u}\r\nSubject: ${subject}\r\nMessage-ID: <${tag}.${i}.${randomBytes(4).toString('hex')}@example.test>\r\n\r\nbody\r\n`,
            ),
            { from: 's@example.test', to: [u] },
          );
        },
      );
      await waitFor(`${tag}: every message delivered`, () => [...sent.keys()].every((s) => arrived.has(s)), timeoutMs);
      return [...sent].map(([s, at]) => arrived.get(s)! - at);
    };
    const lat = await burst(`burst${n}`, 1_800_000);
    out.push(
      `| ${n} | notification → webhook latency, burst of ${users.length} (median / p99 / max) | ${sec(pct(lat, 50))} / ${sec(pct(lat, 99))} / ${sec(Math.max(...lat))} |`,
    );
    log(`  burst: median ${sec(pct(lat, 50))}, p99 ${sec(pct(lat, 99))}`);

    // 4. 10 % of notifications dropped: all delivered, the late ones by the safety net.
    sandbox.admin.setNotificationPolicy({ dropShare: 0.1 });
    const dropped = await burst(`drop${n}`, 1_800_000 + SAFETY_NET_SECONDS * 2000);
    sandbox.admin.setNotificationPolicy({ dropShare: 0 });
    out.push(
      `| ${n} | 10 % of notifications dropped: delivered / median / p99 / max (bound: safety net ${SAFETY_NET_SECONDS} s + a sync) | ${dropped.length}/${users.length} / ${sec(pct(dropped, 50))} / ${sec(pct(dropped, 99))} / ${sec(Math.max(...dropped))} |`,
    );

    // 5. SIGKILL one instance: its triggers held and watched by the others again.
    if (n >= 2) {
      const victim = children.shift()!;
      const heldBefore = (await Promise.all(children.map((c) => c.report()))).reduce((a, r) => a + r.held, 0);
      const killedAt = performance.now();
      await victim.kill();
      // Two moments: the survivors hold the dead instance's leases (its work has moved: the lease
      // TTL plus a renewal round), and every one of its triggers runs again (each restarts its
      // watcher: a delta sync and its subscription checked, thousands of them on the same cores).
      let leasedMs: number | undefined;
      await waitFor(
        "the dead instance's triggers taken over",
        async () => {
          const reps = await Promise.all(children.map((c) => c.report()));
          if (leasedMs === undefined && reps.reduce((a, r) => a + r.held, 0) > heldBefore)
            leasedMs = performance.now() - killedAt;
          return reps.reduce((a, r) => a + r.running, 0) === users.length;
        },
        600_000,
      );
      const moveMs = performance.now() - killedAt;
      const after = await burst(`kill${n}`, 1_800_000);
      out.push(
        `| ${n} | SIGKILL of one instance (lease TTL ${TTL_MS / 1000} s): its first leases held by the others; all its triggers watched again; then a burst: all ${after.length} delivered, median | ${sec(leasedMs ?? moveMs)}; ${sec(moveMs)}; ${sec(pct(after, 50))} |`,
      );
    }
  } finally {
    for (const c of children) await c.end().catch(() => undefined);
    children.length = 0;
    await balancer.close();
    await hook.close();
    await store.close();
    await db.drop();
  }
  return out.rows;
}

await main();
