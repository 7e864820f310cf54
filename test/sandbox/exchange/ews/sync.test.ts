import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SANDBOX } from '@mailbridge/sandbox';
import { all, first, rawMessage, responseCodes, soap, startEwsRig, valid, type EwsRig } from './support.js';

const sync = (state: string | undefined, max = 512, folder = '<t:DistinguishedFolderId Id="inbox"/>') =>
  soap(`<m:SyncFolderItems><m:ItemShape><t:BaseShape>Default</t:BaseShape></m:ItemShape><m:SyncFolderId>${folder}</m:SyncFolderId>${state ? `<m:SyncState>${state}</m:SyncState>` : ''}<m:MaxChangesReturned>${max}</m:MaxChangesReturned></m:SyncFolderItems>`);

interface Changes {
  state: string;
  last: boolean;
  creates: string[];
  updates: string[];
  deletes: number;
  text: string;
}

function parse(text: string): Changes {
  const section = (tag: string) => all(text, new RegExp(`<t:${tag}>(.*?)</t:${tag}>`));
  return {
    state: first(text, /<m:SyncState>([^<]+)</)!,
    last: first(text, /<m:IncludesLastItemInRange>([^<]+)</) === 'true',
    creates: section('Create').map((c) => first(c, /<t:Subject>([^<]*)</)!),
    updates: section('Update').map((c) => first(c, /<t:Subject>([^<]*)</)!),
    deletes: section('Delete').length,
    text,
  };
}

describe('EWS SyncFolderItems', () => {
  let rig: EwsRig;
  let token: string;
  const address = 'syncer@contoso.onmicrosoft.com';
  before(async () => {
    rig = await startEwsRig();
    rig.ctx.store.ensureMailbox(address, 'Syncer');
    rig.ctx.admin.grantFullAccess(address, SANDBOX.alice);
    token = await rig.userToken();
  });
  after(() => rig.close());

  const inboxRef = `<t:DistinguishedFolderId Id="inbox"><t:Mailbox><t:EmailAddress>${address}</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId>`;
  const run = async (state?: string, max = 512) => parse(await valid(rig.post(sync(state, max, inboxRef), { token })));

  it('syncs from scratch in pages, then only what changed since the state', async () => {
    const inbox = rig.ctx.store.mailbox(address)!.folder('inbox')!;
    for (let i = 1; i <= 5; i++) await inbox.append(rawMessage({ from: 'x@example.com', to: address, subject: `m${i}` }));

    const p1 = await run(undefined, 2);
    assert.deepEqual(p1.creates, ['m1', 'm2']);
    assert.equal(p1.last, false);
    const p2 = await run(p1.state, 2);
    assert.deepEqual(p2.creates, ['m3', 'm4']);
    const p3 = await run(p2.state, 2);
    assert.deepEqual(p3.creates, ['m5']);
    assert.equal(p3.last, true);

    const idle = await run(p3.state);
    assert.deepEqual([idle.creates, idle.updates, idle.deletes], [[], [], 0]);
    assert.match(idle.text, /<m:Changes\/>/);

    // New mail, a flag change, a delete, and a message created and gone between two syncs.
    await inbox.append(rawMessage({ from: 'x@example.com', to: address, subject: 'm6' }));
    const m2 = inbox.list().find((m) => m.summary.subject === 'm2')!;
    inbox.setFlags(m2.uid, ['\\Seen']);
    const m3 = inbox.list().find((m) => m.summary.subject === 'm3')!;
    inbox.expunge([m3.uid]);
    const transient = await inbox.append(rawMessage({ from: 'x@example.com', to: address, subject: 'transient' }));
    inbox.expunge([transient.uid]);

    const delta = await run(p3.state);
    assert.deepEqual(delta.creates, ['m6']);
    assert.deepEqual(delta.updates, ['m2']);
    assert.equal(delta.deletes, 1);
    assert.equal(delta.last, true);
    assert.match(delta.text, /<t:Update><t:Message>.*<t:IsRead>true<\/t:IsRead>/);
  });

  it('sees a message sent over EWS by another user arrive in the next sync', async () => {
    const start = await run();
    const bob = await rig.userToken(SANDBOX.bob);
    await valid(rig.post(soap(`<m:CreateItem MessageDisposition="SendOnly"><m:Items><t:Message><t:Subject>from bob</t:Subject><t:Body BodyType="Text">hi</t:Body><t:ToRecipients><t:Mailbox><t:EmailAddress>${address}</t:EmailAddress></t:Mailbox></t:ToRecipients></t:Message></m:Items></m:CreateItem>`), { token: bob }));
    const next = await run(start.state);
    assert.deepEqual(next.creates, ['from bob']);
  });

  it('refuses a corrupt or foreign SyncState and an out-of-range MaxChangesReturned', async () => {
    const corrupt = await valid(rig.post(sync('bm90IGEgc3RhdGU=', 10, inboxRef), { token }));
    assert.deepEqual(responseCodes(corrupt), ['ErrorInvalidSyncStateData']);
    const own = await run();
    const foreign = await valid(rig.post(sync(own.state, 10, '<t:DistinguishedFolderId Id="sentitems"/>'), { token }));
    assert.deepEqual(responseCodes(foreign), ['ErrorInvalidSyncStateData']);
    const tooMany = await rig.post(sync(undefined, 513, inboxRef), { token });
    assert.equal(tooMany.status, 500);
    assert.match(tooMany.text, /ErrorSchemaValidation/);
  });
});
