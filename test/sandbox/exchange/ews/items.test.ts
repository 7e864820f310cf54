import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SANDBOX } from '@mailbridge/sandbox';
import { all, assertSchemaValid, first, itemIds, responseCodes, soap, startEwsRig, valid, type EwsRig } from './support.js';

describe('EWS calendar items, contacts and tasks', () => {
  let rig: EwsRig;
  let token: string;
  before(async () => {
    rig = await startEwsRig();
    token = await rig.userToken();
  });
  after(() => rig.close());
  const post = (body: string) => rig.post(soap(body), { token });
  const mailbox = () => rig.ctx.store.mailbox(SANDBOX.alice)!;

  it('creates a calendar item, finds, gets, updates and deletes it; the store holds it in Graph\'s shape', async () => {
    const created = await valid(post(`<m:CreateItem SendMeetingInvitations="SendToNone"><m:SavedItemFolderId><t:DistinguishedFolderId Id="calendar"/></m:SavedItemFolderId><m:Items><t:CalendarItem><t:Subject>Planning</t:Subject><t:Body BodyType="Text">agenda</t:Body><t:Start>2026-07-01T09:00:00Z</t:Start><t:End>2026-07-01T10:00:00Z</t:End><t:Location>Room 1</t:Location></t:CalendarItem></m:Items></m:CreateItem>`));
    const [id] = itemIds(created);
    assert.ok(id);
    const rec = mailbox().calendar.list().find((r) => r.data.subject === 'Planning');
    assert.deepEqual(rec?.data.start, { dateTime: '2026-07-01T09:00:00.000', timeZone: 'UTC' });
    assert.deepEqual(rec?.data.location, { displayName: 'Room 1' });

    const found = await valid(post('<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>Default</t:BaseShape></m:ItemShape><m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindItem>'));
    assert.match(found, /<t:CalendarItem><t:ItemId[^>]*\/>.*<t:Subject>Planning<\/t:Subject>.*<t:Start>2026-07-01T09:00:00Z<\/t:Start><t:End>2026-07-01T10:00:00Z<\/t:End>/);

    const updated = await valid(post(`<m:UpdateItem ConflictResolution="AlwaysOverwrite" SendMeetingInvitationsOrCancellations="SendToNone"><m:ItemChanges><t:ItemChange><t:ItemId Id="${id}"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="calendar:Location"/><t:CalendarItem><t:Location>Room 2</t:Location></t:CalendarItem></t:SetItemField></t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>`));
    assert.deepEqual(responseCodes(updated), ['NoError']);
    const got = await valid(post(`<m:GetItem><m:ItemShape><t:BaseShape>AllProperties</t:BaseShape></m:ItemShape><m:ItemIds><t:ItemId Id="${id}"/></m:ItemIds></m:GetItem>`));
    assert.match(got, /<t:Body BodyType="Text">agenda<\/t:Body>/);
    assert.match(got, /<t:Location>Room 2<\/t:Location>/);

    const deleted = await valid(post(`<m:DeleteItem DeleteType="HardDelete" SendMeetingCancellations="SendToNone"><m:ItemIds><t:ItemId Id="${id}"/></m:ItemIds></m:DeleteItem>`));
    assert.deepEqual(responseCodes(deleted), ['NoError']);
    assert.equal(mailbox().calendar.list().length, 0);
  });

  it('creates contacts and tasks', async () => {
    const contact = await valid(post(`<m:CreateItem><m:SavedItemFolderId><t:DistinguishedFolderId Id="contacts"/></m:SavedItemFolderId><m:Items><t:Contact><t:GivenName>Carol</t:GivenName><t:CompanyName>Fabrikam</t:CompanyName><t:EmailAddresses><t:Entry Key="EmailAddress1">carol@fabrikam.test</t:Entry></t:EmailAddresses><t:PhoneNumbers><t:Entry Key="MobilePhone">+1 555 0100</t:Entry></t:PhoneNumbers><t:Surname>Jones</t:Surname></t:Contact></m:Items></m:CreateItem>`));
    assert.deepEqual(responseCodes(contact), ['NoError']);
    const c = mailbox().contacts.list()[0]!;
    assert.equal(c.data.displayName, 'Carol Jones');
    assert.deepEqual(c.data.emailAddresses, [{ address: 'carol@fabrikam.test' }]);
    assert.equal(c.data.mobilePhone, '+1 555 0100');

    const task = await valid(post(`<m:CreateItem><m:Items><t:Task><t:Subject>File taxes</t:Subject><t:DueDate>2026-07-15T00:00:00Z</t:DueDate><t:Status>InProgress</t:Status></t:Task></m:Items></m:CreateItem>`));
    const [taskId] = itemIds(task);
    assert.equal(mailbox().tasks.list()[0]!.data.title, 'File taxes');
    const got = await valid(post(`<m:GetItem><m:ItemShape><t:BaseShape>Default</t:BaseShape></m:ItemShape><m:ItemIds><t:ItemId Id="${taskId}"/></m:ItemIds></m:GetItem>`));
    assert.match(got, /<t:Task>.*<t:Subject>File taxes<\/t:Subject>.*<t:DueDate>2026-07-15T00:00:00Z<\/t:DueDate><t:IsComplete>false<\/t:IsComplete><t:Status>InProgress<\/t:Status>/);

    const contacts = await valid(post('<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>Default</t:BaseShape></m:ItemShape><m:ParentFolderIds><t:DistinguishedFolderId Id="contacts"/></m:ParentFolderIds></m:FindItem>'));
    assert.deepEqual(all(contacts, /<t:DisplayName>([^<]+)</), ['Carol Jones']);
    assert.equal(first(contacts, /<t:Entry Key="EmailAddress1">([^<]+)</), 'carol@fabrikam.test');
  });

  it('the schema check itself rejects a body that breaks messages.xsd (elements out of order)', async () => {
    const bad = soap('<m:GetFolderResponse><m:ResponseMessages><m:GetFolderResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Folders><t:Folder><t:DisplayName>x</t:DisplayName><t:FolderId Id="a"/></t:Folder></m:Folders></m:GetFolderResponseMessage></m:ResponseMessages></m:GetFolderResponse>');
    await assert.rejects(assertSchemaValid(bad), /does not validate against messages.xsd/);
  });
});
