/**
 * `fetch --raw` over IMAP against the real Dovecot: writes run while the next messages stream
 * in (and the next batch's UID FETCH starts before the previous batch's last writes end), yet a
 * .eml under its final name is always whole: each is written under a hidden temp name and
 * renamed when complete. A watcher reads the directory at every turn of the event loop.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fetchToDirectory } from '../../src/mail/fetch.js';
import { createImapMailbox } from '../../src/mail/imap-mailbox.js';
import { loadRig, mintingProvider } from '../helpers/rig.js';

// Over 512 KiB, so each file is written in several pieces (a window for a reader to see one half-done).
const SIZE = 2_500_000;
const COUNT = 8;

function message(to: string, i: number): Buffer {
  const head = `From: eve@example.test\r\nTo: ${to}\r\nSubject: raw ${i}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n\r\n`;
  const tail = `\r\nend of ${String(i).padStart(4, '0')}\r\n`;
  const filler = randomBytes(SIZE)
    .toString('base64')
    .slice(0, SIZE - head.length - tail.length);
  return Buffer.from(head + filler.replace(/.{76}/g, '$&\r\n').slice(0, filler.length) + tail);
}

test('fetch --raw: a final .eml is never seen half-written, and every byte arrives', async () => {
  const rig = loadRig();
  const user = rig.uniqueMailbox();
  const sent = Array.from({ length: COUNT }, (_, i) => message(user, i));
  for (const m of sent) await rig.deliver(user, m);
  const mailbox = createImapMailbox({ resource: rig.resource('imap', user), tokens: mintingProvider(rig, user) });
  const dir = await mkdtemp(join(tmpdir(), 'mb-raw-'));
  // the server's sizes (LMTP delivery adds a few header lines to what was sent)
  const sizes = new Set((await mailbox.list()).map((r) => r.size));
  assert.equal(sizes.size > 0 && Math.min(...sizes) > SIZE, true);
  const seen: string[] = [];
  let fetching = true;
  // Looks at the directory over and over while the fetch runs (every turn of the event loop).
  const watch = (async () => {
    while (fetching) {
      for (const name of await readdir(dir)) {
        if (!name.endsWith('.eml')) continue;
        const size = await stat(join(dir, name)).then((s) => s.size);
        assert.ok(sizes.has(size), `${name} visible with ${size} bytes (a partial file under its final name)`);
        seen.push(name);
      }
      await new Promise((r) => setImmediate(r));
    }
  })();
  watch.catch(() => undefined); // awaited after the fetch
  try {
    const report = await fetchToDirectory({
      mailbox,
      dir,
      raw: true,
      batchSize: 3, // several batch boundaries, each overlapping the previous batch's writes
    }).finally(() => {
      fetching = false;
    });
    await watch;
    assert.equal(report.saved, COUNT);
    assert.ok(seen.length > 0, 'the directory was looked at while the fetch ran');
    const files = (await readdir(dir)).filter((n) => n.endsWith('.eml'));
    assert.equal(files.length, COUNT);
    assert.deepEqual(
      (await readdir(dir)).filter((n) => n.startsWith('.mb-')),
      [],
      'no temp names left',
    );
    // each saved file is the server's copy: what was sent, after the lines delivery added
    const got = (await Promise.all(files.map((f) => readFile(join(dir, f))))).map((b) => b.toString('latin1'));
    for (const m of sent) {
      const body = m.toString('latin1');
      assert.equal(got.filter((g) => g.endsWith(body.slice(body.indexOf('From: ')))).length, 1);
    }
  } finally {
    await mailbox.close();
  }
});
