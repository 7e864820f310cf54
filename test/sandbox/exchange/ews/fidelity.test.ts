import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SANDBOX } from '@mailbridge/sandbox';
import { all, first, itemIds, rawMessage, responseCodes, soap, startEwsRig, valid, type EwsRig } from './support.js';

// What the EWS Managed API (and its ports) send: MimeContent as an additional property,
// CalendarView, ResolveNames, CreateFolder. Every answer is checked against messages.xsd.
describe('EWS: requests as the EWS Managed API writes them', () => {
  let rig: EwsRig;
  let token: string;
  before(async () => {
    rig = await startEwsRig();
    token = await rig.userToken();
  });
  after(() => rig.close());
  const post = (body: string) => rig.post(soap(body), { token });
  const mailbox = () => rig.ctx.store.mailbox(SANDBOX.alice)!;

  it('GetItem returns MimeContent when asked as AdditionalProperties FieldURI item:MimeContent', async () => {
    const msg = await mailbox()
      .folder('inbox')!
      .append(rawMessage({ from: 'a@example.org', to: SANDBOX.alice, subject: 'mime please' }));
    const [id] = itemIds(
      await valid(
        post(
          `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:ParentFolderIds><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderIds></m:FindItem>`,
        ),
      ),
    );
    assert.ok(id);
    const got = await valid(
      post(
        `<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:MimeContent"/><t:FieldURI FieldURI="item:Subject"/></t:AdditionalProperties></m:ItemShape><m:ItemIds><t:ItemId Id="${id}"/></m:ItemIds></m:GetItem>`,
      ),
    );
    const mime = first(got, /<t:MimeContent CharacterSet="UTF-8">([^<]+)</);
    assert.ok(mime, got);
    assert.deepEqual(Buffer.from(mime, 'base64'), await mailbox().folder('inbox')!.read(msg.uid));
  });

  it('FindItem with CalendarView: only items overlapping the window, the series expanded into occurrences', async () => {
    const cal = mailbox().calendar;
    cal.create({
      subject: 'in',
      start: { dateTime: '2026-07-02T09:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-07-02T10:00:00', timeZone: 'UTC' },
    });
    cal.create({
      subject: 'out',
      start: { dateTime: '2026-08-02T09:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-08-02T10:00:00', timeZone: 'UTC' },
    });
    cal.create({
      subject: 'daily',
      start: { dateTime: '2026-06-28T08:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-06-28T08:15:00', timeZone: 'UTC' },
      recurrence: {
        pattern: { type: 'daily', interval: 2 },
        range: { type: 'numbered', startDate: '2026-06-28', numberOfOccurrences: 4 },
      },
    });
    const view = await valid(
      post(
        `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:Subject"/><t:FieldURI FieldURI="calendar:Start"/><t:FieldURI FieldURI="calendar:CalendarItemType"/></t:AdditionalProperties></m:ItemShape><m:CalendarView MaxEntriesReturned="50" StartDate="2026-07-01T00:00:00Z" EndDate="2026-07-06T00:00:00Z"/><m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindItem>`,
      ),
    );
    assert.deepEqual(all(view, /<t:Subject>([^<]+)</), ['daily', 'in', 'daily']);
    assert.deepEqual(all(view, /<t:Start>([^<]+)</), [
      '2026-07-02T08:00:00Z',
      '2026-07-02T09:00:00Z',
      '2026-07-04T08:00:00Z',
    ]);
    assert.deepEqual(all(view, /<t:CalendarItemType>([^<]+)</), ['Occurrence', 'Single', 'Occurrence']);
    assert.equal(first(view, /TotalItemsInView="(\d+)"/), '3');
    const capped = await valid(
      post(
        `<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:CalendarView MaxEntriesReturned="1" StartDate="2026-07-01T00:00:00Z" EndDate="2026-07-06T00:00:00Z"/><m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindItem>`,
      ),
    );
    assert.equal(itemIds(capped).length, 1);
    assert.equal(first(capped, /IncludesLastItemInRange="(\w+)"/), 'false');
  });

  it('ResolveNames: one match is Success, several a Warning with each, none ErrorNameResolutionNoResults', async () => {
    const one = await valid(
      post(
        '<m:ResolveNames ReturnFullContactData="true" SearchScope="ActiveDirectory"><m:UnresolvedEntry>alice</m:UnresolvedEntry></m:ResolveNames>',
      ),
    );
    assert.deepEqual(responseCodes(one), ['NoError']);
    assert.equal(first(one, /<t:EmailAddress>([^<]+)</), SANDBOX.alice);
    assert.equal(first(one, /<t:Name>([^<]+)</), 'Alice Example');
    assert.equal(first(one, /<t:MailboxType>([^<]+)</), 'Mailbox');
    assert.equal(first(one, /<t:Entry Key="EmailAddress1">([^<]+)</), `SMTP:${SANDBOX.alice}`);
    const many = await valid(
      post(
        '<m:ResolveNames ReturnFullContactData="false"><m:UnresolvedEntry>Example</m:UnresolvedEntry></m:ResolveNames>',
      ),
    );
    assert.match(many, /ResponseClass="Warning"/);
    assert.deepEqual(responseCodes(many), ['ErrorNameResolutionMultipleResults']);
    assert.equal((many.match(/<t:Resolution>/g) ?? []).length, 2);
    mailbox().contacts.create({ displayName: 'Zed Contact', emailAddresses: [{ address: 'zed@fabrikam.test' }] });
    const contact = await valid(
      post(
        '<m:ResolveNames ReturnFullContactData="false" SearchScope="ActiveDirectoryContacts"><m:UnresolvedEntry>SMTP:zed@fabrikam.test</m:UnresolvedEntry></m:ResolveNames>',
      ),
    );
    assert.equal(first(contact, /<t:MailboxType>([^<]+)</), 'Contact');
    const none = await valid(
      post(
        '<m:ResolveNames ReturnFullContactData="false"><m:UnresolvedEntry>nobody-at-all</m:UnresolvedEntry></m:ResolveNames>',
      ),
    );
    assert.deepEqual(responseCodes(none), ['ErrorNameResolutionNoResults']);
  });

  it('CreateFolder makes a mail folder under Inbox; a duplicate name is ErrorFolderExists', async () => {
    const body =
      '<m:CreateFolder><m:ParentFolderId><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderId><m:Folders><t:Folder><t:DisplayName>Receipts</t:DisplayName></t:Folder></m:Folders></m:CreateFolder>';
    const made = await valid(post(body));
    assert.deepEqual(responseCodes(made), ['NoError']);
    assert.ok(
      mailbox()
        .folders()
        .some((f) => f.path === 'INBOX/Receipts'),
    );
    assert.deepEqual(responseCodes(await valid(post(body))), ['ErrorFolderExists']);
  });
});
