import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BOB, message, startImapFixture, type ImapFixture } from './support.js';

// Issue 4: a folder of 10,000 messages is served over IMAP (SELECT, SEARCH, a full UID FETCH,
// a partial body fetch at the end), the way a client that syncs a big Inbox meets it.
const COUNT = 10_000;
let f: ImapFixture;

before(async () => {
  f = await startImapFixture();
  const inbox = f.ctx.store.ensureMailbox(BOB).folder('inbox');
  assert.ok(inbox);
  for (let i = 1; i <= COUNT; i++) await inbox.append(message({ subject: `bulk ${i}`, body: `message number ${i}` }));
});
after(() => f?.close());

test('a 10,000-message Inbox: SELECT, STATUS, SEARCH and a full UID FETCH all see every message', async () => {
  const c = await f.client(BOB);
  const status = await c.status('INBOX', { messages: true, uidNext: true });
  assert.ok(status, 'STATUS answered');
  assert.equal(status.messages, COUNT);
  const lock = await c.getMailboxLock('INBOX');
  try {
    assert.equal((c.mailbox as { exists: number }).exists, COUNT);
    const all = await c.search({ all: true }, { uid: true });
    assert.equal((all || []).length, COUNT);
    const hits = await c.search({ subject: 'bulk 9999' }, { uid: true });
    assert.deepEqual(hits, [9999], 'SUBJECT search is a substring match: only "bulk 9999" contains it');
    let seen = 0;
    let lastUid = 0;
    for await (const m of c.fetch('1:*', { uid: true, flags: true, size: true }, { uid: true })) {
      assert.ok(m.uid > lastUid, 'UIDs ascend');
      lastUid = m.uid;
      seen++;
    }
    assert.equal(seen, COUNT);
    const last = await c.fetchOne(String(COUNT), { envelope: true, bodyParts: ['TEXT'] }, { uid: true });
    assert.ok(last);
    assert.equal(last.envelope?.subject, `bulk ${COUNT}`);
    assert.match(last.bodyParts?.get('text')?.toString() ?? '', new RegExp(`message number ${COUNT}`));
  } finally {
    lock.release();
  }
});
