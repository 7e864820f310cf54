import { writeFileSync } from 'node:fs';
import { loadRig } from '../test/helpers/rig.js';
import { benchFetch } from './fetch.js';
import { benchEwsStreamingScale } from './ews-streaming-scale.js';
import { benchFetchSandbox } from './fetch-sandbox.js';
import { benchGateway } from './gateway.js';
import { benchGatewaySmtp } from './gateway-smtp.js';
import { benchInstances } from './instances.js';
import { describeMachine, fmt, median, met, ratio, type Comparison, type Figure } from './lib.js';
import { benchMemory } from './memory.js';
import { benchSend } from './send.js';
import { benchTokenManager } from './token-manager.js';
import { benchManyMailboxes, benchTriggerLatency } from './triggers.js';

/**
 * Runs every benchmark against the rig (bench/run.sh starts a dedicated one) and writes
 * bench/results.md. `BENCH_ONLY=send,fetch` narrows the run; BENCH_RUNS sets the repetitions.
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const only = (process.env.BENCH_ONLY ?? 'send,fetch,fetch-sandbox,memory,gateway,gateway-smtp,token,latency,many,instances').split(',');
const log = (s: string) => process.stderr.write(`${s}\n`);

async function main(): Promise<void> {
  const rig = loadRig();
  const comparisons: Comparison[] = [];
  const figures: Figure[] = [];
  const sections: string[] = [];
  const started = new Date();
  if (only.includes('send')) { log('send'); comparisons.push(await benchSend(rig, RUNS, log)); }
  if (only.includes('fetch')) { log('fetch'); comparisons.push(...(await benchFetch(rig, RUNS, log))); }
  if (only.includes('fetch-sandbox')) {
    log('fetch over POP3, EWS, Graph (and IMAP) from the sandbox');
    const r = await benchFetchSandbox(RUNS, log);
    figures.push(...r.figures);
    sections.push(`## Fetch over POP3, EWS and Graph from the sandbox (issue 12)\n\n${r.section}`);
  }
  if (only.includes('memory')) { log('memory'); comparisons.push(await benchMemory(rig, RUNS, log)); }
  if (only.includes('gateway')) {
    log('imap gateway');
    const g = await benchGateway(rig, RUNS, log);
    comparisons.push(...g.comparisons);
    figures.push(...g.figures);
  }
  if (only.includes('gateway-smtp')) {
    log('smtp gateway');
    const g = await benchGatewaySmtp(rig, RUNS, log);
    comparisons.push(...g.comparisons);
    figures.push(...g.figures);
  }
  if (only.includes('token')) { log('token manager'); figures.push(...(await benchTokenManager(log))); }
  if (only.includes('latency')) { log('trigger latency'); figures.push(...(await benchTriggerLatency(rig, Number(process.env.BENCH_LATENCY_SAMPLES ?? 20), log))); }
  if (only.includes('many')) { log('many mailboxes'); figures.push(...(await benchManyMailboxes(rig, Number(process.env.BENCH_MAILBOXES ?? 1000), log))); }
  if (only.includes('instances')) { log('instances over PostgreSQL'); figures.push(...(await benchInstances(rig, log))); }
  // Not in the default set: BENCH_ONLY=ews-streaming (BENCH_EWS_MAILBOXES, default 1,000; BENCH_EWS_BURST).
  if (only.includes('ews-streaming')) { log('EWS streaming at scale'); figures.push(...(await benchEwsStreamingScale(log))); }
  writeFileSync(process.env.BENCH_OUT ?? 'bench/results.md', report(started, comparisons, figures, sections));
  log(`wrote ${process.env.BENCH_OUT ?? 'bench/results.md'}`);
}

function report(started: Date, comparisons: Comparison[], figures: Figure[], sections: string[]): string {
  const lines = [
    '# Benchmark results',
    '',
    `One full run of \`npm run bench\`, started ${started.toISOString()}. Medians of ${RUNS} runs, ours and the bare`,
    'library alternating in the same run against the same local servers. These are figures, not tests: nothing fails on timing.',
    '',
    '## Machine',
    describeMachine(),
    '',
    '## Against the bare libraries',
    '| work | ours (median) | bare (median) | ratio | target | met | runs (ours / bare) |',
    '|---|---|---|---|---|---|---|',
    ...comparisons.map((c) => {
      const r = ratio(c);
      return `| ${c.name} | ${fmt(median(c.ours))} ${c.unit} | ${fmt(median(c.bare))} ${c.unit} | ${r.toFixed(2)} | ${c.target} | ${met(c) ? 'yes' : 'no'} | ${c.ours.map((x) => fmt(x)).join(', ')} / ${c.bare.map((x) => fmt(x)).join(', ')} |`;
    }),
    ...comparisons.flatMap((c) => (c.notes ?? []).map((n) => `- ${c.name}: ${n}`)),
    '',
    'Ratio: ours relative to bare, oriented so that above 1 means ours is better (throughput ours/bare; memory bare/ours).',
    '',
    '## Our own figures',
    '| work | figure | target | met |',
    '|---|---|---|---|',
    ...figures.map((f) => `| ${f.name} | ${f.value} | ${f.target} | ${f.met === undefined ? '–' : f.met ? 'yes' : 'no'} |`),
    '',
    ...sections.flatMap((s) => [s, '']),
  ];
  return lines.join('\n');
}

main().then(() => process.exit(0), (e) => { log(String(e?.stack ?? e)); process.exit(1); });
