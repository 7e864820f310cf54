import { COLLECTION_ELEMENT, itemShapeOf, MESSAGE_ELEMENT, serializeMessage, serializeRecord } from '../items.js';
import { resolveItem, type FoundItem } from '../lookup.js';
import type { EwsCall } from '../context.js';
import type { ItemShape } from '../items.js';
import type { XmlObject } from '../xml.js';
import { m } from '../xml.js';
import { each, schemaError, type Operation } from './types.js';

/** One found item as the content of m:Items (t:Message, t:CalendarItem…). */
export async function itemsElement(found: FoundItem, shape: ItemShape): Promise<XmlObject> {
  if (found.kind === 'message') return { [MESSAGE_ELEMENT]: await serializeMessage(found.folder, found.msg, shape) };
  return { [COLLECTION_ELEMENT[found.folder.name]]: await serializeRecord(found.folder, found.rec, shape) };
}

export const getItem: Operation = async (call: EwsCall, op) => {
  if (!m(op, 'ItemShape')) throw schemaError("The element 'GetItem' is missing 'ItemShape'.");
  const ids = m(op, 'ItemIds')?.children ?? [];
  if (!ids.length) throw schemaError("The element 'GetItem' is missing 'ItemIds'.");
  const shape = itemShapeOf(op, false);
  return each('GetItemResponseMessage', ids, async (ref) => ({ 'm:Items': await itemsElement(resolveItem(call, ref), shape) }), { 'm:Items': '' });
};
