import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SANDBOX } from '@mailbridge/sandbox';
import { all, findInbox, first, itemIds, rawMessage, responseCodes, soap, startEwsRig, valid, type EwsRig } from './support.js';

describe('EWS mail operations', () => {
  let rig: EwsRig;
  let alice: string;
  let bob: string;
  const post = (body: string, token = alice) => rig.post(soap(body), { token });

  before(async () => {
    rig = await startEwsRig();
    alice = await rig.userToken(SANDBOX.alice);
    bob = await rig.userToken(SANDBOX.bob);
  });
  after(() => rig.close());

  it('sends with CreateItem SendAndSaveCopy: delivered to the recipient in the store, a copy in Sent Items', async () => {
    const text = await valid(post(`<m:CreateItem MessageDisposition="SendAndSaveCopy"><m:SavedItemFolderId><t:DistinguishedFolderId Id="sentitems"/></m:SavedItemFolderId><m:Items><t:Message><t:Subject>Quarterly report</t:Subject><t:Body BodyType="HTML">&lt;p&gt;Numbers &amp;amp; charts&lt;/p&gt;</t:Body><t:ToRecipients><t:Mailbox><t:EmailAddress>${SANDBOX.bob}</t:EmailAddress></t:Mailbox></t:ToRecipients><t:BccRecipients><t:Mailbox><t:EmailAddress>${SANDBOX.alice}</t:EmailAddress></t:Mailbox></t:BccRecipients></t:Message></m:Items></m:CreateItem>`));
    assert.deepEqual(responseCodes(text), ['NoError']);
    assert.match(text, /<m:Items\/>/, 'SendAndSaveCopy returns no item id');

    const bobInbox = rig.ctx.store.mailbox(SANDBOX.bob)!.folder('inbox')!;
    const delivered = bobInbox.list().find((m) => m.summary.subject === 'Quarterly report');
    assert.ok(delivered, 'the store (and so IMAP and Graph) has it in bob\'s Inbox');
    assert.equal(delivered.summary.from?.address, SANDBOX.alice);
    assert.doesNotMatch((await bobInbox.read(delivered.uid)).toString(), /^Bcc:/im, 'Bcc is not transported');
    const sent = rig.ctx.store.mailbox(SANDBOX.alice)!.folder('sentitems')!.list();
    assert.equal(sent.filter((m) => m.summary.subject === 'Quarterly report').length, 1);
    assert.ok(sent[0]!.flags.has('\\Seen'));

    // Bob sees it over EWS too, HTML body intact.
    const found = await valid(post(findInbox('inbox', { restriction: '<t:IsEqualTo><t:FieldURI FieldURI="item:Subject"/><t:FieldURIOrConstant><t:Constant Value="Quarterly report"/></t:FieldURIOrConstant></t:IsEqualTo>' }), bob));
    const [id] = itemIds(found);
    assert.ok(id);
    const got = await valid(post(`<m:GetItem><m:ItemShape><t:BaseShape>Default</t:BaseShape><t:IncludeMimeContent>true</t:IncludeMimeContent></m:ItemShape><m:ItemIds><t:ItemId Id="${id}"/></m:ItemIds></m:GetItem>`, bob));
    assert.match(got, /<t:Body BodyType="HTML">[^<]*&lt;p&gt;Numbers &amp;amp; charts&lt;\/p&gt;/);
    const mime = Buffer.from(first(got, /<t:MimeContent CharacterSet="UTF-8">([^<]+)</)!, 'base64').toString();
    assert.match(mime, /^Subject: Quarterly report$/m);
    assert.match(got, /<t:From><t:Mailbox><t:Name>Alice Example<\/t:Name><t:EmailAddress>alice@contoso.onmicrosoft.com<\/t:EmailAddress>/);
  });

  it('saves drafts (SaveOnly returns the item id), sends raw MIME (SendOnly), and refuses a missing disposition or Send As', async () => {
    const saved = await valid(post(`<m:CreateItem MessageDisposition="SaveOnly"><m:Items><t:Message><t:Subject>Caf&#xE9; draft</t:Subject><t:Body BodyType="Text">draft body</t:Body><t:ToRecipients><t:Mailbox><t:EmailAddress>${SANDBOX.bob}</t:EmailAddress></t:Mailbox></t:ToRecipients></t:Message></m:Items></m:CreateItem>`));
    const [draftId] = itemIds(saved);
    assert.ok(draftId);
    const draft = await valid(post(`<m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape><t:BodyType>Text</t:BodyType></m:ItemShape><m:ItemIds><t:ItemId Id="${draftId}"/></m:ItemIds></m:GetItem>`));
    assert.match(draft, /<t:IsDraft>true<\/t:IsDraft>/);
    assert.match(draft, /<t:Body BodyType="Text">draft body/);
    assert.ok(rig.ctx.store.mailbox(SANDBOX.alice)!.folder('drafts')!.list().some((m) => m.summary.subject === 'Café draft'), 'character references decoded');

    const raw = rawMessage({ from: SANDBOX.alice, to: SANDBOX.bob, subject: 'Raw MIME send' });
    const sent = await valid(post(`<m:CreateItem MessageDisposition="SendOnly"><m:Items><t:Message><t:MimeContent CharacterSet="UTF-8">${raw.toString('base64')}</t:MimeContent></t:Message></m:Items></m:CreateItem>`));
    assert.deepEqual(responseCodes(sent), ['NoError']);
    assert.ok(rig.ctx.store.mailbox(SANDBOX.bob)!.folder('inbox')!.list().some((m) => m.summary.subject === 'Raw MIME send'));
    assert.ok(!rig.ctx.store.mailbox(SANDBOX.alice)!.folder('sentitems')!.list().some((m) => m.summary.subject === 'Raw MIME send'), 'SendOnly keeps no copy');

    const noDisposition = await valid(post(`<m:CreateItem><m:Items><t:Message><t:Subject>x</t:Subject></t:Message></m:Items></m:CreateItem>`));
    assert.deepEqual(responseCodes(noDisposition), ['ErrorMessageDispositionRequired']);

    const sendAs = await valid(post(`<m:CreateItem MessageDisposition="SendOnly"><m:Items><t:Message><t:Subject>spoof</t:Subject><t:ToRecipients><t:Mailbox><t:EmailAddress>${SANDBOX.bob}</t:EmailAddress></t:Mailbox></t:ToRecipients><t:From><t:Mailbox><t:EmailAddress>${SANDBOX.bob}</t:EmailAddress></t:Mailbox></t:From></t:Message></m:Items></m:CreateItem>`));
    assert.deepEqual(responseCodes(sendAs), ['ErrorSendAsDenied']);
  });

  it('finds with restrictions, sort order and paging', async () => {
    const address = 'finder@contoso.onmicrosoft.com';
    const box = rig.ctx.store.ensureMailbox(address, 'Finder');
    rig.ctx.admin.grantFullAccess(address, SANDBOX.alice);
    const inbox = box.folder('inbox')!;
    const base = Date.parse('2026-06-01T00:00:00Z');
    const specs = [
      { subject: 'Invoice 1', from: 'billing@vendor.test', seen: true, high: false },
      { subject: 'Invoice 2', from: 'billing@vendor.test', seen: false, high: true },
      { subject: 'Lunch?', from: 'friend@example.com', seen: false, high: false },
      { subject: 'Re: invoice 3', from: 'boss@example.com', seen: true, high: true },
      { subject: 'Newsletter', from: 'news@example.com', seen: false, high: false },
    ];
    for (const [i, s] of specs.entries()) {
      await inbox.append(rawMessage({ from: s.from, to: address, subject: s.subject, extraHeaders: s.high ? 'Importance: high' : undefined }), { flags: s.seen ? ['\\Seen'] : [], receivedAt: base + i * 3_600_000 });
    }
    const find = async (restriction?: string, view?: string, sort?: string) => {
      const body = findInbox('inbox', { ...(restriction ? { restriction } : {}), ...(view ? { view } : {}), ...(sort ? { sort } : {}) }).replace('<t:DistinguishedFolderId Id="inbox"/>', `<t:DistinguishedFolderId Id="inbox"><t:Mailbox><t:EmailAddress>${address}</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId>`);
      const text = await valid(post(body));
      assert.deepEqual(responseCodes(text), ['NoError'], text);
      return { text, subjects: all(text, /<t:Subject>([^<]*)<\/t:Subject>/) };
    };
    const cmp = (op: string, uri: string, value: string) => `<t:${op}><t:FieldURI FieldURI="${uri}"/><t:FieldURIOrConstant><t:Constant Value="${value}"/></t:FieldURIOrConstant></t:${op}>`;

    assert.deepEqual((await find()).subjects, ['Newsletter', 'Re: invoice 3', 'Lunch?', 'Invoice 2', 'Invoice 1'], 'newest first by default');
    assert.deepEqual((await find(cmp('IsEqualTo', 'message:IsRead', 'false'))).subjects, ['Newsletter', 'Lunch?', 'Invoice 2']);
    assert.deepEqual((await find('<t:Contains ContainmentMode="Substring" ContainmentComparison="IgnoreCase"><t:FieldURI FieldURI="item:Subject"/><t:Constant Value="invoice"/></t:Contains>')).subjects, ['Re: invoice 3', 'Invoice 2', 'Invoice 1']);
    assert.deepEqual((await find(`<t:And>${cmp('IsEqualTo', 'message:From', 'billing@vendor.test')}${cmp('IsEqualTo', 'item:Importance', 'High')}</t:And>`)).subjects, ['Invoice 2']);
    assert.deepEqual((await find(`<t:Or>${cmp('IsEqualTo', 'message:From', 'friend@example.com')}${cmp('IsEqualTo', 'message:From', 'news@example.com')}</t:Or>`)).subjects, ['Newsletter', 'Lunch?']);
    assert.deepEqual((await find(`<t:Not>${cmp('IsEqualTo', 'message:IsRead', 'false')}</t:Not>`)).subjects, ['Re: invoice 3', 'Invoice 1']);
    assert.deepEqual((await find(cmp('IsGreaterThanOrEqualTo', 'item:DateTimeReceived', '2026-06-01T03:00:00Z'))).subjects, ['Newsletter', 'Re: invoice 3']);
    assert.deepEqual((await find(cmp('IsLessThan', 'item:DateTimeReceived', '2026-06-01T01:00:00Z'))).subjects, ['Invoice 1']);
    assert.deepEqual((await find(cmp('IsNotEqualTo', 'item:HasAttachments', 'false'))).subjects, []);
    assert.deepEqual((await find(undefined, undefined, '<m:SortOrder><t:FieldOrder Order="Ascending"><t:FieldURI FieldURI="item:Subject"/></t:FieldOrder></m:SortOrder>')).subjects, ['Invoice 1', 'Invoice 2', 'Lunch?', 'Newsletter', 'Re: invoice 3']);

    const page1 = await find(undefined, '<m:IndexedPageItemView MaxEntriesReturned="2" Offset="0" BasePoint="Beginning"/>');
    assert.deepEqual(page1.subjects, ['Newsletter', 'Re: invoice 3']);
    assert.match(page1.text, /IndexedPagingOffset="2" TotalItemsInView="5" IncludesLastItemInRange="false"/);
    const page3 = await find(undefined, '<m:IndexedPageItemView MaxEntriesReturned="2" Offset="4" BasePoint="Beginning"/>');
    assert.deepEqual(page3.subjects, ['Invoice 1']);
    assert.match(page3.text, /IndexedPagingOffset="5" TotalItemsInView="5" IncludesLastItemInRange="true"/);

    const bad = await valid(post(findInbox('inbox', { restriction: cmp('IsEqualTo', 'item:Body', 'x') })));
    assert.deepEqual(responseCodes(bad), ['ErrorUnsupportedPathForQuery']);
    const badValue = await valid(post(findInbox('inbox', { restriction: cmp('IsEqualTo', 'message:IsRead', 'maybe') })));
    assert.deepEqual(responseCodes(badValue), ['ErrorInvalidValueForProperty']);
  });

  it('answers bad item ids with ErrorInvalidIdMalformed and ErrorItemNotFound, one response message per id', async () => {
    const [real] = itemIds(await valid(post(findInbox('sentitems', { shape: 'IdOnly' }))));
    const gone = Buffer.from('EWS1|M|nosuchmessage').toString('base64');
    const text = await valid(post(`<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:ItemIds><t:ItemId Id="${real}"/><t:ItemId Id="%%%not-an-id"/><t:ItemId Id="${gone}"/></m:ItemIds></m:GetItem>`));
    assert.deepEqual(responseCodes(text), ['NoError', 'ErrorInvalidIdMalformed', 'ErrorItemNotFound']);
    assert.match(text, /<m:GetItemResponseMessage ResponseClass="Error"><m:MessageText>/);
  });

  it('updates read state, flag and categories (seen by the store), with ChangeKey conflicts under NeverOverwrite', async () => {
    const inbox = rig.ctx.store.mailbox(SANDBOX.alice)!.folder('inbox')!;
    const stored = await inbox.append(rawMessage({ from: 'x@example.com', to: SANDBOX.alice, subject: 'To update' }));
    const [id] = itemIds(await valid(post(findInbox('inbox', { shape: 'IdOnly', restriction: '<t:IsEqualTo><t:FieldURI FieldURI="item:Subject"/><t:FieldURIOrConstant><t:Constant Value="To update"/></t:FieldURIOrConstant></t:IsEqualTo>' }))));
    const update = (conflict: string, changeKey: string, updates: string) =>
      post(`<m:UpdateItem ConflictResolution="${conflict}" MessageDisposition="SaveOnly"><m:ItemChanges><t:ItemChange><t:ItemId Id="${id}" ChangeKey="${changeKey}"/><t:Updates>${updates}</t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>`);
    const text = await valid(update('AlwaysOverwrite', stored.changeKey,
      '<t:SetItemField><t:FieldURI FieldURI="message:IsRead"/><t:Message><t:IsRead>true</t:IsRead></t:Message></t:SetItemField>' +
      '<t:SetItemField><t:FieldURI FieldURI="item:Flag"/><t:Message><t:Flag><t:FlagStatus>Flagged</t:FlagStatus></t:Flag></t:Message></t:SetItemField>' +
      '<t:SetItemField><t:FieldURI FieldURI="item:Categories"/><t:Message><t:Categories><t:String>Blue</t:String><t:String>Project X</t:String></t:Categories></t:Message></t:SetItemField>'));
    assert.deepEqual(responseCodes(text), ['NoError']);
    const now = inbox.byUid(stored.uid)!;
    assert.deepEqual([...now.flags].sort(), ['Blue', 'Project X', '\\Flagged', '\\Seen'].sort());
    assert.equal(first(text, /ChangeKey="([^"]+)"/), now.changeKey);

    const stale = await valid(update('NeverOverwrite', stored.changeKey, '<t:SetItemField><t:FieldURI FieldURI="message:IsRead"/><t:Message><t:IsRead>false</t:IsRead></t:Message></t:SetItemField>'));
    assert.deepEqual(responseCodes(stale), ['ErrorIrresolvableConflict']);
    const fresh = await valid(update('NeverOverwrite', now.changeKey, '<t:DeleteItemField><t:FieldURI FieldURI="item:Categories"/></t:DeleteItemField>'));
    assert.deepEqual(responseCodes(fresh), ['NoError']);
    assert.deepEqual([...inbox.byUid(stored.uid)!.flags].sort(), ['\\Flagged', '\\Seen'].sort());

    const subject = await valid(update('AlwaysOverwrite', '', '<t:SetItemField><t:FieldURI FieldURI="item:Subject"/><t:Message><t:Subject>new</t:Subject></t:Message></t:SetItemField>'));
    assert.deepEqual(responseCodes(subject), ['ErrorInvalidPropertySet']);
  });

  it('moves, copies and deletes (MoveToDeletedItems, HardDelete)', async () => {
    const mb = rig.ctx.store.mailbox(SANDBOX.alice)!;
    const archive = mb.createFolder('Projects');
    await mb.folder('inbox')!.append(rawMessage({ from: 'x@example.com', to: SANDBOX.alice, subject: 'Move me' }));
    const byRestriction = '<t:IsEqualTo><t:FieldURI FieldURI="item:Subject"/><t:FieldURIOrConstant><t:Constant Value="Move me"/></t:FieldURIOrConstant></t:IsEqualTo>';
    const [id] = itemIds(await valid(post(findInbox('inbox', { shape: 'IdOnly', restriction: byRestriction }))));
    const folderId = Buffer.from(`EWS1|F|${archive.id}`).toString('base64');

    const copied = await valid(post(`<m:CopyItem><m:ToFolderId><t:FolderId Id="${folderId}"/></m:ToFolderId><m:ItemIds><t:ItemId Id="${id}"/></m:ItemIds></m:CopyItem>`));
    assert.deepEqual(responseCodes(copied), ['NoError']);
    const [copyId] = itemIds(copied);
    assert.notEqual(copyId, id);
    assert.equal(archive.list().length, 1);

    const moved = await valid(post(`<m:MoveItem><m:ToFolderId><t:DistinguishedFolderId Id="junkemail"/></m:ToFolderId><m:ItemIds><t:ItemId Id="${id}"/></m:ItemIds></m:MoveItem>`));
    const [movedId] = itemIds(moved);
    assert.ok(movedId && movedId !== id, 'a move gives a new id, as at Exchange');
    assert.ok(mb.folder('junkemail')!.list().some((m) => m.summary.subject === 'Move me'));
    assert.ok(!mb.folder('inbox')!.list().some((m) => m.summary.subject === 'Move me'));

    const trash = await valid(post(`<m:DeleteItem DeleteType="MoveToDeletedItems"><m:ItemIds><t:ItemId Id="${movedId}"/></m:ItemIds></m:DeleteItem>`));
    assert.deepEqual(responseCodes(trash), ['NoError']);
    assert.ok(mb.folder('deleteditems')!.list().some((m) => m.summary.subject === 'Move me'));

    const hard = await valid(post(`<m:DeleteItem DeleteType="HardDelete"><m:ItemIds><t:ItemId Id="${copyId}"/><t:ItemId Id="${movedId}"/></m:ItemIds></m:DeleteItem>`));
    assert.deepEqual(responseCodes(hard), ['NoError', 'ErrorItemNotFound'], 'the moved id is stale after the move to Deleted Items');
    assert.equal(archive.list().length, 0);
  });

  it('creates and reads attachments', async () => {
    const created = await valid(post(`<m:CreateItem MessageDisposition="SaveOnly"><m:Items><t:Message><t:Subject>With file</t:Subject><t:Body BodyType="Text">see attached</t:Body><t:Attachments><t:FileAttachment><t:Name>notes.txt</t:Name><t:ContentType>text/plain</t:ContentType><t:Content>${Buffer.from('first file').toString('base64')}</t:Content></t:FileAttachment></t:Attachments></t:Message></m:Items></m:CreateItem>`));
    const [id] = itemIds(created);
    const got = await valid(post(`<m:GetItem><m:ItemShape><t:BaseShape>Default</t:BaseShape></m:ItemShape><m:ItemIds><t:ItemId Id="${id}"/></m:ItemIds></m:GetItem>`));
    assert.match(got, /<t:HasAttachments>true<\/t:HasAttachments>/);
    const [attId] = all(got, /<t:AttachmentId Id="([^"]+)"/);
    assert.ok(attId);
    const att = await valid(post(`<m:GetAttachment><m:AttachmentIds><t:AttachmentId Id="${attId}"/></m:AttachmentIds></m:GetAttachment>`));
    assert.match(att, /<t:Name>notes.txt<\/t:Name>/);
    assert.equal(Buffer.from(first(att, /<t:Content>([^<]+)</)!, 'base64').toString(), 'first file');

    const added = await valid(post(`<m:CreateAttachment><m:ParentItemId Id="${id}"/><m:Attachments><t:FileAttachment><t:Name>data.bin</t:Name><t:ContentType>application/octet-stream</t:ContentType><t:Content>${Buffer.from([0, 1, 2, 255]).toString('base64')}</t:Content></t:FileAttachment></m:Attachments></m:CreateAttachment>`));
    assert.deepEqual(responseCodes(added), ['NoError']);
    const newAtt = first(added, /<t:AttachmentId Id="([^"]+)"/)!;
    const rootId = first(added, /RootItemId="([^"]+)"/)!;
    const second = await valid(post(`<m:GetAttachment><m:AttachmentIds><t:AttachmentId Id="${newAtt}"/></m:AttachmentIds></m:GetAttachment>`));
    assert.deepEqual([...Buffer.from(first(second, /<t:Content>([^<]+)</)!, 'base64')], [0, 1, 2, 255]);
    const both = await valid(post(`<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:Attachments"/></t:AdditionalProperties></m:ItemShape><m:ItemIds><t:ItemId Id="${rootId}"/></m:ItemIds></m:GetItem>`));
    assert.deepEqual(all(both, /<t:Name>([^<]+)<\/t:Name>/), ['notes.txt', 'data.bin']);

    const missing = await valid(post(`<m:GetAttachment><m:AttachmentIds><t:AttachmentId Id="garbage!"/></m:AttachmentIds></m:GetAttachment>`));
    assert.deepEqual(responseCodes(missing), ['ErrorInvalidIdMalformed']);
  });
});
