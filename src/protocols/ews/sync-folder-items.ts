/**
 * SyncFolderItems: what changed in a folder since a sync state (none: everything, as
 * creates). Callers keep `syncState` and call again while `includesLastItemInRange` is false.
 */
import { responseMessages, type EwsClient } from './client.js';
import { folderIdXml, type FolderRef } from './ids.js';
import { readItems, type EwsItem } from './items.js';
import { itemShapeXml, type ItemShape } from './shape.js';
import { attr, bool, child, childEntries, el, leaf, text, type XmlElement } from './soap.js';

export interface SyncRequest {
  folder: FolderRef;
  syncState?: string;
  /** 1..512 (the schema's bounds); default 512. */
  max?: number;
  shape?: ItemShape;
}

export interface SyncResult {
  syncState: string;
  includesLastItemInRange: boolean;
  created: EwsItem[];
  updated: EwsItem[];
  deleted: string[];
  readFlagChanged: Array<{ id: string; isRead: boolean }>;
}

export function syncFolderItemsXml(r: SyncRequest): XmlElement {
  const max = Math.min(512, Math.max(1, r.max ?? 512));
  return el('m:SyncFolderItems', {},
    itemShapeXml(r.shape),
    el('m:SyncFolderId', {}, folderIdXml(r.folder)),
    leaf('m:SyncState', r.syncState),
    el('m:MaxChangesReturned', {}, String(max)));
}

export async function syncFolderItems(client: EwsClient, r: SyncRequest): Promise<SyncResult> {
  const resp = await client.call('SyncFolderItems', syncFolderItemsXml(r));
  const m = responseMessages(resp)[0];
  const changes = child(m, 'Changes');
  const out: SyncResult = {
    syncState: text(m, 'SyncState') ?? '',
    includesLastItemInRange: bool(m, 'IncludesLastItemInRange') ?? true,
    created: [], updated: [], deleted: [], readFlagChanged: [],
  };
  for (const [kind, c] of childEntries(changes)) {
    if (kind === 'Create') out.created.push(...readItems(c));
    else if (kind === 'Update') out.updated.push(...readItems(c));
    else if (kind === 'Delete') {
      const id = attr(child(c, 'ItemId'), 'Id');
      if (id) out.deleted.push(id);
    } else if (kind === 'ReadFlagChange') {
      const id = attr(child(c, 'ItemId'), 'Id');
      if (id) out.readFlagChanged.push({ id, isRead: bool(c, 'IsRead') ?? false });
    }
  }
  return out;
}
