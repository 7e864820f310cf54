/**
 * Where a CPU profile's time went, by stage: the self time of every sampled function (a
 * `.cpuprofile` from node:inspector or `--cpu-prof`) summed into buckets chosen from the
 * function's source (which library or which of our modules) and, for native frames, its name.
 * Self time, not inclusive time: each sample counts once, so the buckets add up to the whole.
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

/** Bucket → milliseconds of self time; `(idle)` is kept apart from the CPU total. */
export interface StageSplit {
  totalMs: number;
  idleMs: number;
  stages: Array<{ stage: string; ms: number }>;
}

type Rule = [stage: string, test: (url: string, fn: string) => boolean];

const has =
  (...parts: string[]) =>
  (url: string) =>
    parts.some((p) => url.includes(p));

/** First match wins; the order puts libraries before our own modules that call them. */
const RULES: Rule[] = [
  ['idle', (_u, fn) => fn === '(idle)'],
  ['GC', (_u, fn) => fn === '(garbage collector)'],
  ['native: TLS, sockets, syscalls ((program))', (_u, fn) => fn === '(program)'],
  ['module loading (tsx, esbuild)', has('/tsx/', '/esbuild/', 'node:internal/modules')],
  ['profiler itself (node:inspector)', has('node:inspector')],
  ['XML parse (fast-xml-parser)', has('fast-xml-parser', 'strnum')],
  ['XML build (fast-xml-builder)', has('fast-xml-builder')],
  [
    'JSON / HTTP framework (fastify, zod)',
    has('/fastify', 'find-my-way', 'light-my-request', '/zod/', 'fast-json-stringify', 'avvio', 'pino'),
  ],
  ['IMAP client (imapflow)', has('/imapflow/', '/src/protocols/imap/')],
  [
    'MIME parse / attachment cut',
    has(
      '/mailsplit/',
      '/mailparser/',
      '/libmime/',
      '/libqp/',
      '/libbase64/',
      '/src/message/',
      '/mime-regions',
      '/cut-attachments',
      'encoding-japanese',
      'iconv-lite',
    ),
  ],
  ['staging: .eml + attachment files (our code)', has('/message-files', '/stage-')],
  ['fetch state / store', has('/fetch-state', '/src/store/', 'better-sqlite3')],
  ['tokens (jose, token manager)', has('/jose/', '/src/auth/')],
  ['POP3 client (wire, lines)', has('/src/protocols/pop3/', '/wire-buffer')],
  ['EWS client (SOAP build/read)', has('/src/protocols/ews/')],
  ['Graph client (HTTP, JSON)', has('/src/protocols/graph/')],
  ['fetch loop (src/mail)', has('/src/mail/')],
  ['file I/O (node:fs)', has('node:fs', 'node:internal/fs')],
  ['HTTP (node:http)', has('node:_http', 'node:http', 'node:internal/http', 'node:https')],
  ['TLS / net (JS side)', has('node:_tls', 'node:tls', 'node:net', 'node:internal/tls', 'node:internal/stream_base')],
  ['streams', has('node:internal/streams', 'node:stream')],
  [
    'Buffer (base64, copies)',
    (u, fn) => u === 'node:buffer' || (u === '' && /Slice$|Write$|^copy|^compare|^indexOf|^fill|^byteLength/i.test(fn)),
  ],
  // the sandbox's own code, when the profile is the sandbox's
  ['sandbox: IMAP server', has('/sandbox/src/exchange/imap/')],
  ['sandbox: POP3 server', has('/sandbox/src/exchange/pop3/')],
  ['sandbox: EWS server', has('/sandbox/src/exchange/ews/')],
  ['sandbox: Graph server', has('/sandbox/src/exchange/graph/')],
  ['sandbox: store', has('/sandbox/src/exchange/store/')],
  ['sandbox: identity / tokens', has('/sandbox/src/identity/', '/sandbox/src/exchange/tokens')],
  ['node internals (other)', (u) => u.startsWith('node:')],
  ['native (other)', (u) => u === ''],
  ['other JS', () => true],
];

export function stageOf(url: string, functionName: string): string {
  return (RULES.find(([, test]) => test(url, functionName)) as Rule)[0];
}

/** Native frames (no url: a C++ binding, e.g. a socket write or a file open) count for the stage of the JS that called them. */
const PSEUDO = new Set(['(idle)', '(garbage collector)', '(program)', '(root)']);

/** Self time per stage, largest first. */
export function splitProfile(p: CpuProfile): StageSplit {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const frameOf = (node: ProfileNode): ProfileNode => {
    let n: ProfileNode | undefined = node;
    while (n && n.callFrame.url === '' && !PSEUDO.has(n.callFrame.functionName)) n = byId.get(parent.get(n.id) ?? -1);
    return n && n.callFrame.functionName !== '(root)' ? n : node;
  };
  const ms = new Map<string, number>();
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const sampled = byId.get(samples[i] as number);
    if (!sampled) continue;
    const node = frameOf(sampled);
    const stage = stageOf(node.callFrame.url, node.callFrame.functionName);
    ms.set(stage, (ms.get(stage) ?? 0) + (deltas[i] ?? 0) / 1000);
  }
  const idleMs = ms.get('idle') ?? 0;
  ms.delete('idle');
  // Profiler.stop serialising the profile: the measurement's own cost, not the fetch's.
  ms.delete('profiler itself (node:inspector)');
  const stages = [...ms.entries()].map(([stage, v]) => ({ stage, ms: v })).sort((a, b) => b.ms - a.ms);
  return { totalMs: stages.reduce((s, x) => s + x.ms, 0), idleMs, stages };
}

/** `stage 41 %, stage 12 %, …` (stages under 2 % folded into "rest"). */
export function formatSplit(s: StageSplit): string {
  const big = s.stages.filter((x) => x.ms / s.totalMs >= 0.02);
  const rest = s.totalMs - big.reduce((a, x) => a + x.ms, 0);
  return [
    ...big.map((x) => `${x.stage} ${pct(x.ms, s.totalMs)}`),
    ...(rest > 0 ? [`rest ${pct(rest, s.totalMs)}`] : []),
  ].join(', ');
}

const pct = (a: number, b: number) => `${Math.round((100 * a) / b)} %`;
