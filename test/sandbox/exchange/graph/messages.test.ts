import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertShape, fixture } from './shape.js';
import { ALICE, call, rawMessage, startGraphRig, type GraphRig } from './support.js';

type Msg = Record<string, unknown> & { id: string; subject: string };
type Page = { '@odata.context': string; value: Msg[]; '@odata.nextLink'?: string; '@odata.count'?: number };

describe('graph endpoint: messages', () => {
  let rig: GraphRig;
  let token: string;
  const get = (path: string, headers: Record<string, string> = {}) => call(rig.ctx.tls.ca, path.startsWith('https:') ? path : `${rig.base}${path}`, { token, headers });
  const send = (method: string, path: string, body?: object) => call(rig.ctx.tls.ca, `${rig.base}${path}`, { method, token, ...(body ? { body } : {}) });

  before(async () => {
    rig = await startGraphRig();
    token = await rig.token({ user: ALICE, scope: 'Mail.ReadWrite' });
    const inbox = rig.ctx.store.mailbox(ALICE)!.folder('inbox')!;
    const t0 = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 25; i++) {
      const raw = rawMessage({
        subject: i % 5 === 0 ? `Invoice ${i}` : `Note ${i}`,
        from: i % 2 === 0 ? 'carol@example.org' : 'dave@example.org',
        date: new Date(t0 + i * 60_000),
        headers: i === 3 ? ['Importance: High'] : [],
      });
      await inbox.append(raw, { receivedAt: t0 + i * 60_000, flags: i < 5 ? ['\\Seen'] : [] });
    }
  });
  after(async () => { await rig.close(); });

  it('pages through 25 messages with $top=10 by following @odata.nextLink', async () => {
    const seen: string[] = [];
    let url: string | undefined = '/me/mailFolders/inbox/messages?$top=10&$select=subject,receivedDateTime';
    let pages = 0;
    while (url) {
      const r = await get(url);
      assert.equal(r.status, 200);
      const page = r.json<Page>();
      if (pages === 0) assertShape(page, fixture('list-messages.json'));
      seen.push(...page.value.map((m) => m.id));
      assert.deepEqual(Object.keys(page.value[0]!).sort(), ['@odata.etag', 'id', 'receivedDateTime', 'subject']);
      url = page['@odata.nextLink'];
      pages++;
    }
    assert.equal(pages, 3);
    assert.equal(seen.length, 25);
    assert.equal(new Set(seen).size, 25);
  });

  it('defaults to 10 newest first; $count gives the total', async () => {
    const r = await get('/me/mailFolders/inbox/messages?$count=true');
    const page = r.json<Page>();
    assert.equal(page.value.length, 10);
    assert.equal(page['@odata.count'], 25);
    assert.equal(page.value[0]!.subject, 'Note 24');
    const times = page.value.map((m) => Date.parse(String(m['receivedDateTime'])));
    assert.deepEqual(times, [...times].sort((a, b) => b - a));
    assert.equal(page.value[0]!['receivedDateTime'], '2026-01-01T00:24:00Z');
    assertShape(page.value[0], { body: { contentType: 'html', content: '' }, from: { emailAddress: { name: '', address: '' } }, toRecipients: [{ emailAddress: { address: '' } }], flag: { flagStatus: '' }, isRead: false, hasAttachments: false, importance: '' });
  });

  it('$filter: isRead, from address, subject functions, dates, importance, and/or/not', async () => {
    const count = async (filter: string): Promise<number> => {
      const r = await get(`/me/mailFolders/inbox/messages?$top=100&$select=subject&$filter=${encodeURIComponent(filter)}`);
      assert.equal(r.status, 200, r.text);
      return r.json<Page>().value.length;
    };
    assert.equal(await count('isRead eq false'), 20);
    assert.equal(await count('isRead eq true'), 5);
    assert.equal(await count("from/emailAddress/address eq 'carol@example.org'"), 13);
    assert.equal(await count("startswith(subject,'Invoice')"), 5);
    assert.equal(await count("contains(subject,'voice 1')"), 2);
    assert.equal(await count("subject eq 'note 7'"), 1);
    assert.equal(await count('receivedDateTime ge 2026-01-01T00:20:00Z'), 5);
    assert.equal(await count('receivedDateTime gt 2026-01-01T00:20:00Z and receivedDateTime lt 2026-01-01T00:23:00Z'), 2);
    assert.equal(await count("importance eq 'high'"), 1);
    assert.equal(await count('hasAttachments eq false'), 25);
    assert.equal(await count("isRead eq true or startswith(subject,'Invoice')"), 9);
    assert.equal(await count("not startswith(subject,'Note')"), 5);
  });

  it('$filter with $orderby follows the InefficientFilter rule', async () => {
    const bad = await get(`/me/mailFolders/inbox/messages?$filter=${encodeURIComponent('isRead eq false')}&$orderby=${encodeURIComponent('receivedDateTime desc')}`);
    assert.equal(bad.status, 400);
    assertShape(bad.json(), fixture('inefficient-filter.json'));
    assert.equal(bad.json<{ error: { code: string } }>().error.code, 'InefficientFilter');
    const good = await get(`/me/mailFolders/inbox/messages?$top=3&$filter=${encodeURIComponent('receivedDateTime ge 2026-01-01T00:00:00Z and isRead eq false')}&$orderby=${encodeURIComponent('receivedDateTime asc')}`);
    assert.equal(good.status, 200, good.text);
    assert.deepEqual(good.json<Page>().value.map((m) => m.subject), ['Invoice 5', 'Note 6', 'Note 7']);
  });

  it('rejects unknown properties and bad $top', async () => {
    assert.equal((await get('/me/messages?$select=nope')).status, 400);
    assert.equal((await get('/me/messages?$top=1001')).status, 400);
    assert.equal((await get(`/me/messages?$filter=${encodeURIComponent('isRead eq')}`)).status, 400);
  });

  it('GET a message, with a text body on request, and its MIME via $value', async () => {
    const first = (await get("/me/mailFolders/inbox/messages?$top=1&$filter=" + encodeURIComponent("subject eq 'Note 7'"))).json<Page>().value[0]!;
    const html = await get(`/me/messages/${first.id}`);
    assert.equal(html.status, 200);
    assert.equal(html.json<{ body: { contentType: string } }>().body.contentType, 'html');
    const text = await get(`/me/messages/${first.id}`, { prefer: 'outlook.body-content-type="text"' });
    assert.deepEqual(text.json<{ body: unknown }>().body, { contentType: 'text', content: 'Body of Note 7\n' });
    assert.equal(text.headers['preference-applied'], 'outlook.body-content-type="text"');
    const mime = await get(`/me/messages/${first.id}/$value`);
    assert.equal(mime.status, 200);
    assert.match(mime.text, /^From: Sender <dave@example\.org>\r\nTo: /);
    assert.match(mime.text, /Subject: Note 7\r\n/);
    const missing = await get('/me/messages/AAMkNoSuchMessage');
    assert.equal(missing.status, 404);
    assertShape(missing.json(), fixture('item-not-found.json'));
    assert.equal(missing.json<{ error: { code: string } }>().error.code, 'ErrorItemNotFound');
  });

  it('PATCH isRead, flag, categories and importance; visible as store flags', async () => {
    const msg = (await get("/me/mailFolders/inbox/messages?$filter=" + encodeURIComponent("subject eq 'Note 8'"))).json<Page>().value[0]!;
    const r = await send('PATCH', `/me/messages/${msg.id}`, { isRead: true, flag: { flagStatus: 'flagged' }, categories: ['Red category', 'Work'] });
    assert.equal(r.status, 200, r.text);
    const out = r.json<{ isRead: boolean; flag: { flagStatus: string }; categories: string[]; changeKey: string }>();
    assert.equal(out.isRead, true);
    assert.equal(out.flag.flagStatus, 'flagged');
    assert.deepEqual(out.categories.sort(), ['Red category', 'Work']);
    assert.notEqual(out.changeKey, msg['changeKey']);
    const stored = rig.ctx.store.mailbox(ALICE)!.folder('inbox')!.byId(msg.id)!;
    assert.ok(stored.flags.has('\\Seen') && stored.flags.has('\\Flagged'));
    const imp = await send('PATCH', `/me/messages/${msg.id}`, { importance: 'high' });
    assert.equal(imp.status, 200, imp.text);
    assert.equal(imp.json<{ importance: string }>().importance, 'high');
    const again = await get(`/me/messages/${msg.id}?$select=importance,isRead`);
    assert.deepEqual([again.json<{ importance: string }>().importance, again.json<{ isRead: boolean }>().isRead], ['high', true]);
  });

  it('move answers 201 with a new id; copy 201; DELETE 204 into deleteditems; permanentDelete', async () => {
    const list = (await get('/me/mailFolders/inbox/messages?$top=3&$select=subject')).json<Page>().value;
    const [a, b, c] = list as [Msg, Msg, Msg];
    const moved = await send('POST', `/me/messages/${a.id}/move`, { destinationId: 'archive' });
    assert.equal(moved.status, 201);
    const movedMsg = moved.json<Msg>();
    assert.notEqual(movedMsg.id, a.id);
    assert.equal(movedMsg.subject, a.subject);
    assert.equal(movedMsg['parentFolderId'], rig.ctx.store.mailbox(ALICE)!.folder('archive')!.id);
    const copied = await send('POST', `/me/messages/${b.id}/copy`, { destinationId: 'drafts' });
    assert.equal(copied.status, 201);
    assert.equal((await get(`/me/messages/${b.id}`)).status, 200, 'copy keeps the original');
    const del = await send('DELETE', `/me/messages/${c.id}`);
    assert.equal(del.status, 204);
    const trash = (await get('/me/mailFolders/deleteditems/messages?$select=subject')).json<Page>().value;
    assert.deepEqual(trash.map((m) => m.subject), [c.subject]);
    const gone = await send('POST', `/me/messages/${trash[0]!.id}/permanentDelete`);
    assert.equal(gone.status, 204);
    assert.equal((await get(`/me/messages/${trash[0]!.id}`)).status, 404);
    assert.equal((await send('POST', `/me/messages/${b.id}/move`, { destinationId: 'nosuchfolder' })).status, 404);
  });

  it('mailFolders: list, well-known names, counts, child folders', async () => {
    const r = await get('/me/mailFolders?$top=50');
    const names = r.json<{ value: { displayName: string }[] }>().value.map((f) => f.displayName);
    assert.ok(names.includes('Inbox') && names.includes('Sent Items') && names.includes('Deleted Items'), names.join());
    const inbox = (await get('/me/mailFolders/Inbox')).json<{ totalItemCount: number; unreadItemCount: number; id: string }>();
    assert.equal(inbox.totalItemCount, rig.ctx.store.mailbox(ALICE)!.folder('inbox')!.counts().total);
    const created = await send('POST', `/me/mailFolders/${inbox.id}/childFolders`, { displayName: 'Receipts' });
    assert.equal(created.status, 201, created.text);
    const kids = (await get(`/me/mailFolders/inbox/childFolders`)).json<{ value: { displayName: string }[] }>().value;
    assert.deepEqual(kids.map((k) => k.displayName), ['Receipts']);
  });
});
