import { resolveFolder, serializeFolder } from '../folders.js';
import { m, tText } from '../xml.js';
import { each, schemaError, type Operation } from './types.js';

export const getFolder: Operation = async (call, op) => {
  const shapeNode = m(op, 'FolderShape');
  if (!shapeNode) throw schemaError("The element 'GetFolder' is missing 'FolderShape'.");
  const shape = tText(shapeNode, 'BaseShape') ?? 'Default';
  const ids = m(op, 'FolderIds')?.children ?? [];
  if (!ids.length) throw schemaError("The element 'GetFolder' is missing 'FolderIds'.");
  return each('GetFolderResponseMessage', ids, async (ref) => {
    const { element, body } = serializeFolder(resolveFolder(call, ref), shape);
    return { 'm:Folders': { [element]: body } };
  }, {});
};
