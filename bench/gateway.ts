import { spawn } from 'node:child_process';
import { scrypt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { connect as tlsConnect } from 'node:tls';
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import nodemailer from 'nodemailer';
import type { Rig } from '../test/helpers/rig.js';
import { raw, sizes } from './fetch.js';
import { alternate, fmt, median, type Comparison, type Figure } from './lib.js';

const COUNT = Number(process.env.BENCH_GATEWAY_MESSAGES ?? 1000);
const SESSIONS = Number(process.env.BENCH_GATEWAY_SESSIONS ?? 200);
const LOGINS = 20;

/**
 * The IMAP gateway (issue 13): `FETCH 1:* (BODY.PEEK[])` with imapflow through the gateway
 * (in a child process, so it does not share the client's event loop) against imapflow straight
 * to Dovecot, alternating; the added time per login; and the gateway's memory per open session.
 */
export async function benchGateway(
  rig: Rig,
  runs: number,
  log: (s: string) => void,
): Promise<{ comparisons: Comparison[]; figures: Figure[] }> {
  const user = rig.uniqueMailbox();
  const bytes = await fill(rig, user, log);
  const token = await rig.mintToken(user);
  const dir = await mkdtemp(join(tmpdir(), 'mb-bench-gw-'));
  try {
    // Memory first, in a fresh gateway process: one that has just relayed the throughput runs
    // keeps freed buffers in RSS, and new sessions reuse them (the figure would read near zero).
    const memory = await gatewayProcess(user, dir, async (ports, mem) => {
      // A first batch warms up what every login allocates once (scrypt's 16 MiB per libuv thread,
      // TLS contexts): the figure is what each further session adds.
      const sockets: Awaited<ReturnType<typeof openSession>>[] = [];
      const warm = await Promise.all(Array.from({ length: 20 }, () => openSession(ports.tls, ports.certPem)));
      const before = await mem();
      // In batches: Dovecot's login processes check each token at the identity emulator.
      for (let i = 0; i < SESSIONS; i += 20) {
        sockets.push(
          ...(await Promise.all(
            Array.from({ length: Math.min(20, SESSIONS - i) }, () => openSession(ports.tls, ports.certPem)),
          )),
        );
      }
      const open = await mem();
      for (const s of [...warm, ...sockets]) s.destroy();
      return { before, open };
    });
    return await gatewayProcess(user, dir, async (ports) => {
      const direct: ImapFlowOptions = {
        host: rig.imap.host,
        port: rig.imap.port,
        secure: true,
        tls: { ca: [rig.caPem], servername: 'localhost' },
        auth: { user, accessToken: token.reveal() },
      };
      const viaTls: ImapFlowOptions = {
        host: '127.0.0.1',
        port: ports.tls,
        secure: true,
        tls: { ca: [ports.certPem], servername: 'localhost' },
        auth: { user: 'bench', pass: 'bench-pass' },
      };
      const viaPlain: ImapFlowOptions = {
        host: '127.0.0.1',
        port: ports.plain,
        secure: false,
        doSTARTTLS: false,
        auth: { user: 'bench', pass: 'bench-pass' },
      };
      const mbps = (o: ImapFlowOptions) => async () => (await fetchAll(o)) / 1e6;
      const tlsRuns = await alternate(runs, mbps(viaTls), mbps(direct), log);
      const plainRuns = await alternate(runs, mbps(viaPlain), mbps(direct), log);
      const name = (how: string) =>
        `IMAP FETCH of ${COUNT} messages (${(bytes / 1e6).toFixed(0)} MB, 1 KB–1 MB) through the gateway, ${how}, vs imapflow straight to Dovecot`;
      const comparisons: Comparison[] = [
        {
          name: name('TLS listener (two TLS hops)'),
          unit: 'MB/s',
          better: 'higher',
          ...tlsRuns,
          target: '≥ 0.9 × direct',
        },
        {
          name: name('plain loopback listener'),
          unit: 'MB/s',
          better: 'higher',
          ...plainRuns,
          target: '≥ 0.9 × direct',
        },
      ];
      const loginMs = async (o: ImapFlowOptions) => {
        const times: number[] = [];
        for (let i = 0; i < LOGINS; i++) {
          const t0 = performance.now();
          const c = new ImapFlow({ ...o, logger: false });
          await c.connect();
          times.push(performance.now() - t0);
          await c.logout();
        }
        return median(times);
      };
      const viaLogin = await loginMs(viaTls);
      const hashMs: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t0 = performance.now();
        await new Promise((resolve, reject) =>
          scrypt('bench-pass', 'sixteen byte salt', 32, (e, k) => (e ? reject(e) : resolve(k))),
        );
        hashMs.push(performance.now() - t0);
      }
      const directLogin = await loginMs(direct);
      const per = (k: keyof Mem) => fmt((memory.open[k] - memory.before[k]) / SESSIONS / 1024);
      const figures: Figure[] = [
        {
          name: `IMAP gateway login (connect, TLS, LOGIN, XOAUTH2 upstream, CAPABILITY), median of ${LOGINS}`,
          value: `${fmt(viaLogin)} ms through the gateway, ${fmt(directLogin)} ms direct (+${fmt(viaLogin - directLogin)} ms, of which the test directory's scrypt check ≈ ${fmt(median(hashMs))} ms)`,
          target: '–',
          met: undefined,
        },
        {
          name: `IMAP gateway memory per open session (${SESSIONS} logged-in sessions, TLS both hops, fresh process, after GC)`,
          value: `${per('rss')} KiB RSS (JS heap ${per('heapUsed')} KiB, external ${per('external')} KiB)`,
          target: '< 256 KiB', // RSS can shrink while sessions open (GC returns startup garbage): then the figure says nothing.
          met:
            memory.open.rss < memory.before.rss
              ? undefined
              : (memory.open.rss - memory.before.rss) / SESSIONS < 256 * 1024,
        },
      ];
      return { comparisons, figures };
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface Mem {
  rss: number;
  heapUsed: number;
  external: number;
}

/** Runs `work` against a gateway in a child process (bench/gateway-child.ts), then ends it. */
async function gatewayProcess<T>(
  user: string,
  dir: string,
  work: (ports: { tls: number; plain: number; certPem: string }, mem: () => Promise<Mem>) => Promise<T>,
): Promise<T> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--expose-gc', 'bench/gateway-child.ts', user, dir], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async <R>(): Promise<R> => JSON.parse(String((await lines.next()).value)) as R;
  try {
    const ports = await next<{ tls: number; plain: number; certPem: string }>();
    return await work(ports, async () => {
      child.stdin.write('mem\n');
      return next<Mem>();
    });
  } finally {
    child.stdin.end();
    child.kill();
  }
}

async function fetchAll(o: ImapFlowOptions): Promise<number> {
  const c = new ImapFlow({ ...o, logger: false });
  await c.connect();
  const lock = await c.getMailboxLock('INBOX');
  let total = 0;
  let n = 0;
  const t0 = performance.now();
  try {
    for await (const m of c.fetch('1:*', { source: true })) {
      total += m.source?.length ?? 0;
      n++;
    }
  } finally {
    lock.release();
  }
  const secs = (performance.now() - t0) / 1000;
  await c.logout();
  if (n !== COUNT) throw new Error(`fetched ${n} of ${COUNT}`);
  return total / secs;
}

/** A logged-in session kept open: the least a client can hold (no client library's memory in the figure). */
function openSession(port: number, ca: string): Promise<ReturnType<typeof tlsConnect>> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, ca: [ca], servername: 'localhost' });
    let got = '';
    s.setEncoding('utf8');
    s.on('error', reject);
    s.on('data', (d: string) => {
      got += d;
      if (got.includes('* OK') && !got.includes('a LOGIN')) {
        got += 'a LOGIN';
        s.write('a LOGIN bench bench-pass\r\n');
      }
      if (/a OK/.test(got)) resolve(s);
      else if (/a (NO|BAD)/.test(got)) reject(new Error(got));
    });
  });
}

async function fill(rig: Rig, user: string, log: (s: string) => void): Promise<number> {
  const lmtp = nodemailer.createTransport({
    host: rig.host,
    port: rig.lmtpPort,
    lmtp: true,
    pool: true,
    maxConnections: 4,
    maxMessages: COUNT,
    tls: { ca: [rig.caPem], servername: 'localhost' },
  });
  const all = sizes(COUNT);
  let bytes = 0;
  for (let i = 0; i < COUNT; i += 200) {
    await Promise.all(
      all.slice(i, i + 200).map((s, j) => {
        const r = raw(i + j, s);
        bytes += r.length;
        return lmtp.sendMail({ envelope: { from: 'sender@contoso.onmicrosoft.com', to: [user] }, raw: r });
      }),
    );
  }
  lmtp.close();
  log(`  gateway: filled ${COUNT} messages, ${(bytes / 1e6).toFixed(0)} MB`);
  return bytes;
}
