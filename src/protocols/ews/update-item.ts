/**
 * UpdateItem: set or clear properties of items (read state, flag, calendar/contact/task
 * fields). AlwaysOverwrite: mailbridge does not hold change keys across a user's edits.
 */
import { responseMessages, type EwsClient } from './client.js';
import { itemIdXml, assertIds, type ItemRef } from './ids.js';
import { readItems } from './items.js';
import { child, el, type XmlElement } from './soap.js';

/** One property to set: the FieldURI and the item element carrying the new value. */
export function setField(fieldUri: string, itemElement: string, value: XmlElement): XmlElement {
  return el('t:SetItemField', {}, el('t:FieldURI', { FieldURI: fieldUri }), el(itemElement, {}, value));
}

/** An indexed property (a contact's EmailAddress1, BusinessPhone…). */
export function setIndexedField(fieldUri: string, index: string, itemElement: string, value: XmlElement): XmlElement {
  return el('t:SetItemField', {}, el('t:IndexedFieldURI', { FieldURI: fieldUri, FieldIndex: index }), el(itemElement, {}, value));
}

export function deleteField(fieldUri: string): XmlElement {
  return el('t:DeleteItemField', {}, el('t:FieldURI', { FieldURI: fieldUri }));
}

export function deleteIndexedField(fieldUri: string, index: string): XmlElement {
  return el('t:DeleteItemField', {}, el('t:IndexedFieldURI', { FieldURI: fieldUri, FieldIndex: index }));
}

export interface ItemChange {
  item: ItemRef;
  updates: XmlElement[];
}

export interface UpdateItemOptions {
  /** Messages: SaveOnly (never re-sends). */
  message?: boolean;
  /** Calendar items: no update mails to attendees. */
  calendar?: boolean;
}

export function updateItemXml(changes: readonly ItemChange[], o: UpdateItemOptions = {}): XmlElement {
  assertIds(changes.map((c) => c.item));
  return el('m:UpdateItem', {
    ConflictResolution: 'AlwaysOverwrite',
    MessageDisposition: o.message ? 'SaveOnly' : undefined,
    SendMeetingInvitationsOrCancellations: o.calendar ? 'SendToNone' : undefined,
    SuppressReadReceipts: o.message ? true : undefined,
  }, el('m:ItemChanges', {}, ...changes.map((c) => el('t:ItemChange', {}, itemIdXml(c.item), el('t:Updates', {}, ...c.updates)))));
}

/** The items' new ids/change keys, in request order. */
export async function updateItems(client: EwsClient, changes: readonly ItemChange[], o: UpdateItemOptions = {}): Promise<ItemRef[]> {
  const resp = await client.call('UpdateItem', updateItemXml(changes, o));
  return responseMessages(resp).flatMap((m) => readItems(child(m, 'Items')).map(({ id, changeKey }) => ({ id, ...(changeKey ? { changeKey } : {}) })));
}

/** Read state of messages. */
export function readStateChange(item: ItemRef, read: boolean): ItemChange {
  return { item, updates: [setField('message:IsRead', 't:Message', el('t:IsRead', {}, String(read)))] };
}

/** Follow-up flag of messages (Outlook's flag; IMAP \Flagged in Exchange). */
export function flagChange(item: ItemRef, flagged: boolean): ItemChange {
  return { item, updates: [setField('item:Flag', 't:Message', el('t:Flag', {}, el('t:FlagStatus', {}, flagged ? 'Flagged' : 'NotFlagged')))] };
}
