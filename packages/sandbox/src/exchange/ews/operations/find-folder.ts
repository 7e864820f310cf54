import { childFolders, resolveFolder, serializeFolder, type EwsFolder } from '../folders.js';
import { EwsError } from '../soap.js';
import { m, tText, type XmlObject } from '../xml.js';
import { each, schemaError, type Operation } from './types.js';

function descendants(f: EwsFolder, deep: boolean): EwsFolder[] {
  const direct = childFolders(f);
  return deep ? direct.flatMap((c) => [c, ...descendants(c, true)]) : direct;
}

export const findFolder: Operation = async (call, op) => {
  const traversal = op.attrs.Traversal;
  if (traversal !== 'Shallow' && traversal !== 'Deep' && traversal !== 'SoftDeleted') throw schemaError("The required attribute 'Traversal' is missing or invalid.");
  const shapeNode = m(op, 'FolderShape');
  if (!shapeNode) throw schemaError("The element 'FindFolder' is missing 'FolderShape'.");
  const shape = tText(shapeNode, 'BaseShape') ?? 'Default';
  const parents = m(op, 'ParentFolderIds')?.children ?? [];
  if (!parents.length) throw schemaError("The element 'FindFolder' is missing 'ParentFolderIds'.");
  const view = m(op, 'IndexedPageFolderView');
  const offset = Number(view?.attrs.Offset ?? 0);
  const max = view?.attrs.MaxEntriesReturned === undefined ? 1000 : Number(view.attrs.MaxEntriesReturned);
  if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(max) || max < 1) throw new EwsError('ErrorInvalidPagingMaxRows', 'The paging values are invalid.');
  return each('FindFolderResponseMessage', parents, async (ref) => {
    const all = traversal === 'SoftDeleted' ? [] : descendants(resolveFolder(call, ref), traversal === 'Deep');
    const page = all.slice(offset, offset + max);
    const folders: Record<string, XmlObject[]> = {};
    for (const f of page) {
      const { element, body } = serializeFolder(f, shape);
      (folders[element] ??= []).push(body);
    }
    return {
      'm:RootFolder': {
        '@_IndexedPagingOffset': offset + page.length,
        '@_TotalItemsInView': all.length,
        '@_IncludesLastItemInRange': offset + page.length >= all.length,
        't:Folders': page.length ? folders : '',
      },
    };
  });
};
