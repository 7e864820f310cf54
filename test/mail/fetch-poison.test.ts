/**
 * Issue 11 item 2 for `fetch`: a message the parser refuses (more than 1,000 MIME parts) must
 * not stop a bulk fetch. Delivered into the real Dovecot between two good messages, it is
 * saved whole (byte for byte, as the server sends it), reported, left on the server, and the
 * rest are saved and processed; a rerun meets it again and still does not stop.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { describe, test } from 'node:test';
import { fetchToDirectory } from '../../src/mail/fetch.js';
import { createImapMailbox } from '../../src/mail/imap-mailbox.js';
import { openStore } from '../../src/store/open.js';
import { mailbridge } from '../helpers/cli.js';
import { loadRig, mintingProvider } from '../helpers/rig.js';
import { consentedResource } from './facade-consent.js';

const good = (to: string, subject: string) =>
  [
    'From: Ann <ann@example.test>',
    `To: ${to}`,
    `Subject: ${subject}`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b"',
    '',
    '--b',
    'Content-Type: text/plain',
    '',
    'hi',
    '',
    '--b',
    'Content-Type: text/plain; name="a.txt"',
    'Content-Disposition: attachment; filename="a.txt"',
    '',
    'attached',
    '--b--',
    '',
  ].join('\r\n');

/** 1,200 MIME parts: over the parser's limit of 1,000 child nodes, so parsing fails with MIME_MALFORMED. */
const poison = (to: string, subject: string) =>
  [
    'From: Mallory <mallory@example.test>',
    `To: ${to}`,
    `Subject: ${subject}`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="p"',
    '',
    ...Array.from({ length: 1200 }, (_, i) => `--p\r\nContent-Type: text/plain\r\n\r\npart ${i}`),
    '--p--',
    '',
  ].join('\r\n');

describe('fetch past a message that fails to parse', () => {
  test('keeps its raw source, reports it, continues, and never runs the after-action on it', async () => {
    const rig = loadRig();
    const user = rig.uniqueMailbox();
    await rig.deliver(user, good(user, 'first'));
    await rig.deliver(user, poison(user, 'poison'));
    await rig.deliver(user, good(user, 'last'));
    const mailbox = createImapMailbox({ resource: rig.resource('imap', user), tokens: mintingProvider(rig, user) });
    try {
      const [, poisonId] = (await mailbox.list()).map((m) => m.id);
      const serverCopy = await text(await mailbox.raw(poisonId as string));
      const dir = await mkdtemp(join(tmpdir(), 'mb-poison-'));
      const report = await fetchToDirectory({ mailbox, dir, after: { kind: 'delete' } });
      assert.deepEqual([report.matched, report.saved, report.processed, report.attachments], [3, 2, 2, 2]);
      assert.equal(report.failed.length, 1);
      const [failed] = report.failed;
      assert.equal(failed?.id, poisonId);
      assert.equal(failed?.code, 'MIME_MALFORMED');
      assert.equal(await readFile(failed?.file ?? '', 'utf8'), serverCopy, 'the raw source is kept byte for byte');
      assert.equal((await readdir(dir)).filter((n) => n.endsWith('.eml')).length, 3);
      assert.deepEqual(
        (await readdir(dir)).filter((n) => n.startsWith('.mb-')),
        [],
        'no temp file or folder left',
      );
      assert.equal(await rig.countMessages(user), 1, 'only the poisonous message is still on the server');
      assert.deepEqual(
        (await mailbox.list()).map((m) => m.id),
        [poisonId],
      );

      // A rerun does not stop at it either, and still leaves it on the server.
      const again = await fetchToDirectory({ mailbox, dir, after: { kind: 'delete' } });
      assert.deepEqual([again.matched, again.saved, again.processed, again.failed.length], [1, 0, 0, 1]);
      assert.equal(await rig.countMessages(user), 1);
    } finally {
      await mailbox.close();
    }
  });

  test('the CLI says so in its summary and exits with status 3', async () => {
    const rig = loadRig();
    const home = await mkdtemp(join(tmpdir(), 'mb-poison-cli-'));
    const store = await openStore({ home, env: {} });
    const { resource } = await consentedResource(rig, 'imap', { store, name: 'in' });
    await store.close();
    const subject = `poison-${Date.now()}`;
    await rig.deliver(resource.user ?? '', poison(resource.user ?? '', subject));
    await rig.deliver(resource.user ?? '', good(resource.user ?? '', subject));
    const dir = join(home, 'saved');
    const r = await mailbridge(home, ['fetch', 'in', '--subject', subject, '--save', dir, '--after', 'delete']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(
      r.stdout,
      /^fetched 1 of 2 messages \(0 already done, 1 attachments, 1 kept unparsed\) .* after: delete \(1\)$/m,
    );
    assert.match(r.stdout, /^not parsed: "\d+" saved as is to .+\.eml, left on the server \(MIME_MALFORMED: /m);
    const left = await mailbridge(home, ['--json', 'list', 'in', '--subject', subject]);
    assert.equal((JSON.parse(left.stdout) as unknown[]).length, 1);
  });
});
