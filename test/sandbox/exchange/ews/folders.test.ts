import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SANDBOX } from '@mailbridge/sandbox';
import { all, first, rawMessage, responseCodes, soap, startEwsRig, valid, type EwsRig } from './support.js';

describe('EWS folder operations', () => {
  let rig: EwsRig;
  let token: string;
  before(async () => {
    rig = await startEwsRig();
    token = await rig.userToken();
    const mb = rig.ctx.store.mailbox(SANDBOX.alice)!;
    const projects = mb.createFolder('Projects');
    mb.createFolder('2026', projects);
    await mb.folder('inbox')!.append(rawMessage({ from: 'x@example.com', to: SANDBOX.alice, subject: 'unread one' }));
  });
  after(() => rig.close());
  const post = (body: string) => rig.post(soap(body), { token });

  it('lists folders below msgfolderroot, shallow and deep, with counts', async () => {
    const shallow = await valid(post('<m:FindFolder Traversal="Shallow"><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:ParentFolderIds><t:DistinguishedFolderId Id="msgfolderroot"/></m:ParentFolderIds></m:FindFolder>'));
    const names = all(shallow, /<t:DisplayName>([^<]+)</);
    for (const n of ['Inbox', 'Sent Items', 'Drafts', 'Deleted Items', 'Junk Email', 'Projects', 'Calendar', 'Contacts', 'Tasks']) assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
    assert.ok(!names.includes('2026'));
    assert.match(shallow, /<t:CalendarFolder>/);
    const deep = await valid(post('<m:FindFolder Traversal="Deep"><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:ParentFolderIds><t:DistinguishedFolderId Id="msgfolderroot"/></m:ParentFolderIds></m:FindFolder>'));
    assert.equal(Number(first(deep, /TotalItemsInView="(\d+)"/)), names.length + 1);
  });

  it('gets folders by distinguished id and by FolderId, and reports unknown ones', async () => {
    const inbox = await valid(post('<m:GetFolder><m:FolderShape><t:BaseShape>AllProperties</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder>'));
    assert.match(inbox, /<t:DisplayName>Inbox<\/t:DisplayName><t:TotalCount>1<\/t:TotalCount><t:ChildFolderCount>0<\/t:ChildFolderCount><t:UnreadCount>1<\/t:UnreadCount>/);
    const id = first(inbox, /<t:FolderId Id="([^"]+)"/)!;
    const byId = await valid(post(`<m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:FolderIds><t:FolderId Id="${id}"/><t:DistinguishedFolderId Id="calendar"/><t:FolderId Id="${Buffer.from('EWS1|F|nope').toString('base64')}"/><t:FolderId Id="???"/></m:FolderIds></m:GetFolder>`));
    assert.deepEqual(responseCodes(byId), ['NoError', 'NoError', 'ErrorFolderNotFound', 'ErrorInvalidIdMalformed']);
    assert.match(byId, /<t:CalendarFolder><t:FolderId/);
  });
});
