import { createWriteStream } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { simpleParser } from 'mailparser';
import { fetchToDirectory } from '../src/mail/fetch.js';
import { createImapMailbox } from '../src/mail/imap-mailbox.js';
import type { Rig } from '../test/helpers/rig.js';
import { alternate, fmt, median, type Comparison } from './lib.js';

const COUNT = Number(process.env.BENCH_FETCH_MESSAGES ?? 10_000);

/** Sizes from 1 KB to 1 MB, log-uniform (most mail is small, a few are large), fixed seed. */
export function sizes(n: number): number[] {
  let seed = 42;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  return Array.from({ length: n }, () => Math.round(1024 * Math.pow(1024, rnd())));
}

/** A message of about `size` bytes; above 8 KB the bulk is a base64 attachment. */
export function raw(i: number, size: number): string {
  const head = `From: sender@contoso.onmicrosoft.com\r\nTo: bench@contoso.onmicrosoft.com\r\nSubject: fetch ${i}\r\nMessage-ID: <fetch-${i}@bench>\r\nMIME-Version: 1.0\r\n`;
  if (size < 8192) return `${head}Content-Type: text/plain; charset=utf-8\r\n\r\n${'y'.repeat(size - head.length)}\r\n`;
  const b64 = Buffer.alloc(Math.floor(((size - 600) * 3) / 4), i % 251).toString('base64').replace(/.{76}/g, '$&\r\n');
  return `${head}Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsee attachment\r\n--b\r\nContent-Type: application/octet-stream; name=a${i}.bin\r\nContent-Disposition: attachment; filename=a${i}.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64}\r\n--b--\r\n`;
}

async function fill(rig: Rig, user: string, log: (s: string) => void): Promise<number> {
  const lmtp = nodemailer.createTransport({ host: rig.host, port: rig.lmtpPort, lmtp: true, pool: true, maxConnections: 4, maxMessages: COUNT, tls: { ca: [rig.caPem], servername: 'localhost' } });
  const all = sizes(COUNT);
  let bytes = 0;
  const t0 = performance.now();
  for (let i = 0; i < COUNT; i += 200) {
    await Promise.all(all.slice(i, i + 200).map((s, j) => {
      const r = raw(i + j, s);
      bytes += r.length;
      return lmtp.sendMail({ envelope: { from: 'sender@contoso.onmicrosoft.com', to: [user] }, raw: r });
    }));
  }
  lmtp.close();
  log(`  filled ${COUNT} messages, ${(bytes / 1e6).toFixed(0)} MB, in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return bytes;
}

/**
 * 10,000 messages (1 KB–1 MB) fetched over IMAPS, parsed and saved (.eml plus attachments):
 * our resumable fetch (fsync, state file, atomic attachment files) against bare imapflow +
 * mailparser writing the same files, alternating.
 */
export async function benchFetch(rig: Rig, runs: number, log: (s: string) => void): Promise<Comparison> {
  const user = rig.uniqueMailbox();
  const bytes = await fill(rig, user, log);
  const token = await rig.mintToken(user);
  const resource = rig.resource('imap', user);
  const base = join(tmpdir(), `mb-bench-fetch-${process.pid}`);

  const ours = async () => {
    const dir = join(base, 'ours');
    await rm(dir, { recursive: true, force: true });
    const mailbox = createImapMailbox({ resource, tokens: { getAccessToken: async () => token } });
    const t0 = performance.now();
    const report = await fetchToDirectory({ mailbox, dir });
    const secs = (performance.now() - t0) / 1000;
    await mailbox.close();
    if (report.saved !== COUNT) throw new Error(`ours saved ${report.saved} of ${COUNT}`);
    return COUNT / secs;
  };
  const bare = async () => {
    const dir = join(base, 'bare');
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const client = new ImapFlow({ host: rig.imap.host, port: rig.imap.port, secure: true, tls: { ca: [rig.caPem], servername: 'localhost' }, auth: { user, accessToken: token.reveal() }, logger: false });
    const t0 = performance.now();
    await client.connect();
    const lock = await client.getMailboxLock('INBOX');
    let n = 0;
    try {
      for await (const m of client.fetch('1:*', { uid: true, source: true }, { uid: true })) {
        const source = m.source!;
        await writeFile(join(dir, `${m.uid}.eml`), source);
        const parsed = await simpleParser(source);
        for (const a of parsed.attachments) {
          await mkdir(join(dir, String(m.uid)), { recursive: true });
          await pipeline(Readable.from([a.content]), createWriteStream(join(dir, String(m.uid), a.filename ?? 'part.bin')));
        }
        n++;
      }
    } finally {
      lock.release();
    }
    await client.logout();
    if (n !== COUNT) throw new Error(`bare saw ${n} of ${COUNT}`);
    return COUNT / ((performance.now() - t0) / 1000);
  };
  const r = await alternate(runs, ours, bare, log);
  await rm(base, { recursive: true, force: true });
  const mbps = (rate: number) => fmt((rate * bytes) / COUNT / 1e6);
  return {
    name: `fetch ${COUNT} messages (${(bytes / 1e6).toFixed(0)} MB, 1 KB–1 MB) over IMAPS, parse and save`,
    unit: 'msg/s', better: 'higher', ...r, target: '≥ 0.9 × bare imapflow + mailparser',
    notes: [`MB/s: ours ${mbps(median(r.ours))}, bare ${mbps(median(r.bare))}`],
  };
}
