import type { EwsCall } from '../context.js';
import { itemId } from '../ids.js';
import { categoriesOf } from '../items.js';
import { assertChangeKey, resolveItem, type FoundItem } from '../lookup.js';
import { recordFields } from '../records.js';
import { EwsError } from '../soap.js';
import { m, t, ts, tText, type XNode, type XmlObject } from '../xml.js';
import { each, schemaError, type Operation } from './types.js';

/**
 * UpdateItem. Messages are stored as MIME, so what can change on them is what Exchange keeps
 * outside the content: read state, follow-up flag and categories (IMAP \Seen, \Flagged,
 * keywords); other message properties are refused with ErrorInvalidPropertySet.
 */

const CONFLICT = ['NeverOverwrite', 'AutoResolve', 'AlwaysOverwrite'];

/** The new flag set after one SetItemField / AppendToItemField / DeleteItemField on a message. */
function applyToFlags(flags: Set<string>, update: XNode): void {
  const uri = t(update, 'FieldURI')?.attrs.FieldURI;
  const message = t(update, 'Message') ?? t(update, 'Item');
  const kind = update.name;
  switch (uri) {
    case 'message:IsRead': {
      const v = kind === 'DeleteItemField' ? 'false' : tText(message, 'IsRead');
      if (v !== 'true' && v !== 'false') throw new EwsError('ErrorInvalidValueForProperty', 'IsRead must be true or false.');
      if (v === 'true') flags.add('\\Seen'); else flags.delete('\\Seen');
      return;
    }
    case 'item:Flag': {
      const status = kind === 'DeleteItemField' ? 'NotFlagged' : tText(t(message, 'Flag'), 'FlagStatus');
      if (status === 'Flagged') flags.add('\\Flagged');
      else if (status === 'NotFlagged' || status === 'Complete') flags.delete('\\Flagged');
      else throw new EwsError('ErrorInvalidValueForProperty', 'FlagStatus must be NotFlagged, Flagged or Complete.');
      return;
    }
    case 'item:Categories': {
      const given = ts(t(message, 'Categories'), 'String').map((s) => s.text.trim()).filter(Boolean);
      if (kind !== 'AppendToItemField') for (const c of categoriesOf(flags)) flags.delete(c);
      if (kind !== 'DeleteItemField') for (const c of given) flags.add(c);
      return;
    }
    default:
      throw new EwsError('ErrorInvalidPropertySet', `The property ${uri ?? '(none)'} can't be set on a message in the sandbox (IsRead, Flag and Categories can).`);
  }
}

async function updateOne(call: EwsCall, change: XNode, conflict: string): Promise<XmlObject> {
  const idNode = t(change, 'ItemId');
  const found: FoundItem = resolveItem(call, idNode);
  const updates = t(change, 'Updates')?.children ?? [];
  if (found.kind === 'message') {
    if (conflict === 'NeverOverwrite') assertChangeKey(idNode, found.msg.changeKey);
    const flags = new Set(found.msg.flags);
    for (const u of updates) applyToFlags(flags, u);
    const updated = found.folder.folder.setFlags(found.msg.uid, flags);
    return {
      'm:Items': { 't:Message': { 't:ItemId': { '@_Id': itemId('message', updated.id), '@_ChangeKey': updated.changeKey } } },
      'm:ConflictResults': { 't:Count': 0 },
    };
  }
  if (conflict === 'NeverOverwrite') assertChangeKey(idNode, found.rec.changeKey);
  const coll = found.folder.name;
  const patch: Record<string, unknown> = {};
  for (const u of updates) {
    const itemNode = u.children.find((c) => c.name !== 'FieldURI' && c.name !== 'IndexedFieldURI' && c.name !== 'ExtendedFieldURI');
    if (u.name === 'DeleteItemField') {
      const uri = t(u, 'FieldURI')?.attrs.FieldURI ?? '';
      const field = FIELD_FOR_DELETE[uri];
      if (!field) throw new EwsError('ErrorInvalidPropertySet', `The property ${uri} can't be deleted in the sandbox.`);
      patch[field] = null;
    } else if (itemNode) {
      Object.assign(patch, recordFields(coll, itemNode));
    }
  }
  const rec = found.folder.mailbox[coll].update(found.rec.id, patch);
  if (!rec) throw new EwsError('ErrorItemNotFound', 'The specified object was not found in the store.');
  return {
    'm:Items': { [`t:${{ calendar: 'CalendarItem', contacts: 'Contact', tasks: 'Task' }[coll]}`]: { 't:ItemId': { '@_Id': itemId(coll, rec.id), '@_ChangeKey': rec.changeKey } } },
    'm:ConflictResults': { 't:Count': 0 },
  };
}

const FIELD_FOR_DELETE: Record<string, string> = {
  'item:Body': 'body', 'calendar:Location': 'location', 'contacts:CompanyName': 'companyName', 'contacts:JobTitle': 'jobTitle', 'task:DueDate': 'dueDateTime',
};

export const updateItem: Operation = async (call, op) => {
  const conflict = op.attrs.ConflictResolution;
  if (!conflict || !CONFLICT.includes(conflict)) throw schemaError("The required attribute 'ConflictResolution' is missing or invalid.");
  const disposition = op.attrs.MessageDisposition;
  if (disposition && disposition !== 'SaveOnly') {
    throw new EwsError('ErrorInvalidOperation', 'The sandbox updates items with MessageDisposition SaveOnly only; send drafts with CreateItem.');
  }
  const changes = m(op, 'ItemChanges')?.children ?? [];
  if (!changes.length) throw schemaError("The element 'UpdateItem' is missing 'ItemChanges'.");
  return each('UpdateItemResponseMessage', changes, (change) => updateOne(call, change, conflict), { 'm:Items': '' });
};
