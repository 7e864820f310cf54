/**
 * EWS streaming at scale (issue 18): N app-only mailboxes (default 1,000; BENCH_EWS_MAILBOXES),
 * one `mode: streaming` trigger each, through the real TriggerRunner against the Exchange
 * sandbox in this process, twice: grouped (subscription groups of up to 200 per
 * GetStreamingEvents connection, the default) and one connection per trigger (group size 1, the
 * behaviour before grouping). For each: open streaming connections (the sandbox counts them),
 * time from start until every subscription is on an open connection and until every trigger
 * finished its first SyncFolderItems, RSS and CPU at rest, and event →
 * trigger latency (the sandbox delivering a message → the trigger's handler getting it) for a
 * burst of one message per mailbox (BENCH_EWS_BURST caps it). Safety-net sync 1 hour: every
 * delivery is woken by a notification.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SANDBOX, startExchangeSandbox, startIdentityEmulator } from '@mailbridge/sandbox';
import { TokenManager } from '../src/auth/token-manager.js';
import { createLogger } from '../src/log.js';
import { createSealer } from '../src/store/seal.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { TriggerRunner } from '../src/triggers/runner.js';
import { saveTrigger } from '../src/triggers/save.js';
import { fmt, type Figure } from './lib.js';
import { addAppOnlyEwsMailbox } from '../test/triggers/exchange-support.js';

interface ModeResult {
  mode: string;
  connections: number;
  subscribeSeconds: number;
  /** From start until every trigger finished its first SyncFolderItems. */
  firstSyncSeconds: number;
  rssMiB: number;
  rssDeltaMiB: number;
  cpuPercent: number;
  burst: number;
  median: number;
  p99: number;
  max: number;
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;

async function waitFor(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function runMode(count: number, burst: number, groupSize: number, log: (s: string) => void): Promise<ModeResult> {
  const mode = groupSize > 1 ? `grouped (≤${groupSize} per connection)` : 'one connection per trigger';
  const dir = mkdtempSync(join(tmpdir(), 'mb-bench-ews-'));
  const identity = await startIdentityEmulator({ dataDir: dir });
  const sandbox = await startExchangeSandbox({ identity, tlsDir: dir });
  sandbox.admin.updateSettings({ ewsEnabled: true, ewsAllowedAppIds: [SANDBOX.confidentialClientId] });
  const streaming = sandbox.ews.streaming;
  streaming.setLimits({ keepAliveMs: 60_000 });
  const caFile = join(dir, 'ca.pem');
  writeFileSync(caFile, sandbox.caPem);
  const store = openSqliteStore({ path: join(dir, 'mb.db'), sealer: createSealer(randomBytes(32)) });
  const tokens = new TokenManager({ store });
  const arrived = new Map<string, number>();
  const sentAt = new Map<string, number>();
  let wake: (() => void) | undefined;
  const users: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = `e${i}`;
    const user = `e${i}@${SANDBOX.tenantDomain}`;
    users.push(user);
    await addAppOnlyEwsMailbox({ sandbox, identity, store, caFile }, name, user);
    await saveTrigger(store, {
      name,
      resource: name,
      mode: 'streaming',
      start: 'new',
      pollIntervalSeconds: 3600,
      target: { kind: 'handler', name: 'bench' },
      retry: { maxAttempts: 3, backoffBaseMs: 100, backoffMaxMs: 5000 },
    });
  }
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const runner = new TriggerRunner({
    store,
    tokens,
    syncIntervalMs: 3_600_000,
    ewsStreamingGroupSize: groupSize,
    // Warnings (reconnects, resubscribes) to stderr when BENCH_EWS_LOG is set.
    ...(process.env.BENCH_EWS_LOG
      ? { logger: createLogger({ level: process.env.BENCH_EWS_LOG, destination: process.stderr }) }
      : {}),
    handlers: {
      bench: async (d) => {
        arrived.set(d.message.subject ?? '', performance.now());
        wake?.();
      },
    },
  });
  const expected = groupSize > 1 ? Math.ceil(count / groupSize) : count;
  const t0 = performance.now();
  try {
    await runner.start();
    await waitFor(
      'every subscription on an open connection',
      () => {
        const s = streaming.stats();
        return s.connections === expected && s.connectionSizes.reduce((a, b) => a + b, 0) === count;
      },
      15 * 60_000,
    );
    const subscribeSeconds = (performance.now() - t0) / 1000;
    log(
      `  ${mode}: ${count} subscribed on ${streaming.stats().connections} connection(s) in ${fmt(subscribeSeconds)} s`,
    );

    // At rest: the initial syncs are done once every watcher is running; then a quiet window.
    // Every first scan done: under `start: new` a message arriving before it counts as already there.
    await waitFor('every first scan done', () => runner.status().every((s) => s.lastScanAt !== undefined), 5 * 60_000);
    const firstSyncSeconds = (performance.now() - t0) / 1000;
    log(`  ${mode}: every trigger's first SyncFolderItems done ${fmt(firstSyncSeconds)} s after start`);
    await new Promise((r) => setTimeout(r, 3000));
    global.gc?.();
    const cpu0 = process.cpuUsage();
    const w0 = performance.now();
    await new Promise((r) => setTimeout(r, 10_000));
    const cpu = process.cpuUsage(cpu0);
    const cpuPercent = ((cpu.user + cpu.system) / 1000 / (performance.now() - w0)) * 100;
    const rss = process.memoryUsage().rss;

    // A burst: one message to each of the first `burst` mailboxes, as fast as the sandbox takes them.
    for (let i = 0; i < burst; i++) {
      const subject = `burst ${i} ${randomBytes(3).toString('hex')}`;
      const raw = `From: s@example.test\r\nTo: ${users[i]}\r\nSubject: ${subject}\r\nMessage-ID: <${randomBytes(6).toString('hex')}@example.test>\r\n\r\nx\r\n`;
      sentAt.set(subject, performance.now());
      await sandbox.admin.deliver(Buffer.from(raw), { from: 's@example.test', to: [users[i]!] });
    }
    log(`  ${mode}: burst of ${burst} sent in ${fmt((performance.now() - sentAt.values().next().value!) / 1000)} s`);
    const deadline = Date.now() + 10 * 60_000;
    let shown = Date.now();
    while ([...sentAt.keys()].some((s) => !arrived.has(s))) {
      const done = [...sentAt.keys()].filter((s) => arrived.has(s)).length;
      if (Date.now() > deadline) throw new Error(`burst: ${done}/${burst} delivered`);
      if (Date.now() - shown > 15_000) {
        shown = Date.now();
        const st = runner.status();
        log(
          `    ${done}/${burst} delivered; connections ${JSON.stringify(streaming.stats().connectionSizes)}; watchers ${st.filter((x) => x.state === 'running').length} running`,
        );
      }
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 1000);
      });
    }
    const latencies = [...sentAt].map(([s, t]) => arrived.get(s)! - t).sort((a, b) => a - b);
    const connections = streaming.stats().connections;
    log(`  ${mode}: burst of ${burst}: median ${fmt(pct(latencies, 50))} ms, p99 ${fmt(pct(latencies, 99))} ms`);
    return {
      mode,
      connections,
      subscribeSeconds,
      firstSyncSeconds,
      rssMiB: rss / 2 ** 20,
      rssDeltaMiB: (rss - rss0) / 2 ** 20,
      cpuPercent,
      burst,
      median: pct(latencies, 50),
      p99: pct(latencies, 99),
      max: latencies.at(-1) ?? NaN,
    };
  } finally {
    await runner.stop();
    await store.close().catch(() => undefined);
    await sandbox.close();
    await identity.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Both modes; the figures for bench/results.md, and the table of the section printed to stderr. */
export async function benchEwsStreamingScale(log: (s: string) => void): Promise<Figure[]> {
  const count = Number(process.env.BENCH_EWS_MAILBOXES ?? 1000);
  const burst = Math.min(count, Number(process.env.BENCH_EWS_BURST ?? count));
  const before = loadavg();
  const results: ModeResult[] = [];
  const modes = (process.env.BENCH_EWS_MODES ?? 'grouped,each').split(',');
  for (const groupSize of [200, 1]) {
    if (modes.includes(groupSize > 1 ? 'grouped' : 'each')) results.push(await runMode(count, burst, groupSize, log));
  }
  const after = loadavg();
  const table = [
    `${count} app-only mailboxes, load average before ${before.map((x) => x.toFixed(2)).join(' / ')}, after ${after.map((x) => x.toFixed(2)).join(' / ')}`,
    '',
    '| mode | open connections | time to subscribe all | every first sync done | RSS at rest (Δ for the triggers) | CPU at rest | event → trigger, burst (median / p99 / max) |',
    '|---|---|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.mode} | ${r.connections} | ${fmt(r.subscribeSeconds)} s | ${fmt(r.firstSyncSeconds)} s | ${fmt(r.rssMiB, 0)} MiB (${fmt(r.rssDeltaMiB, 0)} MiB) | ${fmt(r.cpuPercent)} % | ${r.burst}: ${fmt(r.median)} / ${fmt(r.p99)} / ${fmt(r.max)} ms |`,
    ),
  ];
  log(table.join('\n'));
  return results.map((r) => ({
    name: `${count} app-only EWS streaming triggers, ${r.mode}`,
    value: `${r.connections} connection(s); all subscribed in ${fmt(r.subscribeSeconds)} s, every first sync done in ${fmt(r.firstSyncSeconds)} s; RSS ${fmt(r.rssMiB, 0)} MiB (+${fmt(r.rssDeltaMiB, 0)}); CPU at rest ${fmt(r.cpuPercent)} %; burst of ${r.burst}: median ${fmt(r.median)} ms, p99 ${fmt(r.p99)} ms`,
    target: r.mode.startsWith('grouped') ? `${Math.ceil(count / 200)} connection(s)` : '–',
    met: r.mode.startsWith('grouped') ? r.connections === Math.ceil(count / 200) : undefined,
  }));
}
