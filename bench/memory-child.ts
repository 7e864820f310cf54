import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ImapFlow } from 'imapflow';
import { createImapMailbox } from '../src/mail/imap-mailbox.js';
import { Secret } from '../src/secret.js';
import { loadRig } from '../test/helpers/rig.js';

// One measurement per process, so one library's heap cannot inflate the other's figure.
const [who, user, token, uid, dir] = process.argv.slice(2) as [string, string, string, string, string];
const rig = loadRig();
let peak = 0;
// memoryUsage.rss(): memoryUsage() walks the heap spaces, a cost of its own every 10 ms
const sample = () => { peak = Math.max(peak, process.memoryUsage.rss()); };
const timer = setInterval(sample, 10);

async function main(): Promise<void> {
  await mkdir(dir, { recursive: true });
  let baseline: number;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  if (who === 'ours') {
    const mailbox = createImapMailbox({ resource: rig.resource('imap', user), tokens: { getAccessToken: async () => new Secret(token) } });
    await mailbox.verify();
    baseline = process.memoryUsage().rss;
    peak = baseline;
    const saved = await mailbox.saveAttachments(uid, dir);
    if (saved[0]?.size !== 200 * 2 ** 20) throw new Error(`saved ${saved[0]?.size} bytes`);
    await mailbox.close();
  } else {
    const client = new ImapFlow({ host: rig.imap.host, port: rig.imap.port, secure: true, tls: { ca: [rig.caPem], servername: 'localhost' }, auth: { user, accessToken: token }, logger: false });
    await client.connect();
    const lock = await client.getMailboxLock('INBOX');
    baseline = process.memoryUsage().rss;
    peak = baseline;
    const dl = await client.download(uid, '2', { uid: true });
    if (!dl.content) throw new Error('no attachment part 2');
    await pipeline(dl.content, createWriteStream(join(dir, 'bare.bin')));
    lock.release();
    await client.logout();
  }
  sample();
  clearInterval(timer);
  process.stdout.write(JSON.stringify({ baseline, peak, seconds: (performance.now() - t0) / 1000, cpuSeconds: ((c) => (c.user + c.system) / 1e6)(process.cpuUsage(c0)) }));
}
main().catch((e) => { process.stderr.write(String(e?.stack ?? e)); process.exit(1); });
