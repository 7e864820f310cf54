import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import nodemailer from 'nodemailer';
import { createSealer } from '../src/store/seal.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import type { Store } from '../src/store/store.js';
import { TriggerRunner } from '../src/triggers/runner.js';
import { triggerDefinitionSchema } from '../src/config/trigger.js';
import type { TokenManager } from '../src/auth/token-manager.js';
import { consentedResource } from '../test/mail/facade-consent.js';
import type { Rig } from '../test/helpers/rig.js';
import { fmt, median, type Figure } from './lib.js';

/** A webhook receiver that resolves the waiter registered for each subject. */
async function receiver(): Promise<{ url: string; arrived: (subject: string) => Promise<number>; server: Server }> {
  const waiting = new Map<string, (t: number) => void>();
  const early = new Map<string, number>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const t = performance.now();
      const subject = String((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { message?: { subject?: string } }).message?.subject ?? '');
      res.writeHead(200).end('ok');
      const w = waiting.get(subject);
      if (w) w(t);
      else early.set(subject, t);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    arrived: (subject) => {
      const t = early.get(subject);
      if (t !== undefined) return Promise.resolve(t);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no delivery of "${subject}" in 120 s`)), 120_000);
        waiting.set(subject, (at) => { clearTimeout(timer); resolve(at); });
      });
    },
  };
}

async function watched(rig: Rig, store: Store, name: string, user: string): Promise<TokenManager> {
  await rig.ensureUser(user);
  const { tokens } = await consentedResource(rig, 'imap', { store, user, name });
  return tokens;
}

/**
 * Median time from Postfix accepting a message (SMTP submission answered 250) to the webhook
 * receiving it, with IMAP IDLE and with polling.
 */
export async function benchTriggerLatency(rig: Rig, samples: number, log: (s: string) => void): Promise<Figure[]> {
  const out: Figure[] = [];
  for (const mode of ['idle', 'poll'] as const) {
    const interval = 5;
    const store = openSqliteStore({ path: ':memory:', sealer: createSealer(randomBytes(32)) });
    const user = rig.uniqueMailbox();
    const tokens = await watched(rig, store, 'lat', user);
    const hook = await receiver();
    await store.putTrigger(triggerDefinitionSchema.parse({ name: 'lat', resource: 'lat', mode, pollIntervalSeconds: mode === 'idle' ? 3600 : interval, target: { kind: 'webhook', url: hook.url } }));
    const runner = new TriggerRunner({ store, tokens, syncIntervalMs: 3_600_000 });
    await runner.start();
    const sender = rig.uniqueMailbox();
    const smtp = nodemailer.createTransport({ host: rig.smtp.host, port: rig.smtp.submissionPort, requireTLS: true, tls: { ca: [rig.caPem], servername: 'localhost' }, auth: { type: 'OAuth2', user: sender, accessToken: (await rig.mintToken(sender)).reveal() } });
    // Let the watcher reach IDLE (or its first poll) before the clock starts.
    await new Promise((r) => setTimeout(r, 2000));
    const lat: number[] = [];
    for (let i = 0; i < samples; i++) {
      const subject = `${mode}-${i}-${randomBytes(4).toString('hex')}`;
      await smtp.sendMail({ from: sender, to: user, subject, text: 'latency' });
      const accepted = performance.now();
      lat.push((await hook.arrived(subject)) - accepted);
    }
    smtp.close();
    await runner.stop();
    hook.server.close();
    await store.close();
    const m = median(lat);
    log(`  ${mode}: median ${m.toFixed(0)} ms over ${samples}`);
    out.push(mode === 'idle'
      ? { name: `trigger latency, IMAP IDLE (SMTP accept → webhook), ${samples} messages`, value: `median ${fmt(m, 0)} ms (max ${fmt(Math.max(...lat), 0)} ms)`, target: '< 1 s', met: m < 1000 }
      : { name: `trigger latency, polling every ${interval} s, ${samples} messages`, value: `median ${fmt(m, 0)} ms (max ${fmt(Math.max(...lat), 0)} ms)`, target: `within one interval (${interval} s)`, met: Math.max(...lat) <= interval * 1000 + 1000 });
  }
  return out;
}

/** 1,000 mailboxes watched with IDLE by one process: its RSS and CPU while idle. */
export async function benchManyMailboxes(rig: Rig, count: number, log: (s: string) => void): Promise<Figure[]> {
  const store = openSqliteStore({ path: ':memory:', sealer: createSealer(randomBytes(32)) });
  const hook = await receiver();
  let tokens: TokenManager | undefined;
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const name = `m${i}`;
    tokens = await watched(rig, store, name, rig.uniqueMailbox());
    await store.putTrigger(triggerDefinitionSchema.parse({ name, resource: name, mode: 'idle', pollIntervalSeconds: 3600, target: { kind: 'webhook', url: hook.url } }));
  }
  log(`  ${count} consented resources and triggers in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  global.gc?.();
  const before = process.memoryUsage();
  const rssBefore = before.rss;
  const runner = new TriggerRunner({ store, tokens: tokens!, syncIntervalMs: 3_600_000 });
  await runner.start();
  // Wait until every watcher is connected and idling.
  const deadline = Date.now() + 180_000;
  for (;;) {
    const idle = runner.status().filter((s) => s.state === 'running').length;
    if (idle >= count || Date.now() > deadline) { log(`  ${idle}/${count} watching`); break; }
    await new Promise((r) => setTimeout(r, 1000));
  }
  await new Promise((r) => setTimeout(r, 5000));
  const cpu0 = process.cpuUsage();
  const w0 = performance.now();
  await new Promise((r) => setTimeout(r, 30_000));
  const cpu = process.cpuUsage(cpu0);
  const share = (cpu.user + cpu.system) / 1000 / (performance.now() - w0);
  global.gc?.();
  const mem = process.memoryUsage();
  const rss = mem.rss;
  const perWatcher = (n: number) => `${fmt(n / count / 1024, 0)} KiB`;
  log(`  per watcher: RSS ${perWatcher(rss - rssBefore)}, JS heap ${perWatcher(mem.heapUsed - before.heapUsed)}, external ${perWatcher(mem.external - before.external)}`);
  const watching = runner.status().filter((s) => s.state === 'running').length;
  await runner.stop();
  hook.server.close();
  await store.close();
  const mb = rss / 2 ** 20;
  return [
    { name: `${count} mailboxes watched with IMAP IDLE in one process (${watching} watching)`, value: `RSS ${fmt(mb, 0)} MiB (${fmt((rss - rssBefore) / 2 ** 20, 0)} MiB for the watchers: per watcher RSS ${perWatcher(rss - rssBefore)}, JS heap ${perWatcher(mem.heapUsed - before.heapUsed)}, external ${perWatcher(mem.external - before.external)})`, target: '< 512 MiB', met: mb < 512 },
    { name: `idle CPU of those watchers over 30 s`, value: `${fmt(share * 100, 2)} % of a core`, target: '< 5 %', met: share < 0.05 },
  ];
}
