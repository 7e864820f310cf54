import { cpus, totalmem } from 'node:os';
import { execFileSync } from 'node:child_process';
import { ImapFlow } from 'imapflow';
import type { Rig } from '../test/helpers/rig.js';

/** One figure of a benchmark: ours and the bare library doing the same work in the same run. */
export interface Comparison {
  name: string;
  unit: string;
  /** Higher is better (throughput) or lower is better (latency, memory). */
  better: 'higher' | 'lower';
  ours: number[];
  bare: number[];
  target: string;
  /** Extra figures worth a line (e.g. MB/s next to msg/s). */
  notes?: string[];
  /** The target as a ratio (ours relative to bare, oriented so above 1 is better). */
  minRatio?: number;
  /** A target that is not a ratio (e.g. MB/s and MiB at once): decides `met` instead. */
  met?: (c: Comparison) => boolean;
}

/** A figure without a bare-library counterpart (token manager, triggers, many mailboxes). */
export interface Figure {
  name: string;
  value: string;
  target: string;
  met: boolean | undefined;
  notes?: string[];
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Whether the comparison meets its target (issue 12's targets: a ratio, or its own rule). */
export function met(c: Comparison): boolean {
  if (c.met) return c.met(c);
  return ratio(c) >= (c.minRatio ?? 0.95);
}

export function ratio(c: Comparison): number {
  const o = median(c.ours);
  const b = median(c.bare);
  return c.better === 'higher' ? o / b : b / o;
}

/** Runs `ours` and `bare` alternately, `runs` times each, so drift hits both alike. */
export async function alternate(
  runs: number,
  ours: () => Promise<number>,
  bare: () => Promise<number>,
  log: (s: string) => void,
): Promise<{ ours: number[]; bare: number[] }> {
  const out = { ours: [] as number[], bare: [] as number[] };
  for (let i = 0; i < runs; i++) {
    // Swap the order every run: whichever goes first meets a colder server.
    const order: ['ours' | 'bare', () => Promise<number>][] =
      i % 2 === 0
        ? [
            ['ours', ours],
            ['bare', bare],
          ]
        : [
            ['bare', bare],
            ['ours', ours],
          ];
    for (const [who, fn] of order) {
      const v = await fn();
      out[who].push(v);
      log(`  run ${i + 1} ${who}: ${v.toFixed(1)}`);
    }
  }
  return out;
}

export function describeMachine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  const dovecot = safe(() => execFileSync('dovecot', ['--version'], { encoding: 'utf8' }).trim());
  const postfix = safe(() => execFileSync('postconf', ['-d', '-h', 'mail_version'], { encoding: 'utf8' }).trim());
  return [
    `- ${cpus().length} cores (${cpu}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB memory, Debian 12, Node ${process.version}`,
    `- Dovecot ${dovecot}, Postfix ${postfix}, on loopback; client and servers share the cores (expect ±30 % between runs: compare ratios within one run)`,
  ].join('\n');
}

function safe(f: () => string): string {
  try {
    return f();
  } catch {
    return '?';
  }
}

export function fmt(n: number, digits = 1): string {
  return n >= 100 ? n.toFixed(0) : n.toFixed(digits);
}

/** Bare imapflow logged in to the rig's IMAPS with XOAUTH2: the other side of every IMAP comparison. */
export async function connectBareImap(rig: Rig, user: string, accessToken: string): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: rig.imap.host,
    port: rig.imap.port,
    secure: true,
    tls: { ca: [rig.caPem], servername: 'localhost' },
    auth: { user, accessToken },
    logger: false,
  });
  await client.connect();
  return client;
}

/** What bare imapflow fetches for a listing (issue 12's `list` target). */
export const BARE_LIST_QUERY = { uid: true, envelope: true, flags: true, size: true, bodyStructure: true } as const;
