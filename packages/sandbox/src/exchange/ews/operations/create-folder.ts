import { firstFolderRef, resolveFolder, serializeFolder } from '../folders.js';
import { EwsError } from '../soap.js';
import { m, tText, type XNode } from '../xml.js';
import { each, schemaError, type Operation } from './types.js';

/**
 * CreateFolder: mail folders (t:Folder, FolderClass IPF.Note or none) below a mail folder or
 * msgfolderroot; a sibling with the same name is ErrorFolderExists. Calendar, contact and task
 * folders cannot be created in the sandbox (one of each).
 * https://learn.microsoft.com/exchange/client-developer/web-service-reference/createfolder-operation
 */
export const createFolder: Operation = async (call, op) => {
  const parentRef = firstFolderRef(m(op, 'ParentFolderId'));
  if (!parentRef) throw schemaError("The element 'CreateFolder' is missing 'ParentFolderId'.");
  const folders = m(op, 'Folders')?.children ?? [];
  if (!folders.length) throw schemaError("The element 'CreateFolder' is missing 'Folders'.");
  const parent = resolveFolder(call, parentRef);
  return each(
    'CreateFolderResponseMessage',
    folders,
    async (node: XNode) => {
      const name = tText(node, 'DisplayName');
      if (!name) throw new EwsError('ErrorInvalidFolderName', 'The folder name is missing or empty.');
      const folderClass = tText(node, 'FolderClass');
      if (node.name !== 'Folder' || (folderClass && !folderClass.startsWith('IPF.Note'))) {
        throw new EwsError('ErrorInvalidOperation', 'The sandbox creates mail folders only (t:Folder, IPF.Note).');
      }
      if (parent.kind === 'collection' || (parent.kind === 'root' && parent.name === 'root')) {
        throw new EwsError(
          'ErrorInvalidOperation',
          'Mail folders can be created under msgfolderroot or a mail folder only.',
        );
      }
      const under = parent.kind === 'mail' ? parent.folder : undefined;
      const siblings = parent.mailbox.folders().filter((f) => f.parentId === under?.id);
      if (siblings.some((f) => f.name.toLowerCase() === name.toLowerCase())) {
        throw new EwsError('ErrorFolderExists', 'A folder with the specified name already exists.');
      }
      const created = parent.mailbox.createFolder(name, under);
      const { element, body } = serializeFolder({ kind: 'mail', mailbox: parent.mailbox, folder: created }, 'IdOnly');
      return { 'm:Folders': { [element]: body } };
    },
    { 'm:Folders': '' },
  );
};
