/**
 * Attachment names come from the sender (issue 11 item 9): a message in the real Dovecot whose
 * attachments are named with a bidi override (`invoice\u202Efdp.exe` shows as `invoiceexe.pdf`),
 * a zero-width space, traversal, a Windows device name and two names that differ only in case
 * is saved by `get --save-attachments` (Mailbox.saveAttachments) and by `fetch --save`: every
 * name is plain and visible, and no attachment replaces another.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fetchToDirectory } from '../../src/mail/fetch.js';
import { createImapMailbox } from '../../src/mail/imap-mailbox.js';
import { loadRig, mintingProvider } from '../helpers/rig.js';

/** RFC 2231 `filename*=UTF-8''…`, so the hostile characters reach the parser exactly. */
const part = (name: string, body: string) =>
  [
    '--b',
    `Content-Type: application/octet-stream`,
    `Content-Disposition: attachment; filename*=UTF-8''${encodeURIComponent(name)}`,
    '',
    body,
  ].join('\r\n');

const NAMES = [
  'invoice\u202efdp.exe',
  'x\u200b.pdf',
  '../../escape.txt',
  'CON.txt',
  'Report.pdf',
  'report.pdf',
  'same.txt',
  'same.txt',
];

const message = (to: string) =>
  [
    'From: Mallory <mallory@example.test>',
    `To: ${to}`,
    'Subject: hostile names',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b"',
    '',
    ...NAMES.map((n, i) => part(n, `content ${i}`)),
    '--b--',
    '',
  ].join('\r\n');

const EXPECTED = [
  'invoicefdp.exe',
  'x.pdf',
  'escape.txt',
  '_CON.txt',
  'Report.pdf',
  'report.pdf',
  'same.txt',
  'same (1).txt',
];

describe('attachment names from a hostile sender', () => {
  test('lose format characters and traversal, avoid device names, never replace each other', async () => {
    const rig = loadRig();
    const user = rig.uniqueMailbox();
    await rig.deliver(user, message(user));
    const mailbox = createImapMailbox({ resource: rig.resource('imap', user), tokens: mintingProvider(rig, user) });
    try {
      const [summary] = await mailbox.list();
      const root = await mkdtemp(join(tmpdir(), 'mb-names-'));
      const dir = join(root, 'attachments');
      const saved = await mailbox.saveAttachments(summary?.id ?? '', dir);
      assert.deepEqual(
        saved.map((a) => a.filename),
        EXPECTED,
      );
      for (const [i, a] of saved.entries()) assert.equal(await readFile(a.path, 'utf8'), `content ${i}`, a.filename);
      assert.deepEqual(await readdir(root), ['attachments']);

      const fetchDir = join(root, 'fetched');
      const report = await fetchToDirectory({ mailbox, dir: fetchDir });
      assert.equal(report.attachments, NAMES.length);
      const [sub] = (await readdir(fetchDir, { withFileTypes: true })).filter((e) => e.isDirectory());
      assert.deepEqual((await readdir(join(fetchDir, sub?.name ?? ''))).sort(), [...EXPECTED].sort());
      assert.deepEqual((await readdir(root)).sort(), ['attachments', 'fetched']);
    } finally {
      await mailbox.close();
    }
  });
});
