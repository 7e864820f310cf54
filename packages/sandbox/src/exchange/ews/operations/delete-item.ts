import type { EwsCall } from '../context.js';
import { resolveItem } from '../lookup.js';
import { m } from '../xml.js';
import { each, schemaError, type Operation } from './types.js';

const DELETE_TYPES = ['HardDelete', 'SoftDelete', 'MoveToDeletedItems'];

/**
 * DeleteItem. SoftDelete puts an item in Recoverable Items at Exchange, which no client
 * protocol of the sandbox shows, so it removes the message as HardDelete does.
 * MoveToDeletedItems on an item already in Deleted Items soft-deletes it, as Exchange does.
 */
export const deleteItem: Operation = async (call: EwsCall, op) => {
  const type = op.attrs.DeleteType;
  if (!type || !DELETE_TYPES.includes(type)) throw schemaError("The required attribute 'DeleteType' is missing or invalid.");
  const ids = m(op, 'ItemIds')?.children ?? [];
  if (!ids.length) throw schemaError("The element 'DeleteItem' is missing 'ItemIds'.");
  return each('DeleteItemResponseMessage', ids, async (ref) => {
    const found = resolveItem(call, ref);
    if (found.kind === 'record') {
      found.folder.mailbox[found.folder.name].delete(found.rec.id);
      return {};
    }
    const folder = found.folder.folder;
    const deleted = found.folder.mailbox.folder('deleteditems');
    if (type === 'MoveToDeletedItems' && deleted && deleted !== folder) await folder.moveTo(found.msg.uid, deleted);
    else folder.expunge([found.msg.uid]);
    return {};
  });
};
