/** FindFolder: the folder tree under a folder (Deep) or its children (Shallow). */
import type { EwsClient } from './client.js';
import { folderIdXml, type FolderRef } from './ids.js';
import { responseMessages } from './client.js';
import { attr, child, childEntries, el, int, path, text, type XmlObject } from './soap.js';

export interface EwsFolder {
  id: string;
  changeKey?: string;
  parentId?: string;
  displayName: string;
  /** IPF.Note (mail), IPF.Appointment, IPF.Contact, IPF.Task… */
  folderClass?: string;
  totalCount?: number;
  unreadCount?: number;
  childFolderCount?: number;
}

export const FOLDER_PROPERTIES = ['folder:DisplayName', 'folder:ParentFolderId', 'folder:FolderClass', 'folder:TotalCount', 'folder:UnreadCount', 'folder:ChildFolderCount'];

/** Default (names and counts) plus the parent and class the folder tree needs. */
export function folderShapeXml(): ReturnType<typeof el> {
  return el('m:FolderShape', {},
    el('t:BaseShape', {}, 'Default'),
    el('t:AdditionalProperties', {}, ...FOLDER_PROPERTIES.map((f) => el('t:FieldURI', { FieldURI: f }))));
}

export function findFolderXml(parent: FolderRef, traversal: 'Shallow' | 'Deep'): ReturnType<typeof el> {
  return el('m:FindFolder', { Traversal: traversal },
    folderShapeXml(),
    el('m:ParentFolderIds', {}, folderIdXml(parent)));
}

export async function findFolders(client: EwsClient, parent: FolderRef, traversal: 'Shallow' | 'Deep' = 'Deep'): Promise<EwsFolder[]> {
  const resp = await client.call('FindFolder', findFolderXml(parent, traversal));
  return responseMessages(resp).flatMap((m) => readFolders(path(m, 'RootFolder', 'Folders')));
}

const FOLDER_ELEMENTS = new Set(['Folder', 'CalendarFolder', 'ContactsFolder', 'TasksFolder', 'SearchFolder']);

/** Folder, CalendarFolder, ContactsFolder, TasksFolder, SearchFolder: all read alike. */
export function readFolders(folders: XmlObject | undefined): EwsFolder[] {
  return childEntries(folders).filter(([name]) => FOLDER_ELEMENTS.has(name)).map(([, f]) => readFolder(f)).filter((f): f is EwsFolder => f !== undefined);
}

export function readFolder(f: XmlObject): EwsFolder | undefined {
  const idNode = child(f, 'FolderId');
  const id = attr(idNode, 'Id');
  if (id === undefined) return undefined;
  const changeKey = attr(idNode, 'ChangeKey');
  const parentId = attr(child(f, 'ParentFolderId'), 'Id');
  const folderClass = text(f, 'FolderClass');
  const totalCount = int(f, 'TotalCount');
  const unreadCount = int(f, 'UnreadCount');
  const childFolderCount = int(f, 'ChildFolderCount');
  return {
    id,
    ...(changeKey ? { changeKey } : {}),
    ...(parentId ? { parentId } : {}),
    displayName: text(f, 'DisplayName') ?? '',
    ...(folderClass ? { folderClass } : {}),
    ...(totalCount !== undefined ? { totalCount } : {}),
    ...(unreadCount !== undefined ? { unreadCount } : {}),
    ...(childFolderCount !== undefined ? { childFolderCount } : {}),
  };
}
