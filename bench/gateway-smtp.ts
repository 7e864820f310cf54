import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { connect as tlsConnect } from 'node:tls';
import nodemailer from 'nodemailer';
import type { Rig } from '../test/helpers/rig.js';
import { pinRigAndSelf } from './cpu-split.js';
import { startDelayProxyProcess } from './delay-proxy.js';
import { readProcesses, type ProcessStat } from './processes.js';
import { alternate, fmt, median, type Comparison, type Figure } from './lib.js';

const COUNT = Number(process.env.BENCH_GATEWAY_SMTP_MESSAGES ?? 300);
// The gateway serves at most 200 clients at once (smtp-server's maxClients); 20 more warm it up.
const SESSIONS = Math.min(180, Number(process.env.BENCH_GATEWAY_SESSIONS ?? 150));
const LATENCY_SAMPLES = 20;
const CONNECTIONS = Number(process.env.BENCH_GATEWAY_SMTP_CONNECTIONS ?? 3); // what the gateway's worker opens per mailbox (Exchange allows 3)

/**
 * The SMTP gateway (issue 13) against nodemailer straight to the upstream (the rig's Postfix,
 * submission with XOAUTH2): messages a second from submission until they are in the mailbox,
 * alternating, with everything sharing the cores, with the gateway on a core of its own, and with
 * a WAN round trip to the upstream; the latency a message gains by going through the gateway; and
 * the gateway's memory per open authenticated session. The gateway runs in a child process.
 */
export async function benchGatewaySmtp(
  rig: Rig,
  runs: number,
  log: (s: string) => void,
): Promise<{ comparisons: Comparison[]; figures: Figure[] }> {
  const user = rig.uniqueMailbox();
  await rig.ensureUser(user);
  const dir = await mkdtemp(join(tmpdir(), 'mb-bench-gwsmtp-'));
  const load: number[] = [loadavg()[0]!];
  try {
    const memory = await child(user, join(dir, 'mem'), async (gw) => {
      const warm = await Promise.all(Array.from({ length: 20 }, () => openSession(gw.tlsPort, gw.certPem)));
      const before = await gw.mem();
      const open: Awaited<ReturnType<typeof openSession>>[] = [];
      for (let i = 0; i < SESSIONS; i += 20) {
        open.push(
          ...(await Promise.all(
            Array.from({ length: Math.min(20, SESSIONS - i) }, () => openSession(gw.tlsPort, gw.certPem)),
          )),
        );
      }
      const after = await gw.mem();
      for (const s of [...warm, ...open]) s.destroy();
      return { before, after };
    });
    const token = await rig.mintToken(user);
    let n = 0;
    const mail = (i: number) => ({ envelope: { from: user, to: [user] }, raw: body(user, i) });
    /**
     * Waits until Postfix has put every message sent so far into the mailbox. Postfix answers 250
     * once a message is queued and delivers it to Dovecot afterwards (about half the machine's CPU
     * per message). Each run therefore starts on an idle rig and ends when its messages are in the
     * mailbox: ended at Postfix's 250, the faster side would leave much of that delivery work to
     * run after its clock stopped, during the other side's run.
     */
    const delivered = async () => {
      for (let waited = 0; ; waited += 20) {
        const status = await rig.doveadm(['mailbox', 'status', '-u', user, 'messages', 'INBOX']);
        if (Number(/messages=(\d+)/.exec(status)?.[1]) >= n) return;
        if (waited > 120_000) throw new Error(`Postfix has not delivered ${n} messages to ${user} in 2 minutes`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    /**
     * Messages a second end to end (submitted until in the mailbox), through the gateway and
     * straight to `upstreamPort`, alternating; with the rate until the upstream's 250s, and the
     * CPU each side spent per message, split by process.
     */
    const throughput = async (gw: ChildGateway, upstreamPort: number) => {
      const direct = () =>
        nodemailer.createTransport({
          host: rig.smtp.host,
          port: upstreamPort,
          secure: false,
          requireTLS: true,
          pool: true,
          maxConnections: CONNECTIONS,
          maxMessages: Infinity,
          tls: { ca: [rig.caPem], servername: 'localhost' },
          auth: { type: 'OAuth2', user, accessToken: token.reveal() },
        });
      const via = () =>
        nodemailer.createTransport({
          host: '127.0.0.1',
          port: gw.port,
          secure: false,
          requireTLS: true,
          pool: true,
          maxConnections: CONNECTIONS,
          maxMessages: Infinity,
          tls: { ca: [gw.certPem], servername: 'localhost' },
          auth: { user: 'bench', pass: 'bench-password' },
        });
      const cpuVia: CpuSplit[] = [];
      const cpuDirect: CpuSplit[] = [];
      const acceptRates: number[] = [];
      const upstream250 = { ours: [] as number[], bare: [] as number[] };
      /**
       * One timed run: from an idle rig, `submit` returns once the upstream has answered 250 for
       * every message; the run ends when they are all in the mailbox.
       */
      const measure = async (
        open: typeof via,
        submit: (t: ReturnType<typeof via>, t0: number) => Promise<void>,
        to250: number[],
        cpu: CpuSplit[],
      ) => {
        await delivered();
        const t = open();
        const c0 = await cpuNow(gw);
        const t0 = performance.now();
        await submit(t, t0);
        to250.push(COUNT / ((performance.now() - t0) / 1000));
        await delivered();
        const secs = (performance.now() - t0) / 1000;
        cpu.push(cpuSince(c0, await cpuNow(gw), COUNT, secs, gw.pid));
        t.close();
        load.push(loadavg()[0]!);
        return COUNT / secs;
      };
      const throughVia = () =>
        measure(
          via,
          async (t, t0) => {
            const ids = await Promise.all(Array.from({ length: COUNT }, () => t.sendMail(mail(n++)).then(queuedId)));
            acceptRates.push(COUNT / ((performance.now() - t0) / 1000));
            await Promise.all(ids.map((id) => gw.relayed(id)));
          },
          upstream250.ours,
          cpuVia,
        );
      const straight = () =>
        measure(
          direct,
          async (t) => {
            await Promise.all(Array.from({ length: COUNT }, () => t.sendMail(mail(n++))));
          },
          upstream250.bare,
          cpuDirect,
        );
      const rates = await alternate(runs, throughVia, straight, log);
      return {
        rates,
        acceptRates,
        upstream250,
        cpuVia: medianSplit(cpuVia),
        cpuDirect: medianSplit(cpuDirect),
        via,
        direct,
      };
    };

    const lan = await child(user, join(dir, 'run'), async (gw) => {
      const measured = await throughput(gw, rig.smtp.submissionPort);
      const { via, direct } = measured;

      // Latency: one message at a time on an open connection; through the gateway, until its
      // delivery upstream is done (the 250 alone comes sooner: reported next to it).
      const v = via();
      const d = direct();
      await v.sendMail(mail(n++)).then(queuedId).then(gw.relayed);
      await d.sendMail(mail(n++));
      const viaMs: number[] = [];
      const ackMs: number[] = [];
      const directMs: number[] = [];
      for (let i = 0; i < LATENCY_SAMPLES; i++) {
        let t0 = performance.now();
        const id = queuedId(await v.sendMail(mail(n++)));
        ackMs.push(performance.now() - t0);
        await gw.relayed(id);
        viaMs.push(performance.now() - t0);
        t0 = performance.now();
        await d.sendMail(mail(n++));
        directMs.push(performance.now() - t0);
      }
      v.close();
      d.close();
      load.push(loadavg()[0]!);
      return { measured, viaMs, ackMs, directMs };
    });

    // The same with the gateway on a core of its own, as on a host of its own: the rig (the
    // upstream) and the client share the other core, on both paths. On loopback with all of them
    // on both cores, the comparison above is a contest for CPU between the gateway and Postfix.
    const split =
      cpus().length >= 2 && process.env.RIG_DIR
        ? await (async () => {
            const unpin = await pinRigAndSelf(process.env.RIG_DIR as string, '0');
            try {
              return await child(
                user,
                join(dir, 'split'),
                async (gw) => throughput(gw, rig.smtp.submissionPort),
                undefined,
                '1',
              );
            } finally {
              await unpin();
            }
          })()
        : undefined;

    // The same through a relay that adds WAN round trips between mailbridge and the upstream
    // (both paths), as Exchange Online is from a customer's site.
    const wan =
      WAN_RTT_MS > 0
        ? await (async () => {
            const proxy = await startDelayProxyProcess(
              { host: rig.smtp.host, port: rig.smtp.submissionPort },
              WAN_RTT_MS / 2,
            );
            try {
              return await child(user, join(dir, 'wan'), async (gw) => throughput(gw, proxy.port), proxy.port);
            } finally {
              await proxy.close();
            }
          })()
        : undefined;
    {
      const { viaMs, ackMs, directMs } = lan;
      const per = (k: keyof Mem) => fmt((memory.after[k] - memory.before[k]) / SESSIONS / 1024);
      const compared = (name: string, t: Throughput): Comparison => ({
        name,
        unit: 'msg/s',
        better: 'higher',
        ...t.rates,
        target: '≥ 0.9 × direct',
        minRatio: 0.9,
        notes: [
          `until the upstream's 250s (Postfix's delivery to the mailbox not waited for): median ${fmt(median(t.upstream250.ours))} msg/s through the gateway, ${fmt(median(t.upstream250.bare))} direct; the gateway's own 250s (spooled, not yet relayed): ${fmt(median(t.acceptRates))} msg/s`,
          cpuText('through the gateway', t.cpuVia),
          cpuText('direct', t.cpuDirect),
        ],
      });
      const comparisons: Comparison[] = [
        compared(
          `SMTP submissions of ${COUNT} messages (${(body(user, 0).length / 1024).toFixed(0)} KB), ${CONNECTIONS} connections, until in the mailbox: through the gateway (STARTTLS, AUTH PLAIN, spooled, relayed with XOAUTH2) vs nodemailer straight to Postfix (XOAUTH2), all on loopback sharing the ${cpus().length} cores`,
          lan.measured,
        ),
        ...(split
          ? [
              compared(
                'same, with the gateway on a core of its own (as on a host of its own) and Postfix, Dovecot and the client on the other core, on both paths',
                split,
              ),
            ]
          : []),
        ...(wan
          ? [
              compared(
                `same, with ${WAN_RTT_MS} ms of round trip added between mailbridge (or nodemailer) and Postfix on both paths (a loopback relay in a process of its own holding each chunk ${WAN_RTT_MS / 2} ms each way), as Exchange Online is from a customer's site`,
                wan,
              ),
            ]
          : []),
      ];
      const figures: Figure[] = [
        {
          name: `SMTP gateway latency per message, one at a time on an open connection, median of ${LATENCY_SAMPLES}`,
          value: `${fmt(median(viaMs))} ms until relayed upstream (${fmt(median(ackMs))} ms until the gateway's 250) vs ${fmt(median(directMs))} ms direct: +${fmt(median(viaMs) - median(directMs))} ms`,
          target: '–',
          met: undefined,
        },
        {
          name: `SMTP gateway memory per open session (${SESSIONS} sessions, implicit TLS, EHLO + AUTH PLAIN, fresh process, after GC)`,
          value: `${per('rss')} KiB RSS (JS heap ${per('heapUsed')} KiB, external ${per('external')} KiB)`,
          target: '< 256 KiB',
          met:
            memory.after.rss < memory.before.rss
              ? undefined
              : (memory.after.rss - memory.before.rss) / SESSIONS < 256 * 1024,
        },
        {
          name: 'load average (1 min) during the SMTP gateway bench, sampled after each run',
          value: load.map((x) => x.toFixed(1)).join(', '),
          target: '–',
          met: undefined,
        },
      ];
      return { comparisons, figures };
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

type Throughput = {
  rates: { ours: number[]; bare: number[] };
  acceptRates: number[];
  upstream250: { ours: number[]; bare: number[] };
  cpuVia: CpuSplit;
  cpuDirect: CpuSplit;
};

interface Mem {
  rss: number;
  heapUsed: number;
  external: number;
  /** process.cpuUsage() of the gateway, user + system, µs. */
  cpu: number;
}

const WAN_RTT_MS = Number(process.env.BENCH_GATEWAY_SMTP_RTT_MS ?? 20);

interface CpuSplit {
  /** ms of CPU per message. */
  gateway: number;
  client: number;
  rest: number;
  busyPercent: number;
  /** The rest by process name (Postfix's smtpd, lmtp, cleanup…, dovecot's, node for the identity emulator), ms per message. */
  restBy: Record<string, number>;
}

interface CpuMark {
  gateway: number;
  client: number;
  machineBusy: number;
  /** Every process of the machine, by pid. */
  processes: Map<number, ProcessStat>;
}

/** Busy CPU time of the whole machine, ms (/proc/stat: all but idle and iowait). */
function machineBusyMs(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return ((total - idle) * 1000) / 100; // USER_HZ is 100 on Linux
}

async function cpuNow(gw: ChildGateway): Promise<CpuMark> {
  const m = await gw.mem();
  const c = process.cpuUsage();
  return {
    gateway: m.cpu / 1000,
    client: (c.user + c.system) / 1000,
    machineBusy: machineBusyMs(),
    processes: readProcesses(),
  };
}

function cpuSince(a: CpuMark, b: CpuMark, messages: number, secs: number, gatewayPid: number): CpuSplit {
  const gateway = b.gateway - a.gateway;
  const client = b.client - a.client;
  const machine = b.machineBusy - a.machineBusy;
  const restBy: Record<string, number> = {};
  for (const [pid, p] of b.processes) {
    if (pid === process.pid || pid === gatewayPid) continue;
    const spent = p.cpuMs - (a.processes.get(pid)?.cpuMs ?? 0);
    if (spent > 0) restBy[p.name] = (restBy[p.name] ?? 0) + spent / messages;
  }
  return {
    gateway: gateway / messages,
    client: client / messages,
    rest: Math.max(0, machine - gateway - client) / messages,
    busyPercent: (machine / (secs * 1000 * cpus().length)) * 100,
    restBy,
  };
}

function medianSplit(xs: CpuSplit[]): CpuSplit {
  return {
    gateway: median(xs.map((x) => x.gateway)),
    client: median(xs.map((x) => x.client)),
    rest: median(xs.map((x) => x.rest)),
    busyPercent: median(xs.map((x) => x.busyPercent)),
    restBy: Object.fromEntries(
      [...new Set(xs.flatMap((x) => Object.keys(x.restBy)))].map((k) => [k, median(xs.map((x) => x.restBy[k] ?? 0))]),
    ),
  };
}

/** The biggest shares of the rest, e.g. `lmtp 3.1, smtpd 2.2, dovecot 1.0`. */
function cpuText(path: string, s: CpuSplit): string {
  const gateway = path === 'direct' ? '' : `gateway process ${fmt(s.gateway, 2)} ms, `;
  return `CPU per message ${path}: ${gateway}client ${fmt(s.client, 2)} ms, rest of the machine (Postfix, Dovecot, identity emulator) ${fmt(s.rest, 2)} ms (${restByText(s)}); machine busy ${fmt(s.busyPercent)} % of ${cpus().length} cores`;
}

function restByText(s: CpuSplit): string {
  return Object.entries(s.restBy)
    .filter(([, ms]) => ms >= 0.1)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([name, ms]) => `${name} ${fmt(ms, 2)}`)
    .join(', ');
}

interface ChildGateway {
  pid: number;
  port: number;
  tlsPort: number;
  certPem: string;
  mem(): Promise<Mem>;
  /** Resolves once the spool entry `id` was relayed (rejects if it failed). */
  relayed(id: string): Promise<void>;
}

function queuedId(info: { response: string }): string {
  const m = /queued as (\S+)/.exec(info.response);
  if (!m) throw new Error(`no spool id in "${info.response}"`);
  return m[1]!;
}

function body(user: string, i: number): Buffer {
  const line = 'The quick brown fox jumps over the lazy dog, printed by the benchmark.\r\n';
  return Buffer.from(
    `From: ${user}\r\nTo: ${user}\r\nSubject: gateway bench ${i}\r\nMessage-ID: <gw-bench-${i}-${Date.now()}@bench.test>\r\n` +
      `MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n${line.repeat(140)}`,
  );
}

async function child<T>(
  user: string,
  dir: string,
  work: (gw: ChildGateway) => Promise<T>,
  upstreamPort?: number,
  /** Run the gateway on these cores only (taskset's list). */
  cpu?: string,
): Promise<T> {
  const { mkdir } = await import('node:fs/promises');
  await mkdir(dir, { recursive: true });
  const proc = spawn(
    cpu ? 'taskset' : process.execPath,
    [
      ...(cpu ? ['-c', cpu, process.execPath] : []),
      // e.g. BENCH_CHILD_FLAGS=--cpu-prof to see where the gateway spends its time
      ...(process.env.BENCH_CHILD_FLAGS?.split(' ').filter(Boolean) ?? []),
      '--import',
      'tsx',
      '--expose-gc',
      'bench/gateway-smtp-child.ts',
      user,
      dir,
      ...(upstreamPort ? [String(upstreamPort)] : []),
    ],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const done = new Map<string, string>();
  const waiting = new Map<string, (kind: string) => void>();
  const mems: ((m: Mem) => void)[] = [];
  let ready!: (p: { port: number; tlsPort: number; certPem: string }) => void;
  const started = new Promise<{ port: number; tlsPort: number; certPem: string }>((r) => (ready = r));
  createInterface({ input: proc.stdout }).on('line', (line) => {
    const x = JSON.parse(line) as Record<string, unknown>;
    if ('port' in x) ready(x as never);
    else if ('outcome' in x) {
      if (x.outcome === 'deferred') return;
      const id = String(x.id);
      const w = waiting.get(id);
      if (w) {
        waiting.delete(id);
        w(String(x.outcome));
      } else done.set(id, String(x.outcome));
    } else mems.shift()?.(x as unknown as Mem);
  });
  try {
    const p = await started;
    return await work({
      ...p,
      pid: proc.pid ?? -1,
      mem: () =>
        new Promise<Mem>((r) => {
          mems.push(r);
          proc.stdin.write('mem\n');
        }),
      relayed: async (id) => {
        const kind = done.get(id) ?? (await new Promise<string>((r) => waiting.set(id, r)));
        done.delete(id);
        if (kind !== 'relayed') throw new Error(`message ${id}: ${kind}`);
      },
    });
  } finally {
    // Ended by closing its stdin: it closes the gateway and exits (a profile, if asked, is written then).
    const exited = new Promise((r) => proc.once('exit', r));
    proc.stdin.end();
    const timer = setTimeout(() => proc.kill(), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/** An authenticated session kept open (EHLO, AUTH PLAIN over implicit TLS). */
function openSession(port: number, ca: string): Promise<ReturnType<typeof tlsConnect>> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, ca: [ca], servername: 'localhost' });
    let got = '';
    let step = 0;
    s.setEncoding('utf8');
    s.on('error', reject);
    s.on('data', (d: string) => {
      got += d;
      if (step === 0 && /^220 /m.test(got)) {
        step = 1;
        s.write('EHLO bench.test\r\n');
      } else if (step === 1 && /^250 /m.test(got)) {
        step = 2;
        s.write(`AUTH PLAIN ${Buffer.from('\0bench\0bench-password').toString('base64')}\r\n`);
      } else if (step === 2 && /^235 /m.test(got)) resolve(s);
      else if (/^[45]\d\d /m.test(got)) reject(new Error(got));
    });
  });
}
