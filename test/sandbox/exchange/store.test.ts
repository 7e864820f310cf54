import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createMailStore, FolderOperationError } from '@mailbridge/sandbox';

const ALICE = 'alice@contoso.onmicrosoft.com';
const BOB = 'bob@contoso.onmicrosoft.com';

function message(subject: string, body = 'Hello there.', extra = ''): Buffer {
  return Buffer.from(
    `From: Alice Example <${ALICE}>\r\nTo: Bob <${BOB}>\r\nCc: carol@example.com\r\nSubject: ${subject}\r\n` +
      `Message-ID: <${subject.replace(/\W/g, '')}@contoso>\r\nDate: Tue, 03 Mar 2026 10:00:00 +0000\r\nImportance: High\r\n${extra}` +
      `Content-Type: text/plain; charset=utf-8\r\n\r\n${body}\r\n`,
  );
}

test('a new mailbox has the well-known folders with Exchange names and INBOX as IMAP path', () => {
  const store = createMailStore({ mailboxes: [{ address: 'Alice@Contoso.onmicrosoft.com', displayName: 'Alice' }] });
  const box = store.mailbox(ALICE)!;
  assert.equal(box.address, ALICE);
  assert.deepEqual(box.folders().map((f) => f.path).sort(), ['Archive', 'Deleted Items', 'Drafts', 'INBOX', 'Junk Email', 'Outbox', 'Sent Items']);
  assert.equal(box.folder('inbox'), box.folder('INBOX'));
  assert.equal(box.folder('Inbox')?.wellKnown, 'inbox');
  assert.equal(box.folder('sentitems')?.name, 'Sent Items');
  const ids = box.folders().map((f) => f.id);
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, /^[A-Za-z0-9_-]{20,}$/);
});

test('append parses the summary from the headers and assigns ascending uids', async () => {
  const store = createMailStore({ mailboxes: [{ address: ALICE }] });
  const inbox = store.mailbox(ALICE)!.folder('inbox')!;
  const a = await inbox.append(message('First =?utf-8?q?caf=C3=A9?='), { flags: ['\\Seen'] });
  const b = await inbox.append(message('Second'));
  assert.equal(a.uid, 1);
  assert.equal(b.uid, 2);
  assert.equal(inbox.uidNext, 3);
  assert.equal(a.summary.subject, 'First café');
  assert.deepEqual(a.summary.from, { name: 'Alice Example', address: ALICE });
  assert.deepEqual(a.summary.to, [{ name: 'Bob', address: BOB }]);
  assert.deepEqual(a.summary.cc, [{ address: 'carol@example.com' }]);
  assert.equal(a.summary.importance, 'high');
  assert.equal(a.summary.preview, 'Hello there.');
  assert.equal(a.summary.sentAt, Date.UTC(2026, 2, 3, 10));
  assert.equal(a.summary.hasAttachments, false);
  assert.deepEqual(inbox.counts(), { total: 2, unseen: 1, recent: 0 });
  assert.deepEqual(await inbox.read(1), message('First =?utf-8?q?caf=C3=A9?='));
  assert.equal(inbox.byId(b.id)?.uid, 2);
});

test('flags, copy, move and expunge keep ids, change keys, events and the change log right', async () => {
  const store = createMailStore({ mailboxes: [{ address: ALICE }] });
  const box = store.mailbox(ALICE)!;
  const inbox = box.folder('inbox')!;
  const archive = box.folder('archive')!;
  const events: string[] = [];
  inbox.on('exists', (m) => events.push(`exists ${m.uid}`));
  inbox.on('flags', (m) => events.push(`flags ${m.uid} ${[...m.flags].join(',')}`));
  inbox.on('expunge', (uid) => events.push(`expunge ${uid}`));

  const m1 = await inbox.append(message('one'));
  const m2 = await inbox.append(message('two'));
  const start = inbox.changesSince(0).seq;
  const flagged = inbox.setFlags(1, ['\\Seen', '\\Flagged']);
  assert.notEqual(flagged.changeKey, m1.changeKey);
  assert.deepEqual([...inbox.byUid(1)!.flags], ['\\Seen', '\\Flagged']);

  const copy = await inbox.copyTo(2, archive);
  assert.equal(copy.uid, 1);
  assert.notEqual(copy.id, m2.id);
  assert.deepEqual(await archive.read(1), await inbox.read(2));

  const moved = await inbox.moveTo(1, archive);
  assert.equal(moved.uid, 2);
  assert.notEqual(moved.id, m1.id);
  assert.deepEqual([...moved.flags], ['\\Seen', '\\Flagged']);
  assert.equal(inbox.byUid(1), undefined);
  assert.equal(inbox.byId(m1.id), undefined);

  inbox.expunge([2, 99]);
  assert.equal(inbox.list().length, 0);
  assert.deepEqual(events, ['exists 1', 'exists 2', 'flags 1 \\Seen,\\Flagged', 'expunge 1', 'expunge 2']);

  const { changes, seq } = inbox.changesSince(start);
  assert.deepEqual(changes.map((c) => `${c.kind} ${c.id}`), [`updated ${m1.id}`, `deleted ${m1.id}`, `deleted ${m2.id}`]);
  assert.equal(inbox.changesSince(seq).changes.length, 0);
  assert.deepEqual(archive.changesSince(0).changes.map((c) => c.kind), ['created', 'created']);
  await assert.rejects(inbox.read(1), /no message with uid 1/);
});

test('folders: create, nested paths, rename, delete; duplicates and well-known folders refused', async () => {
  const store = createMailStore({ mailboxes: [{ address: ALICE }] });
  const box = store.mailbox(ALICE)!;
  const projects = box.createFolder('Projects');
  const y = box.createFolder('2026', projects);
  assert.equal(y.path, 'Projects/2026');
  assert.equal(box.folder('projects/2026'), y);
  assert.throws(() => box.createFolder('projects'), (e: unknown) => e instanceof FolderOperationError && e.code === 'FOLDER_EXISTS');
  box.renameFolder(projects, 'Work');
  assert.equal(y.path, 'Work/2026');
  const v1 = y.uidValidity;
  assert.throws(() => box.deleteFolder(box.folder('inbox')!), /well-known/);
  box.deleteFolder(projects);
  assert.equal(box.folder('Work/2026'), undefined);
  const again = box.createFolder('Work');
  assert.ok(again.uidValidity > v1, 'a re-created folder gets a new UIDVALIDITY');
});

test('deliver puts one copy in each known recipient Inbox and rejects unknown ones', async () => {
  const store = createMailStore({ mailboxes: [{ address: ALICE }, { address: BOB }] });
  const r = await store.deliver(message('hi'), { from: ALICE, to: [BOB, 'BOB@contoso.onmicrosoft.com', 'nobody@contoso.onmicrosoft.com', ALICE] });
  assert.deepEqual(r.rejected, ['nobody@contoso.onmicrosoft.com']);
  assert.equal(r.accepted.length, 3);
  assert.equal(store.mailbox(BOB)!.folder('inbox')!.list().length, 1);
  assert.equal(store.mailbox(ALICE)!.folder('inbox')!.list().length, 1);
});

test('calendar, contacts and tasks are item collections with change keys', () => {
  const store = createMailStore({ mailboxes: [{ address: ALICE }] });
  const cal = store.mailbox(ALICE)!.calendar;
  const ev = cal.create({ subject: 'Standup', start: { dateTime: '2026-03-03T09:00:00', timeZone: 'UTC' } });
  const up = cal.update(ev.id, { subject: 'Daily standup' })!;
  assert.equal(up.data['subject'], 'Daily standup');
  assert.deepEqual(up.data['start'], { dateTime: '2026-03-03T09:00:00', timeZone: 'UTC' });
  assert.notEqual(up.changeKey, ev.changeKey);
  assert.equal(cal.list().length, 1);
  assert.equal(cal.delete(ev.id), true);
  assert.equal(cal.get(ev.id), undefined);
  assert.equal(store.mailbox(ALICE)!.contacts.update('nope', {}), undefined);
});

test('disk mode streams a 25 MB message from its file and survives a reopen', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mb-xstore-'));
  try {
    const store = createMailStore({ dataDir: dir, mailboxes: [{ address: ALICE }] });
    const inbox = store.mailbox(ALICE)!.folder('inbox')!;
    const line = 'QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0NTY3\r\n';
    const head =
      `From: ${ALICE}\r\nTo: ${BOB}\r\nSubject: big\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n` +
      '--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n--b\r\nContent-Type: application/octet-stream\r\n' +
      'Content-Disposition: attachment; filename=big.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n';
    const big = Buffer.concat([Buffer.from(head), Buffer.from(line.repeat(Math.ceil((25 * 1024 * 1024) / line.length))), Buffer.from('--b--\r\n')]);
    const m = await inbox.append(big);
    assert.ok(m.size > 25 * 1024 * 1024);
    assert.equal(m.summary.hasAttachments, true);
    assert.equal(m.summary.preview, 'See attached.');
    await inbox.append(message('small'), { flags: ['\\Seen'] });
    inbox.setFlags(2, ['\\Answered']);

    // Stream it back in chunks: nothing ever holds the whole message as one buffer.
    let bytes = 0;
    let biggestChunk = 0;
    const s = inbox.stream(1);
    for await (const chunk of s as AsyncIterable<Buffer>) {
      bytes += chunk.length;
      biggestChunk = Math.max(biggestChunk, chunk.length);
    }
    assert.equal(bytes, big.length);
    assert.ok(biggestChunk <= 64 * 1024);

    const reopened = createMailStore({ dataDir: dir });
    const rin = reopened.mailbox(ALICE)!.folder('inbox')!;
    assert.equal(rin.id, inbox.id);
    assert.equal(rin.uidValidity, inbox.uidValidity);
    assert.deepEqual(rin.list().map((x) => [x.uid, x.id, [...x.flags]]), [[1, m.id, []], [2, inbox.byUid(2)!.id, ['\\Answered']]]);
    assert.deepEqual(await rin.read(2), message('small'));
    assert.deepEqual(rin.changesSince(0).seq, inbox.changesSince(0).seq);
    rin.expunge([1]);
    assert.equal(createMailStore({ dataDir: dir }).mailbox(ALICE)!.folder('inbox')!.list().length, 1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('10,000 messages in one folder: append, lookup and changesSince stay usable', async () => {
  const store = createMailStore({ mailboxes: [{ address: ALICE }] });
  const inbox = store.mailbox(ALICE)!.folder('inbox')!;
  const raw = message('bulk');
  for (let i = 0; i < 10_000; i++) await inbox.append(raw);
  assert.equal(inbox.list().length, 10_000);
  assert.equal(inbox.byUid(9_999)?.uid, 9_999);
  assert.equal(inbox.changesSince(9_990).changes.length, 10);
  inbox.expunge(Array.from({ length: 5_000 }, (_, i) => i * 2 + 1));
  assert.equal(inbox.list().length, 5_000);
  assert.equal(inbox.list()[0]!.uid, 2);
  const flagged = inbox.setFlags(10_000, ['\\Seen']);
  assert.equal(inbox.byUid(10_000), flagged);
  void once;
});
