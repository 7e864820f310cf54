/**
 * `list` of ours against bare imapflow's listing FETCH in ONE process, alternating, after a
 * warm-up (`node --import tsx bench/probe-list.ts USER ROUNDS ours bare idate hdr`): a list run
 * lasts 1–3 s, so on a busy machine separate processes measure mostly start-up and scheduling.
 * `idate` and `hdr` are bare imapflow with INTERNALDATE, and with INTERNALDATE plus the raw
 * header lines, to price those items; `keep` is bare imapflow keeping every row it lists. Prints median msg/s and client CPU per row. USER: a mailbox
 * `bench/probe-fetch.ts x new 3000` filled. Not part of `npm run bench`.
 */
import type { FetchQueryObject } from 'imapflow';
import { createImapMailbox } from '../src/mail/imap-mailbox.js';
import { loadRig } from '../test/helpers/rig.js';
import { BARE_LIST_QUERY, connectBareImap } from './lib.js';

const rig = loadRig();
const [user, roundsArg, ...variants] = process.argv.slice(2) as [string, string, ...string[]];
const base: FetchQueryObject = BARE_LIST_QUERY;
const queries: Record<string, FetchQueryObject> = {
  bare: base,
  idate: { ...base, internalDate: true },
  hdr: { ...base, internalDate: true, headers: ['subject', 'from', 'to', 'cc'] },
};

async function main(): Promise<void> {
  const token = await rig.mintToken(user);
  const rate: Record<string, number[]> = {};
  const cpu: Record<string, number[]> = {};
  for (let r = 0; r < Number(roundsArg ?? 6); r++)
    for (const v of variants) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      let n = 0;
      if (v === 'ours') {
        const mailbox = createImapMailbox({
          resource: rig.resource('imap', user),
          tokens: { getAccessToken: async () => token },
        });
        n = (await mailbox.list()).length;
        await mailbox.close();
      } else {
        const client = await connectBareImap(rig, user, token.reveal());
        const lock = await client.getMailboxLock('INBOX');
        // `keep`: imapflow's fetchAll, which keeps every row it lists; the others drop each as it comes.
        if (v === 'keep') n = (await client.fetchAll('1:*', base)).length;
        else for await (const m of client.fetch('1:*', queries[v] ?? base)) if (m.uid) n++;
        lock.release();
        await client.logout();
      }
      const c = process.cpuUsage(c0);
      (rate[v] ??= []).push(n / ((performance.now() - t0) / 1000));
      (cpu[v] ??= []).push((c.user + c.system) / 1000 / n);
    }
  const med = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)] as number;
  for (const v of variants)
    process.stdout.write(
      `${v.padEnd(6)} median ${med(rate[v] ?? []).toFixed(0)} msg/s, client CPU ${med(cpu[v] ?? []).toFixed(3)} ms/row; runs ${(rate[v] ?? []).map((x) => x.toFixed(0)).join(' ')}\n`,
    );
}
main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(String(e?.stack ?? e));
    process.exit(1);
  },
);
