import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ImapFlow } from 'imapflow';
import { ProtocolError } from '../../../src/errors.js';
import { connectImap } from '../../../src/protocols/imap/connect.js';
import { deleteMessages } from '../../../src/protocols/imap/delete.js';
import { fetchSource, fetchSummaries } from '../../../src/protocols/imap/fetch.js';
import { setFlagged, setSeen } from '../../../src/protocols/imap/flags.js';
import { createFolder, listFolders } from '../../../src/protocols/imap/folders.js';
import { copyMessages, moveMessages } from '../../../src/protocols/imap/move.js';
import { searchUids } from '../../../src/protocols/imap/search.js';
import { loadRig, mintingProvider, type Rig } from '../../helpers/rig.js';

function message(o: { subject: string; from?: string; to: string; date?: string; body?: string; attachment?: boolean }): string {
  const head = [
    `From: ${o.from ?? 'Sender <sender@example.test>'}`,
    `To: ${o.to}`,
    `Subject: ${o.subject}`,
    `Date: ${o.date ?? 'Wed, 01 May 2024 10:00:00 +0000'}`,
    `Message-ID: <${Math.random().toString(36).slice(2)}@example.test>`,
    'MIME-Version: 1.0',
  ];
  if (!o.attachment) return [...head, 'Content-Type: text/plain; charset=utf-8', '', o.body ?? 'hello', ''].join('\r\n');
  return [
    ...head,
    'Content-Type: multipart/mixed; boundary="b1"', '',
    '--b1', 'Content-Type: text/plain; charset=utf-8', '', o.body ?? 'see attached', '',
    '--b1', 'Content-Type: application/octet-stream; name="data.bin"', 'Content-Disposition: attachment; filename="data.bin"',
    'Content-Transfer-Encoding: base64', '', Buffer.from('0123456789'.repeat(50)).toString('base64'), '',
    '--b1--', '',
  ].join('\r\n');
}

describe('IMAP operations against the rig', () => {
  let rig: Rig;
  let user: string;
  let client: ImapFlow;

  before(async () => {
    rig = loadRig();
    user = rig.uniqueMailbox();
    await rig.deliver(user, message({ subject: 'invoice 1', to: user, from: 'Alice <alice@example.test>' }));
    await rig.deliver(user, message({ subject: 'report', to: user, attachment: true, body: 'x'.repeat(3000) }));
    await rig.deliver(user, message({ subject: 'invoice 2', to: user, from: 'Bob <bob@example.test>' }));
    client = await connectImap({ resource: rig.resource('imap', user), tokens: mintingProvider(rig, user) });
  });
  after(async () => {
    await client?.logout().catch(() => client.close());
  });

  test('folders lists INBOX with counts', async () => {
    const folders = await listFolders(client);
    const inbox = folders.find((f) => f.path === 'INBOX');
    assert.equal(inbox?.messages, 3);
    assert.equal(inbox?.unseen, 3);
  });

  test('search: subject, from, size, unseen, dates', async () => {
    const all = await searchUids(client, 'INBOX', {});
    assert.equal(all.length, 3);
    const invoices = await searchUids(client, 'INBOX', { subject: 'invoice' });
    assert.equal(invoices.length, 2);
    assert.deepEqual(await searchUids(client, 'INBOX', { from: 'bob@example.test' }), [all[2]]);
    assert.deepEqual(await searchUids(client, 'INBOX', { larger: 2000 }), [all[1]]);
    assert.equal((await searchUids(client, 'INBOX', { smaller: 2000 })).length, 2);
    // INTERNALDATE is the delivery time (today), so a since in the future finds nothing.
    assert.equal((await searchUids(client, 'INBOX', { since: new Date(Date.now() + 3 * 86400_000) })).length, 0);
    assert.equal((await searchUids(client, 'INBOX', { before: new Date(Date.now() + 3 * 86400_000) })).length, 3);
  });

  test('summaries carry envelope, size and attachments', async () => {
    const uids = await searchUids(client, 'INBOX', {});
    const [first, second] = await fetchSummaries(client, 'INBOX', uids);
    assert.equal(first?.subject, 'invoice 1');
    assert.deepEqual(first?.from, [{ name: 'Alice', address: 'alice@example.test' }]);
    assert.equal(first?.attachments.length, 0);
    assert.deepEqual(second?.attachments.map((a) => a.filename), ['data.bin']);
  });

  test('mark read/unread and flag/unflag', async () => {
    const [uid] = await searchUids(client, 'INBOX', { subject: 'invoice 1' });
    assert.ok(uid);
    await setSeen(client, 'INBOX', [uid], true);
    await setFlagged(client, 'INBOX', [uid], true);
    let [s] = await fetchSummaries(client, 'INBOX', [uid]);
    assert.ok(s?.flags.includes('\\Seen') && s.flags.includes('\\Flagged'));
    assert.ok(!(await searchUids(client, 'INBOX', { unseen: true })).includes(uid));
    await setSeen(client, 'INBOX', [uid], false);
    await setFlagged(client, 'INBOX', [uid], false);
    [s] = await fetchSummaries(client, 'INBOX', [uid]);
    assert.ok(!s?.flags.includes('\\Seen') && !s?.flags.includes('\\Flagged'));
    assert.ok((await searchUids(client, 'INBOX', { unseen: true })).includes(uid));
  });

  test('copy keeps the message, move takes it, delete expunges it', async () => {
    await createFolder(client, 'Archive');
    const [inv1] = await searchUids(client, 'INBOX', { subject: 'invoice 1' });
    const [inv2] = await searchUids(client, 'INBOX', { subject: 'invoice 2' });
    assert.ok(inv1 && inv2);
    await copyMessages(client, 'INBOX', [inv1], 'Archive');
    assert.equal(await rig.countMessages(user, 'Archive'), 1);
    assert.equal(await rig.countMessages(user, 'INBOX'), 3);
    await moveMessages(client, 'INBOX', [inv2], 'Archive');
    assert.equal(await rig.countMessages(user, 'Archive'), 2);
    assert.equal(await rig.countMessages(user, 'INBOX'), 2);
    await deleteMessages(client, 'INBOX', [inv1]);
    assert.equal(await rig.countMessages(user, 'INBOX'), 1);
    await assert.rejects(moveMessages(client, 'INBOX', (await searchUids(client, 'INBOX', {})), 'No/Such/Folder'));
  });

  test('raw source is byte for byte what was delivered', async () => {
    const [uid] = await searchUids(client, 'INBOX', { subject: 'report' });
    assert.ok(uid);
    const src = await fetchSource(client, 'INBOX', uid);
    assert.match(src.toString('utf8'), /Subject: report\r\n/);
    assert.match(src.toString('utf8'), /Content-Disposition: attachment; filename="data.bin"/);
  });

  test('an unknown UID is a typed error naming the fix', async () => {
    await assert.rejects(fetchSource(client, 'INBOX', 999_999), (e: unknown) => e instanceof ProtocolError && e.code === 'IMAP_MESSAGE_NOT_FOUND');
  });
});
