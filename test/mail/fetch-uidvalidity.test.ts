/**
 * A resumed IMAP fetch must not trust UIDs recorded under another UIDVALIDITY: a folder that
 * was deleted and recreated numbers new messages from 1 again, and skipping "already
 * fetched" UIDs would then silently skip mail never saved.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fetchToDirectory } from '../../src/mail/fetch.js';
import { FETCH_STATE_FILE } from '../../src/mail/fetch-state.js';
import { createImapMailbox } from '../../src/mail/imap-mailbox.js';
import { labelledName, messageFileName } from '../../src/message/file-names.js';
import { loadRig, mintingProvider, type Rig } from '../helpers/rig.js';

const msg = (to: string, subject: string) =>
  ['From: Gail <gail@example.test>', `To: ${to}`, `Subject: ${subject}`, 'MIME-Version: 1.0', 'Content-Type: text/plain', '', `body ${subject}`, ''].join('\r\n');

/** Puts messages into `folder` (LMTP delivers to INBOX; doveadm moves them, keeping order). */
async function fill(rig: Rig, user: string, folder: string, subjects: string[]): Promise<void> {
  for (const s of subjects) await rig.deliver(user, msg(user, s));
  await rig.doveadm(['move', '-u', user, folder, 'mailbox', 'INBOX', 'all']);
}

const subjectOf = async (file: string) => /^Subject: (.*)$/m.exec(await readFile(file, 'utf8'))?.[1]?.trim();
const stateOf = async (dir: string) => JSON.parse(await readFile(join(dir, FETCH_STATE_FILE), 'utf8')) as { uidValidity?: string; saved: string[] };

describe('a resumed fetch after the folder was recreated (new UIDVALIDITY)', () => {
  test('starts the folder over, keeps the earlier files aside, and says so', async () => {
    const rig = loadRig();
    const user = rig.uniqueMailbox();
    await rig.doveadm(['mailbox', 'create', '-u', user, 'Work']);
    await fill(rig, user, 'Work', ['old-a', 'old-b']);
    const open = () => createImapMailbox({ resource: rig.resource('imap', user), tokens: mintingProvider(rig, user) });
    let mailbox = open();
    try {
      const dir = await mkdtemp(join(tmpdir(), 'mb-uidvalidity-'));
      const first = await fetchToDirectory({ mailbox, dir, folder: 'Work' });
      assert.equal(first.saved, 2);
      assert.equal(first.restarted, undefined);
      const before = await stateOf(dir);
      assert.equal(before.uidValidity, await mailbox.uidValidity?.({ folder: 'Work' }), 'the state records the folder\'s UIDVALIDITY');

      // Same UIDVALIDITY: a rerun skips what it has.
      const again = await fetchToDirectory({ mailbox, dir, folder: 'Work' });
      assert.deepEqual([again.saved, again.skipped, again.restarted], [0, 2, undefined]);

      // Recreate the folder: the new messages get UIDs 1 and 2 again, under a new UIDVALIDITY.
      await rig.doveadm(['mailbox', 'delete', '-u', user, 'Work']);
      await rig.doveadm(['mailbox', 'create', '-u', user, 'Work']);
      await fill(rig, user, 'Work', ['new-x', 'new-y']);
      // A resumed fetch is a new run: a new session (an old one may still show the old folder).
      await mailbox.close();
      mailbox = open();
      const now = await mailbox.uidValidity?.({ folder: 'Work' });
      assert.notEqual(now, before.uidValidity, 'Dovecot gave the recreated folder a new UIDVALIDITY');
      assert.deepEqual((await mailbox.list({ folder: 'Work' })).map((m) => m.id), ['1', '2'], 'the new messages reuse the old UIDs');

      const resumed = await fetchToDirectory({ mailbox, dir, folder: 'Work' });
      assert.deepEqual([resumed.matched, resumed.saved, resumed.skipped], [2, 2, 0], 'nothing skipped on the strength of old UIDs');
      assert.deepEqual(resumed.restarted, {
        previousUidValidity: before.uidValidity,
        uidValidity: now,
        previousFilesIn: join(dir, labelledName('uidvalidity', before.uidValidity ?? '')),
      });
      const file = (validity: string | undefined, id: string) =>
        messageFileName({ folder: 'Work', id, ...(validity ? { validity } : {}) });
      assert.equal(await subjectOf(join(dir, file(now, '1'))), 'new-x');
      assert.equal(await subjectOf(join(dir, file(now, '2'))), 'new-y');
      // The earlier run's files are kept, not overwritten.
      const aside = resumed.restarted?.previousFilesIn ?? '';
      const old = (id: string) => file(before.uidValidity, id);
      assert.deepEqual((await readdir(aside)).sort(), [old('1'), old('2')].sort());
      assert.equal(await subjectOf(join(aside, old('1'))), 'old-a');
      assert.equal(await subjectOf(join(aside, old('2'))), 'old-b');
      const after = await stateOf(dir);
      assert.equal(after.uidValidity, now);
      assert.deepEqual(after.saved.sort(), ['1', '2']);

      const settled = await fetchToDirectory({ mailbox, dir, folder: 'Work' });
      assert.deepEqual([settled.saved, settled.skipped, settled.restarted], [0, 2, undefined]);
    } finally {
      await mailbox.close();
    }
  });
});
