import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fetchToDirectory } from '../../src/mail/fetch.js';
import { FETCH_STATE_FILE } from '../../src/mail/fetch-state.js';
import { messageBaseName } from '../../src/message/file-names.js';
import { createImapMailbox } from '../../src/mail/imap-mailbox.js';
import { loadRig, mintingProvider } from '../helpers/rig.js';

const msg = (to: string, subject: string, attachment = false) => [
  'From: Eve <eve@example.test>', `To: ${to}`, `Subject: ${subject}`, 'MIME-Version: 1.0',
  ...(attachment
    ? ['Content-Type: multipart/mixed; boundary="q"', '', '--q', 'Content-Type: text/plain', '', 'hi', '',
       '--q', 'Content-Type: text/csv; name="r.csv"', 'Content-Disposition: attachment; filename="r.csv"', '', 'a,b', '1,2', '', '--q--', '']
    : ['Content-Type: text/plain', '', `body ${subject}`, '']),
].join('\r\n');

describe('bulk fetch to a directory', () => {
  test('saves .eml and attachments, is resumable, then the after action runs', async () => {
    const rig = loadRig();
    const user = rig.uniqueMailbox();
    await rig.deliver(user, msg(user, 'one'));
    await rig.deliver(user, msg(user, 'two', true));
    await rig.deliver(user, msg(user, 'three'));
    const mailbox = createImapMailbox({ resource: rig.resource('imap', user), tokens: mintingProvider(rig, user) });
    try {
      const dir = await mkdtemp(join(tmpdir(), 'mb-fetch-'));
      const progress: number[] = [];
      const first = await fetchToDirectory({ mailbox, dir, limit: 2, onProgress: (p) => progress.push(p.done) });
      assert.deepEqual(progress, [1, 2]);
      assert.equal(first.saved, 2);
      const second = await fetchToDirectory({ mailbox, dir });
      assert.equal(second.matched, 3);
      assert.equal(second.skipped, 2);
      assert.equal(second.saved, 1);
      const state = JSON.parse(await readFile(join(dir, FETCH_STATE_FILE), 'utf8')) as { uidValidity: string };
      const { uidValidity } = state;
      const name = (id: string) => messageBaseName({ folder: 'INBOX', validity: uidValidity, id });
      const names = (await readdir(dir)).sort();
      const expected = ['.mailbridge-fetch.json', `${name('1')}.eml`, name('2'), `${name('2')}.eml`, `${name('3')}.eml`];
      assert.deepEqual(names, expected.sort());
      assert.deepEqual(await readdir(join(dir, name('2'))), ['r.csv']);
      assert.match(await readFile(join(dir, name('2'), 'r.csv'), 'utf8'), /^a,b\r?\n1,2/);
      assert.match(await readFile(join(dir, `${name('1')}.eml`), 'utf8'), /Subject: one\r\n/);

      // The after action runs for messages not processed yet: a new directory, delete.
      const dir2 = await mkdtemp(join(tmpdir(), 'mb-fetch-'));
      const del = await fetchToDirectory({ mailbox, dir: dir2, filter: { subject: 'two' }, after: { kind: 'delete' } });
      assert.equal(del.processed, 1);
      assert.equal(await rig.countMessages(user), 2);
      await rig.doveadm(['mailbox', 'create', '-u', user, 'Handled']);
      const dir3 = await mkdtemp(join(tmpdir(), 'mb-fetch-'));
      const moved = await fetchToDirectory({ mailbox, dir: dir3, after: { kind: 'move', folder: 'Handled' } });
      assert.equal(moved.processed, 2);
      assert.equal(await rig.countMessages(user), 0);
      assert.equal(await rig.countMessages(user, 'Handled'), 2);
      const read = await fetchToDirectory({ mailbox, dir: await mkdtemp(join(tmpdir(), 'mb-fetch-')), folder: 'Handled', after: { kind: 'read' } });
      assert.equal(read.processed, 2);
      assert.equal((await mailbox.list({ folder: 'Handled', filter: { unseen: true } })).length, 0);
    } finally {
      await mailbox.close();
    }
  });
});
