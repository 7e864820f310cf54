import type { GraphHttp } from './http.js';
import { collect } from './paging.js';
import { mailFolderSchema, type GraphMailFolder } from './schemas.js';
import { seg } from './target.js';

/** Mail folders (microsoft.md §5.2): the tree under msgfolderroot, and the well-known names. */

export const WELL_KNOWN_FOLDER_NAMES = ['inbox', 'sentitems', 'drafts', 'deleteditems', 'junkemail', 'archive', 'outbox'] as const;

export interface FolderNode {
  folder: GraphMailFolder;
  /** Display names from the top, joined by '/' ("Inbox/Projects"). */
  path: string;
}

const FOLDER_SELECT = 'id,displayName,parentFolderId,childFolderCount,totalItemCount,unreadItemCount';

/** Every folder, depth first, with its path. */
export async function listMailFolders(http: GraphHttp, prefix: string): Promise<FolderNode[]> {
  const out: FolderNode[] = [];
  async function walk(url: string, parentPath: string): Promise<void> {
    const folders = await collect(http, { method: 'GET', url, query: { $select: FOLDER_SELECT, $top: 100 } }, mailFolderSchema);
    for (const folder of folders) {
      const path = parentPath ? `${parentPath}/${folder.displayName}` : folder.displayName;
      out.push({ folder, path });
      if ((folder.childFolderCount ?? 0) > 0) await walk(`${prefix}/mailFolders/${seg(folder.id)}/childFolders`, path);
    }
  }
  await walk(`${prefix}/mailFolders`, '');
  return out;
}

/** One folder by id or well-known name. */
export function getMailFolder(http: GraphHttp, prefix: string, idOrName: string): Promise<GraphMailFolder> {
  return http.json({ method: 'GET', url: `${prefix}/mailFolders/${seg(idOrName)}`, query: { $select: FOLDER_SELECT } }, mailFolderSchema);
}
