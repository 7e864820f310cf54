import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UnsupportedError } from '../../../src/errors.js';
import { buildRawMessage } from '../../../src/message/compose.js';
import { copyItemXml } from '../../../src/protocols/ews/copy-item.js';
import { createAttachmentXml } from '../../../src/protocols/ews/create-attachment.js';
import { createItemXml, mimeMessageXml } from '../../../src/protocols/ews/create-item.js';
import { deleteItemXml } from '../../../src/protocols/ews/delete-item.js';
import { entityItemXml, entityUpdates } from '../../../src/protocols/ews/entities.js';
import { findFolderXml } from '../../../src/protocols/ews/find-folder.js';
import { findItemXml } from '../../../src/protocols/ews/find-item.js';
import { getAttachmentXml } from '../../../src/protocols/ews/get-attachment.js';
import { getFolderXml } from '../../../src/protocols/ews/get-folder.js';
import { getItemXml } from '../../../src/protocols/ews/get-item.js';
import { moveItemXml } from '../../../src/protocols/ews/move-item.js';
import { conditionXml, messageFilterConditions, restrictionXml, type Condition } from '../../../src/protocols/ews/restriction.js';
import { envelope, type XmlElement } from '../../../src/protocols/ews/soap.js';
import { syncFolderItemsXml } from '../../../src/protocols/ews/sync-folder-items.js';
import { subscribeStreamingXml } from '../../../src/protocols/ews/subscribe.js';
import { getStreamingEventsXml } from '../../../src/protocols/ews/get-streaming-events.js';
import { unsubscribeXml } from '../../../src/protocols/ews/unsubscribe.js';
import { flagChange, readStateChange, updateItemXml } from '../../../src/protocols/ews/update-item.js';
import { documentsOf, validate } from './xsd.js';

const ID = 'AAMkADE4YjBkZDU0LTk1NjItNGRlNi1hMjM4LTBlNDYyZTNiMjIzNQBGAAAAAAA=';
const FOLDER = { id: 'AQMkADAwATM0MDAAMS1iNTcwLWI2NTEtMDACLTAwCgAuAAAD' };
const inbox = { distinguished: 'inbox' as const };

/** Every request shape the client sends, with and without impersonation. */
async function requests(): Promise<Array<{ name: string; body: XmlElement; impersonate?: string }>> {
  const mime = await buildRawMessage({ from: 'alice@contoso.onmicrosoft.com', to: ['bob@contoso.onmicrosoft.com'], subject: 'hi', text: 'hello' });
  const allOperators: Condition[] = [
    { field: 'subject', op: '=', value: 'x' }, { field: 'subject', op: '!=', value: 'y' },
    { field: 'size', op: '<', value: 10 }, { field: 'size', op: '<=', value: 10 }, { field: 'size', op: '>', value: 1 }, { field: 'size', op: '>=', value: 1 },
    { field: 'receivedAt', op: 'between', value: new Date('2024-05-01T00:00:00Z'), to: new Date('2024-06-01T00:00:00Z') },
    { field: 'subject', op: 'like', value: '%report%' }, { field: 'from', op: 'like', value: 'carol%' }, { field: 'subject', op: 'like', value: 'exact' },
    { field: 'isRead', op: '=', value: false }, { field: 'importance', op: '=', value: 'High' },
  ];
  return [
    { name: 'FindFolder', body: findFolderXml({ distinguished: 'msgfolderroot' }, 'Deep') },
    { name: 'FindFolder-shared', body: findFolderXml({ distinguished: 'msgfolderroot', mailbox: 'shared@contoso.onmicrosoft.com' }, 'Shallow') },
    { name: 'GetFolder', body: getFolderXml([inbox, { distinguished: 'sentitems' }, FOLDER]) },
    {
      name: 'FindItem-filter', body: findItemXml({
        folder: inbox, offset: 50, max: 50,
        restriction: restrictionXml(messageFilterConditions({ unseen: true, since: new Date('2024-05-01'), before: new Date('2024-06-01'), from: 'carol', subject: 'report', hasAttachments: true, larger: 10, smaller: 100000 })),
        sort: { field: 'item:DateTimeReceived', order: 'Descending' },
      }),
    },
    { name: 'FindItem-operators', body: findItemXml({ folder: FOLDER, restriction: restrictionXml(allOperators) }) },
    { name: 'FindItem-one', body: findItemXml({ folder: inbox, restriction: restrictionXml([{ field: 'hasAttachments', op: '=', value: true }]) }) },
    { name: 'FindItem-calendar', body: findItemXml({ folder: { distinguished: 'calendar' }, calendarView: { start: new Date('2024-05-01'), end: new Date('2024-05-08') } }) },
    { name: 'GetItem-mime', body: getItemXml([{ id: ID }], { mime: true, properties: ['message:IsRead', 'item:Flag', 'item:Size'] }) },
    { name: 'GetItem-summary', body: getItemXml([{ id: ID, changeKey: 'CQAAABYAAAA' }, { id: ID }], { properties: ['item:Subject', 'message:From', 'message:ToRecipients', 'item:Attachments'] }) },
    { name: 'GetItem-entity', body: getItemXml([{ id: ID }], { bodyType: 'Text', properties: ['calendar:Start', 'contacts:EmailAddresses', 'task:Status'] }) },
    { name: 'CreateItem-send', impersonate: 'alice@contoso.onmicrosoft.com', body: createItemXml({ items: [mimeMessageXml(mime)], disposition: 'SendAndSaveCopy', savedFolder: { distinguished: 'sentitems' } }) },
    { name: 'CreateItem-draft', body: createItemXml({ items: [mimeMessageXml(mime)], disposition: 'SaveOnly', savedFolder: { distinguished: 'drafts' } }) },
    {
      name: 'CreateItem-calendar', body: createItemXml({
        calendar: true, savedFolder: { distinguished: 'calendar' },
        items: [entityItemXml('calendar', { subject: 'Review', start: '2024-05-01T09:00:00+09:00', end: '2024-05-01T10:00:00+09:00', location: 'Room 1', body: 'agenda', attendees: ['bob@contoso.onmicrosoft.com'], isAllDay: false })],
      }),
    },
    {
      name: 'CreateItem-contact', body: createItemXml({
        savedFolder: { distinguished: 'contacts' },
        items: [entityItemXml('contacts', { displayName: 'Bob B', givenName: 'Bob', surname: 'B', companyName: 'Contoso', emailAddresses: ['bob@x.test', 'b2@x.test'], businessPhones: ['+81 3 0000 0000'] })],
      }),
    },
    { name: 'CreateItem-task', body: createItemXml({ savedFolder: { distinguished: 'tasks' }, items: [entityItemXml('tasks', { title: 'Do it', status: 'inProgress', dueDateTime: '2024-05-02T00:00:00Z', importance: 'high', body: 'b' })] }) },
    { name: 'UpdateItem-read-flag', body: updateItemXml([readStateChange({ id: ID }, true), flagChange({ id: ID, changeKey: 'CQ' }, false)], { message: true }) },
    {
      name: 'UpdateItem-calendar', body: updateItemXml([{ item: { id: ID }, updates: entityUpdates('calendar', { subject: 'New', start: '2024-05-01T09:00:00Z', end: '2024-05-01T11:00:00Z', location: undefined, attendees: ['a@x.test'], isAllDay: true, body: 'b' }) }], { calendar: true }),
    },
    { name: 'UpdateItem-contact', body: updateItemXml([{ item: { id: ID }, updates: entityUpdates('contacts', { displayName: 'B', emailAddresses: ['one@x.test'], businessPhones: ['1', '2'], surname: undefined }) }]) },
    { name: 'UpdateItem-task', body: updateItemXml([{ item: { id: ID }, updates: entityUpdates('tasks', { title: 'T', status: 'completed', importance: 'low', dueDateTime: undefined }) }]) },
    { name: 'MoveItem', body: moveItemXml([{ id: ID }, { id: ID }], { distinguished: 'deleteditems' }) },
    { name: 'CopyItem', body: copyItemXml([{ id: ID }], FOLDER) },
    { name: 'DeleteItem', body: deleteItemXml([{ id: ID }]) },
    { name: 'DeleteItem-calendar', body: deleteItemXml([{ id: ID }], { calendar: true, type: 'MoveToDeletedItems' }) },
    { name: 'DeleteItem-task', body: deleteItemXml([{ id: ID }], { task: true, type: 'SoftDelete' }) },
    { name: 'GetAttachment', body: getAttachmentXml(['AAMkAttach1', 'AAMkAttach2']) },
    { name: 'GetAttachment-mime', body: getAttachmentXml(['AAMkAttach1'], { mime: true }) },
    { name: 'CreateAttachment', body: createAttachmentXml({ id: ID, changeKey: 'CQ' }, [{ name: 'a.txt', contentType: 'text/plain', content: Buffer.from('abc') }, { name: 'logo.png', contentId: 'logo@x', isInline: true, content: Buffer.from([1, 2, 3]) }]) },
    { name: 'Subscribe-streaming', body: subscribeStreamingXml([inbox, FOLDER]) },
    { name: 'GetStreamingEvents', body: getStreamingEventsXml(['c3ViLTE=', 'c3ViLTI='], 45) },
    { name: 'Unsubscribe', body: unsubscribeXml('c3ViLTE=') },
    { name: 'SyncFolderItems-first', body: syncFolderItemsXml({ folder: inbox, max: 10, shape: { properties: ['item:Subject'] } }) },
    { name: 'SyncFolderItems-next', impersonate: 'alice@contoso.onmicrosoft.com', body: syncFolderItemsXml({ folder: FOLDER, syncState: 'H4sIAAA=', max: 9999 }) },
  ];
}

describe('EWS requests against Microsoft\'s schema (test/fixtures/ews-schema, xmllint)', () => {
  test('every request shape the client builds validates, envelope header included', async () => {
    const docs = (await requests()).flatMap((r) => documentsOf(envelope({ body: r.body, ...(r.impersonate ? { impersonate: r.impersonate } : {}) }))
      .map((xml, i) => ({ name: `${r.name}-${i}`, xml })));
    // Body plus RequestServerVersion for each, ExchangeImpersonation for the impersonating two.
    assert.equal(docs.filter((d) => d.xml.includes('ExchangeImpersonation')).length, 2);
    assert.deepEqual(await validate(docs), []);
  });

  test('the schema check can fail: an element out of schema order is reported', async () => {
    // ItemIds before ItemShape breaks GetItemType's sequence.
    const bad = '<m:GetItem><m:ItemIds><t:ItemId Id="x"/></m:ItemIds><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape></m:GetItem>';
    const [doc] = documentsOf(`<soap:Header></soap:Header><soap:Body>${bad}</soap:Body>`);
    assert.ok(doc);
    const failures = await validate([{ name: 'bad', xml: doc }]);
    assert.ok(failures.some((f) => /ItemIds|ItemShape/.test(f)), failures.join('\n'));
  });

  test('like maps to containment modes; an ends-with pattern is refused before any request', () => {
    const xml = (c: Condition) => JSON.stringify(conditionXml(c));
    assert.match(xml({ field: 'subject', op: 'like', value: '%q3%' }), /"ContainmentMode":"Substring"/);
    assert.match(xml({ field: 'subject', op: 'like', value: 'q3%' }), /"ContainmentMode":"Prefixed"/);
    assert.match(xml({ field: 'subject', op: 'like', value: 'q3' }), /"ContainmentMode":"FullString"/);
    assert.throws(() => conditionXml({ field: 'subject', op: 'like', value: '%q3' }), (e: unknown) => e instanceof UnsupportedError && e.code === 'FILTER_LIKE_UNSUPPORTED' && /Graph/.test(e.hint));
    assert.throws(() => conditionXml({ field: 'nonsense', op: '=', value: 1 }), /cannot filter on "nonsense"/);
    assert.throws(() => conditionXml({ field: 'size', op: 'between', value: 1 }), /upper bound/);
  });
});
