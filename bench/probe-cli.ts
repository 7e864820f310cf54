/**
 * The same fetch (--raw and the full cut) and list through the `mailbridge` CLI (a process per
 * run: start-up, store, token, login included) and through the library API in this process,
 * alternating, on a filled mailbox of the rig: `node --import tsx bench/probe-cli.ts USER RUNS`
 * (USER from `bench/probe-fetch.ts fill new N`). Prints one line per run and the medians.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fetchToDirectory } from '../src/mail/fetch.js';
import { createImapMailbox } from '../src/mail/imap-mailbox.js';
import { loadRig, mintingProvider } from '../test/helpers/rig.js';
import { opsHome } from '../test/cli/mail-ops-support.js';
import { median } from './lib.js';

const [user, runsArg] = process.argv.slice(2) as [string, string];
const rig = loadRig();
const runs = Number(runsArg ?? 3);

async function main(): Promise<void> {
  const ops = await opsHome(rig, { in: { kind: 'imap', user } });
  const resource = rig.resource('imap', user);
  const secs = async (work: () => Promise<void>) => {
    const t0 = performance.now();
    await work();
    return (performance.now() - t0) / 1000;
  };
  const cases: Record<string, { cli: () => Promise<void>; lib: () => Promise<void> }> = {};
  for (const raw of [true, false]) {
    cases[raw ? 'fetch --raw' : 'fetch (cut attachments)'] = {
      cli: async () => {
        const dir = await mkdtemp(join(tmpdir(), 'mb-cli-'));
        const r = await ops.cli(['fetch', 'in', '--save', dir, ...(raw ? ['--raw'] : [])]);
        if (r.code !== 0) throw new Error(r.stderr);
        await rm(dir, { recursive: true, force: true });
      },
      lib: async () => {
        const dir = await mkdtemp(join(tmpdir(), 'mb-lib-'));
        const mailbox = createImapMailbox({ resource, tokens: mintingProvider(rig, user) });
        await fetchToDirectory({ mailbox, dir, raw });
        await mailbox.close();
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  cases['list'] = {
    cli: async () => {
      const r = await ops.cli(['--json', 'list', 'in']);
      if (r.code !== 0) throw new Error(r.stderr);
    },
    lib: async () => {
      const mailbox = createImapMailbox({ resource, tokens: mintingProvider(rig, user) });
      await mailbox.list();
      await mailbox.close();
    },
  };
  cases['--version (start-up only)'] = {
    cli: async () => void (await ops.cli(['--version'])),
    lib: async () => undefined,
  };
  for (const [name, c] of Object.entries(cases)) {
    const t = { cli: [] as number[], lib: [] as number[] };
    for (let i = 0; i < runs; i++) {
      for (const who of i % 2 ? (['lib', 'cli'] as const) : (['cli', 'lib'] as const)) t[who].push(await secs(c[who]));
    }
    process.stdout.write(`${name}: cli ${t.cli.map((x) => x.toFixed(2)).join(', ')} s (median ${median(t.cli).toFixed(2)}); library ${t.lib.map((x) => x.toFixed(2)).join(', ')} s (median ${median(t.lib).toFixed(2)})\n`);
  }
}
main().then(() => process.exit(0), (e) => { process.stderr.write(String(e?.stack ?? e)); process.exit(1); });
