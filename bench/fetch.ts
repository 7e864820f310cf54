import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import { simpleParser } from 'mailparser';
import { fetchToDirectory } from '../src/mail/fetch.js';
import type { AfterAction } from '../src/message/after-action.js';
import { createImapMailbox } from '../src/mail/imap-mailbox.js';
import type { Rig } from '../test/helpers/rig.js';
import { alternate, BARE_LIST_QUERY, connectBareImap, fmt, median, type Comparison } from './lib.js';

const COUNT = Number(process.env.BENCH_FETCH_MESSAGES ?? 10_000);
const execFileAsync = promisify(execFile);
/** Which of the fetch comparisons to run (all by default). */
const PARTS = (process.env.BENCH_FETCH_PARTS ?? 'leave,move,raw,list').split(',');

/** Sizes from 1 KB to 1 MB, log-uniform (most mail is small, a few are large), fixed seed. */
export function sizes(n: number): number[] {
  let seed = 42;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  return Array.from({ length: n }, () => Math.round(1024 * Math.pow(1024, rnd())));
}

/** A message of about `size` bytes; above 8 KB the bulk is a base64 attachment. */
export function raw(i: number, size: number): string {
  const head = `From: sender@contoso.onmicrosoft.com\r\nTo: bench@contoso.onmicrosoft.com\r\nSubject: fetch ${i}\r\nMessage-ID: <fetch-${i}@bench>\r\nMIME-Version: 1.0\r\n`;
  if (size < 8192) return `${head}Content-Type: text/plain; charset=utf-8\r\n\r\n${'y'.repeat(size - head.length)}\r\n`;
  const b64 = Buffer.alloc(Math.floor(((size - 600) * 3) / 4), i % 251)
    .toString('base64')
    .replace(/.{76}/g, '$&\r\n');
  return `${head}Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attachment\r\n--b\r\nContent-Type: application/octet-stream; name=a${i}.bin\r\nContent-Disposition: attachment; filename=a${i}.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64}\r\n--b--\r\n`;
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
  const t0 = performance.now();
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
  log(
    `  filled ${COUNT} messages, ${(bytes / 1e6).toFixed(0)} MB, in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  return bytes;
}

interface Run {
  rate: number;
  cpuMs: number;
}

/** Times `work` (wall clock → msg/s) and the client's CPU time (stable where the machine is busy). */
async function timed(work: () => Promise<number>): Promise<Run> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const n = await work();
  const secs = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  return { rate: n / secs, cpuMs: (cpu.user + cpu.system) / 1000 / n };
}

/** alternate() over runs that also report CPU time per message, kept for the notes. */
async function compare(runs: number, ours: () => Promise<Run>, bare: () => Promise<Run>, log: (s: string) => void) {
  const cpu = { ours: [] as number[], bare: [] as number[] };
  const r = await alternate(
    runs,
    async () => {
      const x = await ours();
      cpu.ours.push(x.cpuMs);
      return x.rate;
    },
    async () => {
      const x = await bare();
      cpu.bare.push(x.cpuMs);
      return x.rate;
    },
    log,
  );
  return {
    ...r,
    cpuNote: `client CPU per message (median): ours ${median(cpu.ours).toFixed(2)} ms, bare ${median(cpu.bare).toFixed(2)} ms (worker threads included)`,
  };
}

/** `compare` after one untimed run of each side: the first, cold runs of both are the slowest. */
async function compareWarm(runs: number, ours: () => Promise<Run>, bare: () => Promise<Run>, log: (s: string) => void) {
  await ours();
  await bare();
  return compare(runs, ours, bare, log);
}

/**
 * Bulk receive over IMAPS against the bare libraries, alternating, on one mailbox of COUNT
 * messages (1 KB–1 MB): fetch + cut attachments + save with `--after leave` and with
 * `--after move:Archive` (ours flushes to disk before the move; bare has no durability), the
 * plain .eml fetch, and the listing.
 */
export async function benchFetch(rig: Rig, runs: number, log: (s: string) => void): Promise<Comparison[]> {
  const user = rig.uniqueMailbox();
  const bytes = await fill(rig, user, log);
  const token = await rig.mintToken(user);
  await rig.doveadm(['mailbox', 'create', '-u', user, 'Archive']);
  const resource = rig.resource('imap', user);
  const base = join(tmpdir(), `mb-bench-fetch-${process.pid}`);
  const mbps = (rate: number) => fmt((rate * bytes) / COUNT / 1e6);
  const bareClient = () => connectBareImap(rig, user, token.reveal());
  const fresh = async (name: string) => {
    const dir = join(base, name);
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    // Nothing of the last run (1.5 GB at 10,000 messages) is left to write back during this one.
    await execFileAsync('sync');
    return dir;
  };

  // Each run starts from an empty directory; removing the last run's files is not timed.
  const ours = (opts: { raw?: boolean; after?: AfterAction }) => async () => {
    const dir = await fresh('ours');
    const run = await timed(async () => {
      const mailbox = createImapMailbox({ resource, tokens: { getAccessToken: async () => token } });
      const report = await fetchToDirectory({ mailbox, dir, ...opts });
      await mailbox.close();
      if (report.saved !== COUNT) throw new Error(`ours saved ${report.saved} of ${COUNT}`);
      return COUNT;
    });
    // put them back for the next run
    if (opts.after?.kind === 'move') await rig.doveadm(['move', '-u', user, 'INBOX', 'mailbox', 'Archive', 'all']);
    return run;
  };
  const bareParse = async () => {
    const dir = await fresh('bare');
    return timed(async () => {
      const client = await bareClient();
      const lock = await client.getMailboxLock('INBOX');
      let n = 0;
      try {
        for await (const m of client.fetch('1:*', { uid: true, source: true }, { uid: true })) {
          const source = m.source!;
          await writeFile(join(dir, `${m.uid}.eml`), source);
          const parsed = await simpleParser(source);
          for (const a of parsed.attachments) {
            await mkdir(join(dir, String(m.uid)), { recursive: true });
            await pipeline(
              Readable.from([a.content]),
              createWriteStream(join(dir, String(m.uid), a.filename ?? 'part.bin')),
            );
          }
          n++;
        }
      } finally {
        lock.release();
      }
      await client.logout();
      if (n !== COUNT) throw new Error(`bare saw ${n} of ${COUNT}`);
      return n;
    });
  };
  const bareRaw = async () => {
    const dir = await fresh('bare');
    return timed(async () => {
      const client = await bareClient();
      const lock = await client.getMailboxLock('INBOX');
      let n = 0;
      try {
        for await (const m of client.fetch('1:*', { uid: true, source: true }, { uid: true })) {
          await writeFile(join(dir, `${m.uid}.eml`), m.source!);
          n++;
        }
      } finally {
        lock.release();
      }
      await client.logout();
      return n;
    });
  };
  const oursList = () =>
    timed(async () => {
      const mailbox = createImapMailbox({ resource, tokens: { getAccessToken: async () => token } });
      const found = await mailbox.list();
      await mailbox.close();
      if (found.length !== COUNT) throw new Error(`ours listed ${found.length}`);
      return found.length;
    });
  const bareList = () =>
    timed(async () => {
      const client = await bareClient();
      const lock = await client.getMailboxLock('INBOX');
      // imapflow's own way to list: fetchAll keeps every row, as a listing must (a loop that
      // drops each row as it comes saves the garbage collector ~30 % of the client's CPU).
      let rows: unknown[];
      try {
        rows = await client.fetchAll('1:*', BARE_LIST_QUERY);
      } finally {
        lock.release();
      }
      await client.logout();
      return rows.length;
    });

  const out: Comparison[] = [];
  const what = `${COUNT} messages (${(bytes / 1e6).toFixed(0)} MB, 1 KB–1 MB) over IMAPS`;
  if (PARTS.includes('leave')) {
    log(' fetch, parse, save (--after leave)');
    const leave = await compare(runs, ours({}), bareParse, log);
    out.push({
      name: `fetch ${what}, cut attachments and save, --after leave`,
      unit: 'msg/s',
      better: 'higher',
      ...leave,
      minRatio: 1.5,
      target: '≥ 1.5 × bare imapflow + mailparser + writeFile',
      notes: [`MB/s: ours ${mbps(median(leave.ours))}, bare ${mbps(median(leave.bare))}`, leave.cpuNote],
    });
  }
  if (PARTS.includes('move')) {
    log(' fetch, parse, save (--after move:Archive)');
    const move = await compare(runs, ours({ after: { kind: 'move', folder: 'Archive' } }), bareParse, log);
    out.push({
      name: `fetch ${what}, cut attachments and save, --after move:Archive (fsync per batch, then one UID MOVE)`,
      unit: 'msg/s',
      better: 'higher',
      ...move,
      minRatio: 1.2,
      target: '≥ 1.2 × the same bare script (no durability)',
      notes: [move.cpuNote],
    });
  }
  if (PARTS.includes('raw')) {
    log(' plain .eml (--raw)');
    // A run is ~11 s of nothing but network and file writes, so single runs swing ±15 % with the
    // page cache's writeback: a warm-up of each side, then at least 5 pairs.
    const raw = await compareWarm(Math.max(runs, 5), ours({ raw: true }), bareRaw, log);
    out.push({
      name: `fetch ${what} to .eml only (--raw)`,
      unit: 'msg/s',
      better: 'higher',
      ...raw,
      minRatio: 0.95,
      target: '≥ 0.95 × bare imapflow streaming to files',
      notes: [`MB/s: ours ${mbps(median(raw.ours))}, bare ${mbps(median(raw.bare))}`, raw.cpuNote],
    });
  }
  if (PARTS.includes('list')) {
    log(' list');
    // A listing takes about a second: a warm-up of each side (JIT, connection set-up code), then
    // more runs than the fetches get, so one scheduling hiccup is not the median.
    const list = await compareWarm(Math.max(runs, 7), oursList, bareList, log);
    out.push({
      name: `list ${COUNT} messages (envelope, flags, size, has-attachments)`,
      unit: 'msg/s',
      better: 'higher',
      ...list,
      minRatio: 0.95,
      target: '≥ 0.95 × bare imapflow fetchAll of envelope, flags, size, bodyStructure',
      notes: [list.cpuNote],
    });
  }
  await rm(base, { recursive: true, force: true });
  return out;
}
