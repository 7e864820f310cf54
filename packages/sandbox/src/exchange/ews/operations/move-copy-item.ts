import type { EwsCall } from '../context.js';
import { firstFolderRef, resolveFolder } from '../folders.js';
import { itemId } from '../ids.js';
import { resolveItem } from '../lookup.js';
import { EwsError } from '../soap.js';
import { m, type XNode } from '../xml.js';
import { each, schemaError, type Operation } from './types.js';

/** MoveItem and CopyItem: the copy or moved message gets a new id, returned as Exchange does (ReturnNewItemIds). */
function moveOrCopy(name: 'MoveItem' | 'CopyItem'): Operation {
  return async (call: EwsCall, op: XNode) => {
    const toRef = firstFolderRef(m(op, 'ToFolderId'));
    if (!toRef) throw schemaError(`The element '${name}' is missing 'ToFolderId'.`);
    const ids = m(op, 'ItemIds')?.children ?? [];
    if (!ids.length) throw schemaError(`The element '${name}' is missing 'ItemIds'.`);
    const returnIds = m(op, 'ReturnNewItemIds')?.text.trim() !== 'false';
    return each(`${name}ResponseMessage`, ids, async (ref) => {
      const found = resolveItem(call, ref);
      const target = resolveFolder(call, toRef);
      if (found.kind !== 'message' || target.kind !== 'mail') {
        throw new EwsError('ErrorMoveCopyFailed', 'The sandbox moves and copies messages between mail folders only.');
      }
      const source = found.folder.folder;
      const result = name === 'MoveItem' ? await source.moveTo(found.msg.uid, target.folder) : await source.copyTo(found.msg.uid, target.folder);
      if (!returnIds) return { 'm:Items': '' };
      return { 'm:Items': { 't:Message': { 't:ItemId': { '@_Id': itemId('message', result.id), '@_ChangeKey': result.changeKey } } } };
    }, { 'm:Items': '' });
  };
}

export const moveItem = moveOrCopy('MoveItem');
export const copyItem = moveOrCopy('CopyItem');
