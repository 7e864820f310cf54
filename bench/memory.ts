import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import type { Rig } from '../test/helpers/rig.js';
import { alternate, fmt, median, type Comparison } from './lib.js';

const SIZE = 200 * 2 ** 20;
const run = promisify(execFile);

/** A message whose second part is a 200 MiB attachment, generated as a stream (never in memory whole). */
export function bigMessage(): Readable {
  const head = 'From: a@contoso.onmicrosoft.com\r\nTo: b@contoso.onmicrosoft.com\r\nSubject: big\r\nMIME-Version: 1.0\r\n' +
    'Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nbig attachment\r\n--b\r\n' +
    'Content-Type: application/octet-stream; name=big.bin\r\nContent-Disposition: attachment; filename=big.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n';
  const chunk = Buffer.alloc(57 * 1024, 7); // 57 bytes → one 76-char base64 line
  const lines = chunk.toString('base64').replace(/.{76}/g, '$&\r\n');
  let left = SIZE;
  return Readable.from((function* () {
    yield head;
    while (left > 0) {
      const n = Math.min(left, chunk.length);
      yield n === chunk.length ? lines : chunk.subarray(0, n).toString('base64').replace(/.{76}/g, '$&\r\n') + '\r\n';
      left -= n;
    }
    yield '\r\n--b--\r\n';
  })());
}

/**
 * A 200 MiB attachment saved to disk: peak RSS growth over the process's size once logged
 * in, ours (saveAttachments: streamed, atomic) against bare imapflow download() piped to a file.
 */
export async function benchMemory(rig: Rig, runs: number, log: (s: string) => void): Promise<Comparison> {
  const user = rig.uniqueMailbox();
  const lmtp = nodemailer.createTransport({ host: rig.host, port: rig.lmtpPort, lmtp: true, tls: { ca: [rig.caPem], servername: 'localhost' } });
  await lmtp.sendMail({ envelope: { from: 'a@contoso.onmicrosoft.com', to: [user] }, raw: bigMessage() });
  lmtp.close();
  const token = (await rig.mintToken(user)).reveal();
  const dir = join(tmpdir(), `mb-bench-mem-${process.pid}`);
  const speed = { ours: [] as number[], bare: [] as number[] };
  const cpu = { ours: [] as number[], bare: [] as number[] };
  const measure = (who: 'ours' | 'bare') => async () => {
    await rm(dir, { recursive: true, force: true });
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/memory-child.ts', who, user, token, '1', dir], { maxBuffer: 1 << 20 });
    const r = JSON.parse(stdout) as { baseline: number; peak: number; seconds: number; cpuSeconds: number };
    speed[who].push(SIZE / 1e6 / r.seconds);
    cpu[who].push(r.cpuSeconds);
    return (r.peak - r.baseline) / 2 ** 20;
  };
  const r = await alternate(runs, measure('ours'), measure('bare'), log);
  await rm(dir, { recursive: true, force: true });
  return {
    name: 'save a 200 MiB attachment to disk: peak RSS growth', unit: 'MiB', better: 'lower', ...r,
    target: 'ours ≥ 34 MB/s and < 32 MiB RSS growth',
    met: (c) => median(c.ours) < 32 && median(speed.ours) >= 34,
    notes: [`MB/s (median): ours ${fmt(median(speed.ours))}, bare ${fmt(median(speed.bare))}; runs ours ${speed.ours.map((x) => fmt(x)).join(', ')}, bare ${speed.bare.map((x) => fmt(x)).join(', ')}`, `client CPU for the 200 MiB (median): ours ${fmt(median(cpu.ours))} s, bare ${fmt(median(cpu.bare))} s`],
  };
}
