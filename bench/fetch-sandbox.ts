import { spawn, execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { fetchToDirectory } from '../src/mail/fetch.js';
import { openMailbox } from '../src/mail/open.js';
import { openStore } from '../src/store/open.js';
import type { TokenManager } from '../src/auth/token-manager.js';
import { cliEntry } from '../test/helpers/cli.js';
import { consentedSandboxResource, type ReceiveKind } from '../test/mail/facade-suite-support.js';
import type { Sandboxes } from '../test/sandbox/exchange/support.js';
import { fmt, median, type Figure } from './lib.js';
import { formatSplit, splitProfile, type CpuProfile, type StageSplit } from './profile-stages.js';

const COUNT = Number(process.env.BENCH_FETCH_SANDBOX_MESSAGES ?? 1_000);
const KINDS = (process.env.BENCH_FETCH_SANDBOX_KINDS ?? 'pop3,ews,graph,imap').split(',') as ReceiveKind[];
/** A directory for one CPU profile per protocol and mode (client and sandbox), and the stage split from them. */
const PROFILE_DIR = process.env.BENCH_FETCH_SANDBOX_PROFILE;
/** Whether to run each protocol's fetch once through the `mailbridge` CLI (a process per run). */
const CLI = process.env.BENCH_FETCH_SANDBOX_CLI !== '0';
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

interface Endpoints {
  identityUrl: string;
  host: string;
  imap: number;
  pop3s: number;
  smtp: number;
  ews: string;
  graph: string;
  caFile: string;
  user: string;
  count: number;
  bytes: number;
}

/** The sandbox in a child process (bench/sandbox-child.ts): its CPU is its own. */
async function startChild(dir: string, log: (s: string) => void) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/sandbox-child.ts'), String(COUNT), dir], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async <T>(): Promise<T> => {
    const r = await lines.next();
    if (r.done) throw new Error('the sandbox child ended');
    return JSON.parse(r.value) as T;
  };
  const t0 = performance.now();
  const endpoints = await next<Endpoints>();
  log(
    `  sandbox child ${child.pid}: ${COUNT} messages, ${(endpoints.bytes / 1e6).toFixed(0)} MB seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  const ask = async <T>(cmd: string): Promise<T> => {
    child.stdin.write(`${cmd}\n`);
    return next<T>();
  };
  return {
    endpoints,
    cpuMs: async () => {
      const u = await ask<{ user: number; system: number }>('cpu');
      return (u.user + u.system) / 1000;
    },
    ask,
    async close() {
      child.stdin.write('quit\n');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

interface Measured {
  secs: number;
  /** This process's CPU (worker threads included). */
  clientCpuMs: number;
  sandboxCpuMs: number;
  attachments: number;
}

/** The `Sandboxes` shape consentedSandboxResource reads (endpoints, the authority, the CA file). */
function sandboxesOf(e: Endpoints): Sandboxes {
  return {
    identity: { url: e.identityUrl },
    exchange: {
      host: e.host,
      imap: { port: e.imap },
      pop3: { tlsPort: e.pop3s },
      smtp: { port: e.smtp },
      ews: { url: e.ews },
      graph: { url: e.graph },
    },
    caFile: e.caFile,
  } as unknown as Sandboxes;
}

/**
 * The same fetch over POP3 (TLS), EWS, Graph and, for comparison, IMAP, all against the
 * sandbox (in a child process) holding one mailbox of COUNT messages of bench/fetch.ts's mix:
 * mailbridge's fetch through the library (`fetchToDirectory`, what the CLI calls: cut
 * attachments and save, `--after leave`; and `--raw`), then once through the CLI process.
 * Reports msg/s, MB/s, the client's and the sandbox's CPU per message, and with
 * BENCH_FETCH_SANDBOX_PROFILE=DIR where the CPU goes, by stage, on each side.
 */
export async function benchFetchSandbox(
  runs: number,
  log: (s: string) => void,
): Promise<{ figures: Figure[]; section: string }> {
  const work = await mkdtemp(join(tmpdir(), 'mb-bench-sandbox-'));
  const sandbox = await startChild(work, log);
  const e = sandbox.endpoints;
  const home = join(work, 'home');
  await mkdir(home, { recursive: true });
  const store = await openStore({ home, env: {} });
  const tokens = new Map<ReceiveKind, TokenManager>();
  for (const kind of KINDS) {
    const r = await consentedSandboxResource(sandboxesOf(e), kind, { store, name: `sb-${kind}`, user: e.user });
    tokens.set(kind, r.tokens);
  }
  const mb = (secs: number) => e.bytes / 1e6 / secs;
  const loads: number[] = [];
  const sample = () => loads.push(loadavg()[0] as number);

  const fresh = async () => {
    const dir = join(work, 'out');
    await rm(dir, { recursive: true, force: true });
    return dir;
  };

  const library = async (kind: ReceiveKind, raw: boolean): Promise<Measured> => {
    const dir = await fresh();
    const s0 = await sandbox.cpuMs();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const mailbox = await openMailbox({ resource: `sb-${kind}`, store, tokens: tokens.get(kind) as TokenManager });
    const report = await fetchToDirectory({ mailbox, dir, ...(raw ? { raw: true } : {}) });
    await mailbox.close();
    const secs = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    const sandboxCpuMs = (await sandbox.cpuMs()) - s0;
    if (report.saved !== COUNT) throw new Error(`${kind}: saved ${report.saved} of ${COUNT}`);
    sample();
    return { secs, clientCpuMs: (c.user + c.system) / 1000, sandboxCpuMs, attachments: report.attachments };
  };

  /** The CLI, a process per run (start-up, store, token, login included), timed by /usr/bin/time. */
  const cli = async (kind: ReceiveKind, raw: boolean): Promise<Measured> => {
    const dir = await fresh();
    const s0 = await sandbox.cpuMs();
    const t0 = performance.now();
    const r = await run(
      '/usr/bin/time',
      [
        '-f',
        '%U %S',
        process.execPath,
        ...cliEntry(),
        '--json',
        'fetch',
        `sb-${kind}`,
        '--save',
        dir,
        ...(raw ? ['--raw'] : []),
      ],
      {
        env: { ...process.env, MAILBRIDGE_HOME: home },
        cwd: ROOT,
        maxBuffer: 16 * 2 ** 20,
      },
    );
    const secs = (performance.now() - t0) / 1000;
    const sandboxCpuMs = (await sandbox.cpuMs()) - s0;
    const [user, sys] = (r.stderr.trim().split('\n').pop() ?? '0 0').split(' ').map(Number) as [number, number];
    const report = JSON.parse(r.stdout) as { saved: number; attachments: number };
    if (report.saved !== COUNT) throw new Error(`${kind} (CLI): saved ${report.saved} of ${COUNT}`);
    sample();
    return { secs, clientCpuMs: (user + sys) * 1000, sandboxCpuMs, attachments: report.attachments };
  };

  const results = new Map<string, Measured[]>();
  const push = (key: string, m: Measured) => {
    results.set(key, [...(results.get(key) ?? []), m]);
    log(
      `  ${key}: ${(COUNT / m.secs).toFixed(1)} msg/s, ${mb(m.secs).toFixed(1)} MB/s; CPU client ${(m.clientCpuMs / COUNT).toFixed(2)} ms/msg, sandbox ${(m.sandboxCpuMs / COUNT).toFixed(2)} ms/msg; load ${loadavg()[0]?.toFixed(1)}`,
    );
  };
  sample();
  // Rounds: every protocol once per round, so drift in the machine's load hits all alike.
  for (let i = 0; i < runs; i++) {
    for (const kind of KINDS) {
      for (const raw of [false, true]) push(`${kind} ${raw ? 'raw' : 'cut'}`, await library(kind, raw));
    }
  }
  if (CLI) for (const kind of KINDS) push(`${kind} cli`, await cli(kind, false));

  const splits = new Map<string, { client: StageSplit; sandbox: StageSplit; secs: number }>();
  if (PROFILE_DIR) {
    await mkdir(PROFILE_DIR, { recursive: true });
    const inspector = new Session();
    inspector.connect();
    await inspector.post('Profiler.enable');
    for (const kind of KINDS) {
      for (const raw of [false, true]) {
        const name = `${kind}-${raw ? 'raw' : 'cut'}`;
        await sandbox.ask('prof-start');
        await inspector.post('Profiler.start');
        const m = await library(kind, raw);
        const { profile } = await inspector.post('Profiler.stop');
        const sandboxFile = join(PROFILE_DIR, `${name}.sandbox.cpuprofile`);
        await sandbox.ask(`prof-stop ${sandboxFile}`);
        await writeFile(join(PROFILE_DIR, `${name}.client.cpuprofile`), JSON.stringify(profile));
        const client = splitProfile(profile as unknown as CpuProfile);
        const sb = splitProfile(JSON.parse(await readFile(sandboxFile, 'utf8')) as CpuProfile);
        splits.set(name, { client, sandbox: sb, secs: m.secs });
        log(`  profile ${name}: client ${formatSplit(client)}`);
        log(`  profile ${name}: sandbox ${formatSplit(sb)}`);
      }
    }
    inspector.disconnect();
  }

  await store.close();
  await sandbox.close();
  await rm(work, { recursive: true, force: true });
  return { figures: figuresOf(results, e), section: sectionOf(results, splits, e, loads, runs) };
}

const med = (xs: Measured[], f: (m: Measured) => number) => median(xs.map(f));

function figuresOf(results: Map<string, Measured[]>, e: Endpoints): Figure[] {
  return [...results.entries()].map(([key, xs]) => {
    const secs = med(xs, (m) => m.secs);
    return {
      name: `fetch ${COUNT} messages (${(e.bytes / 1e6).toFixed(0)} MB) from the sandbox: ${key}`,
      value: `${fmt(COUNT / secs)} msg/s, ${fmt(e.bytes / 1e6 / secs)} MB/s`,
      target: 'reported',
      met: undefined,
    };
  });
}

const LABEL: Record<string, string> = {
  cut: 'library: fetch, cut attachments, save (`--after leave`)',
  raw: 'library: `fetch --raw` (.eml only)',
  cli: 'CLI process: `mailbridge fetch` (cut), start-up included',
};

function sectionOf(
  results: Map<string, Measured[]>,
  splits: Map<string, { client: StageSplit; sandbox: StageSplit; secs: number }>,
  e: Endpoints,
  loads: number[],
  runs: number,
): string {
  const rows = [...results.entries()].map(([key, xs]) => {
    const [kind, mode] = key.split(' ') as [string, string];
    const secs = med(xs, (m) => m.secs);
    const runsText = xs.map((m) => fmt(COUNT / m.secs)).join(', ');
    return `| ${kind.toUpperCase()} | ${LABEL[mode]} | ${fmt(COUNT / secs)} | ${fmt(e.bytes / 1e6 / secs)} | ${(med(xs, (m) => m.clientCpuMs) / COUNT).toFixed(2)} | ${(med(xs, (m) => m.sandboxCpuMs) / COUNT).toFixed(2)} | ${xs[0]?.attachments ?? 0} | ${runsText} |`;
  });
  const out = [
    `${COUNT} messages, ${(e.bytes / 1e6).toFixed(0)} MB (bench/fetch.ts's 1 KB–1 MB mix), one mailbox of the sandbox in a child process; library runs: medians of ${runs}; load average (1 min) over the runs: min ${Math.min(...loads).toFixed(1)}, median ${median(loads).toFixed(1)}, max ${Math.max(...loads).toFixed(1)}.`,
    '',
    '| protocol | path | msg/s | MB/s | client CPU ms/msg | sandbox CPU ms/msg | attachments | runs (msg/s) |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
  ];
  if (splits.size > 0) {
    out.push(
      '',
      '| run (profiled once) | client: where the CPU goes (self time) | sandbox: where the CPU goes |',
      '|---|---|---|',
    );
    for (const [name, s] of splits) {
      out.push(
        `| ${name} (client ${fmt(s.client.totalMs / 1000)} s CPU, sandbox ${fmt(s.sandbox.totalMs / 1000)} s, wall ${fmt(s.secs)} s) | ${formatSplit(s.client)} | ${formatSplit(s.sandbox)} |`,
      );
    }
  }
  return out.join('\n');
}

/** `node --import tsx bench/fetch-sandbox.ts`: this benchmark alone, its section on stdout. */
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const log = (s: string) => process.stderr.write(`${s}\n`);
  benchFetchSandbox(Number(process.env.BENCH_RUNS ?? 3), log).then(
    (r) => {
      process.stdout.write(`${r.section}\n`);
      process.exit(0);
    },
    (err: unknown) => {
      log(String((err as Error)?.stack ?? err));
      process.exit(1);
    },
  );
}
