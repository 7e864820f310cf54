import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { message, startImapFixture, type ImapFixture } from './support.js';

// Exchange Online lists Calendar, Contacts, Tasks, Notes… over IMAP although they hold no mail;
// clients meet them and must cope. The sandbox shows them the same way.
describe('sandbox IMAP: non-mail folders in LIST', () => {
  let fx: ImapFixture;
  before(async () => {
    fx = await startImapFixture();
  });
  after(() => fx.close());

  it('LIST shows Calendar, Contacts, Journal, Notes and Tasks; STATUS and SELECT see them empty', async () => {
    const c = await fx.client();
    const list = await c.list({ statusQuery: { messages: true, unseen: true } });
    const paths = list.map((f) => f.path);
    for (const p of ['INBOX', 'Sent Items', 'Calendar', 'Contacts', 'Journal', 'Notes', 'Tasks'])
      assert.ok(paths.includes(p), `${p} in ${paths.join(', ')}`);
    assert.deepEqual(list.find((f) => f.path === 'Calendar')?.status, { path: 'Calendar', messages: 0, unseen: 0 });
    const box = await c.mailboxOpen('Tasks', { readOnly: true });
    assert.equal(box.exists, 0);
    assert.deepEqual(await c.search({ all: true }), []);
  });

  it('refuses to store messages there, or to delete or rename them', async () => {
    const c = await fx.client();
    await assert.rejects(c.append('Calendar', message({ subject: 'nope' })));
    await assert.rejects(c.mailboxDelete('Contacts'));
    await assert.rejects(c.mailboxCreate('Notes/Sub'));
    assert.ok((await c.list()).some((f) => f.path === 'Contacts'));
  });
});
