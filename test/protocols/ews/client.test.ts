import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ConfigError } from '../../../src/errors.js';
import { buildRawMessage } from '../../../src/message/compose.js';
import { createEwsClient, ewsEndpoint, type EwsClient } from '../../../src/protocols/ews/client.js';
import { createAttachments } from '../../../src/protocols/ews/create-attachment.js';
import { createItems, mimeMessageXml } from '../../../src/protocols/ews/create-item.js';
import { parseDiagnostics } from '../../../src/protocols/ews/errors.js';
import { findAllItems, findItems } from '../../../src/protocols/ews/find-item.js';
import { getAttachments, readAttachmentList } from '../../../src/protocols/ews/get-attachment.js';
import { findFolders } from '../../../src/protocols/ews/find-folder.js';
import { getFolders } from '../../../src/protocols/ews/get-folder.js';
import { getItems } from '../../../src/protocols/ews/get-item.js';
import { child, text } from '../../../src/protocols/ews/soap.js';
import { ALICE, APP, startEwsSandbox, type EwsSandbox } from './support.js';

let sb: EwsSandbox & { closeAll(): Promise<void> };
let client: EwsClient;
let address: string;

before(async () => {
  sb = await startEwsSandbox();
  address = `ops-${randomBytes(4).toString('hex')}@contoso.onmicrosoft.com`;
  sb.exchange.admin.createMailbox(address);
  sb.exchange.admin.grantFullAccess(address, APP);
  client = createEwsClient({ resource: sb.resource(address), tokens: sb.appOnly() });
});
after(async () => {
  client?.close();
  await sb?.closeAll();
});

describe('EWS operations against the Exchange sandbox', () => {
  test('FindItem pages with IndexedPageItemView; findAllItems follows the offsets', async () => {
    for (const n of [1, 2, 3, 4, 5]) {
      await sb.exchange.admin.deliver(Buffer.from(`From: a@example.test\r\nTo: ${address}\r\nSubject: page ${n}\r\n\r\nbody\r\n`), { from: 'a@example.test', to: [address] });
    }
    const inbox = { distinguished: 'inbox' as const };
    const sort = { field: 'item:DateTimeReceived', order: 'Ascending' as const };
    const first = await findItems(client, { folder: inbox, sort, max: 2, shape: { properties: ['item:Subject'] } });
    assert.deepEqual(first.items.map((i) => text(i.node, 'Subject')), ['page 1', 'page 2']);
    assert.deepEqual([first.includesLastItemInRange, first.nextOffset, first.totalItemsInView], [false, 2, 5]);
    const last = await findItems(client, { folder: inbox, sort, offset: 4, max: 2, shape: { properties: ['item:Subject'] } });
    assert.deepEqual([last.items.length, last.includesLastItemInRange, last.nextOffset], [1, true, undefined]);
    const all = await findAllItems(client, { folder: inbox, sort, shape: { properties: ['item:Subject'] } }, { pageSize: 2 });
    assert.deepEqual(all.map((i) => text(i.node, 'Subject')), ['page 1', 'page 2', 'page 3', 'page 4', 'page 5']);
    assert.equal((await findAllItems(client, { folder: inbox, sort }, { pageSize: 2, limit: 3 })).length, 3);
  });

  test('a draft (CreateItem SaveOnly) gets a file by CreateAttachment; GetAttachment returns its bytes', async () => {
    const mime = await buildRawMessage({ from: address, to: [ALICE], subject: 'draft with file', text: 'see attached' });
    const [draft] = await createItems(client, { items: [mimeMessageXml(mime)], disposition: 'SaveOnly', savedFolder: { distinguished: 'drafts' } });
    assert.ok(draft, 'SaveOnly returns the new item id');
    const bytes = randomBytes(1500);
    const [created] = await createAttachments(client, draft, [{ name: 'report.bin', contentType: 'application/octet-stream', content: bytes }]);
    assert.ok(created?.parent, 'the parent id comes back (RootItemId)');
    const [item] = await getItems(client, [created.parent], { properties: ['item:Attachments', 'item:Subject'] });
    assert.equal(text(item?.node, 'Subject'), 'draft with file');
    const list = readAttachmentList(child(item?.node, 'Attachments'));
    assert.deepEqual(list.map((a) => [a.name, a.kind]), [['report.bin', 'file']]);
    const [content] = await getAttachments(client, list.map((a) => a.id));
    assert.deepEqual(content?.content, bytes);
  });

  test('GetFolder: a deleted folder is undefined when tolerated, ErrorFolderNotFound otherwise; a malformed id always fails', async () => {
    const box = sb.exchange.context.store.mailbox(address);
    assert.ok(box);
    const temp = box.createFolder('Temp');
    const found = (await findFolders(client, { distinguished: 'msgfolderroot' }, 'Deep')).find((f) => f.displayName === 'Temp');
    assert.ok(found);
    box.deleteFolder(temp);
    const [inbox, gone] = await getFolders(client, [{ distinguished: 'inbox' }, { id: found.id }], { tolerateMissing: true });
    assert.equal(inbox?.displayName, 'Inbox');
    assert.equal(gone, undefined);
    assert.equal((await getFolders(client, [{ id: found.id }]).catch((e: { code?: string }) => e.code)), 'EWS_FOLDER_NOT_FOUND');
    assert.equal((await getFolders(client, [{ id: 'not*base64' }], { tolerateMissing: true }).catch((e: { code?: string }) => e.code)), 'EWS_ID_MALFORMED');
  });
});

describe('EWS endpoint and diagnostics', () => {
  test('the endpoint is /EWS/Exchange.asmx under the server URL (Exchange Online or on-premises)', () => {
    const r = sb.resource(ALICE);
    const at = (host: string) => ewsEndpoint({ ...r, server: { ...r.server, host } }).href;
    assert.equal(at('https://outlook.office365.com'), 'https://outlook.office365.com/EWS/Exchange.asmx');
    assert.equal(at('https://mail.contoso.local/'), 'https://mail.contoso.local/EWS/Exchange.asmx');
    assert.equal(at('https://mail.contoso.local/EWS/Exchange.asmx'), 'https://mail.contoso.local/EWS/Exchange.asmx');
    assert.throws(() => at('http://mail.contoso.local'), (e: unknown) => e instanceof ConfigError && e.code === 'PLAINTEXT_AUTH_REFUSED');
    assert.throws(() => at('mail.contoso.local'), (e: unknown) => e instanceof ConfigError && e.code === 'EWS_URL_INVALID');
  });

  test('x-ms-diagnostics is read into code, reason and category', () => {
    assert.deepEqual(parseDiagnostics('2000008;reason="The token has expired.";error_category="invalid_token"'),
      { code: '2000008', reason: 'The token has expired.', category: 'invalid_token' });
    assert.deepEqual(parseDiagnostics(undefined), {});
  });
});
