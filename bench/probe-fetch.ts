/**
 * One side of the fetch comparison at a time, for profiling (`node --cpu-prof --import tsx
 * bench/probe-fetch.ts ours-raw USER COUNT`; ours, ours-raw, bare, ours-list, bare-list, pop3,
 * pop3-raw): fills a mailbox when USER is `new`, else runs the
 * named path once against USER's INBOX and prints msg/s and MB/s. Not part of `npm run bench`.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { fetchToDirectory } from '../src/mail/fetch.js';
import { createImapMailbox } from '../src/mail/imap-mailbox.js';
import { createPop3Mailbox } from '../src/mail/pop3-mailbox.js';
import { loadRig } from '../test/helpers/rig.js';
import { raw, sizes } from './fetch.js';
import { BARE_LIST_QUERY, connectBareImap } from './lib.js';

const [what, userArg, countArg] = process.argv.slice(2) as [string, string, string];
const rig = loadRig();
const count = Number(countArg ?? 1000);

const bareClient = (user: string, accessToken: string) => connectBareImap(rig, user, accessToken);

async function main(): Promise<void> {
  if (userArg === 'new') {
    const user = rig.uniqueMailbox();
    await rig.mintToken(user);
    const lmtp = nodemailer.createTransport({
      host: rig.host,
      port: rig.lmtpPort,
      lmtp: true,
      pool: true,
      maxConnections: 4,
      maxMessages: count,
      tls: { ca: [rig.caPem], servername: 'localhost' },
    });
    const all = sizes(count);
    for (let i = 0; i < count; i += 200)
      await Promise.all(
        all
          .slice(i, i + 200)
          .map((s, j) =>
            lmtp.sendMail({ envelope: { from: 'sender@contoso.onmicrosoft.com', to: [user] }, raw: raw(i + j, s) }),
          ),
      );
    lmtp.close();
    process.stdout.write(`${user}\n`);
    return;
  }
  const user = userArg;
  const token = await rig.mintToken(user);
  const dir = join(tmpdir(), `mb-probe-${process.pid}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  let bytes = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  if (what === 'ours-list') {
    const mailbox = createImapMailbox({
      resource: rig.resource('imap', user),
      tokens: { getAccessToken: async () => token },
    });
    n = (await mailbox.list()).length;
    await mailbox.close();
  } else if (what === 'bare-keep') {
    const client = await bareClient(user, token.reveal());
    const lock = await client.getMailboxLock('INBOX');
    n = (await client.fetchAll('1:*', BARE_LIST_QUERY)).length;
    lock.release();
    await client.logout();
  } else if (what === 'bare-list') {
    const client = await bareClient(user, token.reveal());
    const lock = await client.getMailboxLock('INBOX');
    for await (const m of client.fetch('1:*', BARE_LIST_QUERY)) if (m.uid) n++;
    lock.release();
    await client.logout();
  } else if (what.startsWith('pop3')) {
    // the same fetch over POP3 (one RETR per message: POP3 has no batch fetch)
    const mailbox = createPop3Mailbox({
      resource: rig.resource('pop3', user),
      tokens: { getAccessToken: async () => token },
    });
    const r = await fetchToDirectory({
      mailbox,
      dir,
      raw: what === 'pop3-raw',
      onProgress: (p) => {
        bytes = p.bytes;
      },
    });
    await mailbox.close();
    n = r.saved;
  } else if (what.startsWith('ours')) {
    const mailbox = createImapMailbox({
      resource: rig.resource('imap', user),
      tokens: { getAccessToken: async () => token },
    });
    // PROBE_GAPS=1: the longest pauses between two saved messages (a batch boundary shows as one)
    const stamps: number[] = [];
    const r = await fetchToDirectory({
      mailbox,
      dir,
      raw: what === 'ours-raw',
      onProgress: (p) => {
        bytes = p.bytes;
        if (process.env.PROBE_GAPS) stamps.push(performance.now());
      },
    });
    if (stamps.length > 1) {
      const gaps = stamps.slice(1).map((t, i) => ({ at: i + 1, ms: t - (stamps[i] as number) }));
      const top = [...gaps].sort((a, b) => b.ms - a.ms).slice(0, 20);
      process.stdout.write(
        `first saved after ${((stamps[0] as number) - t0).toFixed(0)} ms; last to end ${(performance.now() - (stamps.at(-1) as number)).toFixed(0)} ms; longest gaps: ${top.map((g) => `#${g.at} ${g.ms.toFixed(0)} ms`).join(', ')}; sum of gaps at batch boundaries ${gaps
          .filter((g) => g.at % 200 === 0)
          .reduce((a, g) => a + g.ms, 0)
          .toFixed(0)} ms\n`,
      );
    }
    await mailbox.close();
    n = r.saved;
  } else {
    const client = await bareClient(user, token.reveal());
    const lock = await client.getMailboxLock('INBOX');
    for await (const m of client.fetch('1:*', { uid: true, source: true }, { uid: true })) {
      await writeFile(join(dir, `${m.uid}.eml`), m.source!);
      bytes += m.source!.length;
      n++;
    }
    lock.release();
    await client.logout();
  }
  const s = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(c0);
  process.stdout.write(
    `${what} ${n} msgs ${(n / s).toFixed(1)} msg/s ${(bytes / 1e6 / s).toFixed(1)} MB/s ${s.toFixed(2)} s, client CPU ${((cpu.user + cpu.system) / 1000 / Math.max(1, n)).toFixed(3)} ms/msg\n`,
  );
  await rm(dir, { recursive: true, force: true });
}
main().then(
  () => process.exit(0),
  (e) => {
    process.stderr.write(String(e?.stack ?? e));
    process.exit(1);
  },
);
