import type { Folder, SandboxMailbox } from '../contract.js';
import { mailboxFor, type EwsCall } from './context.js';
import { folderId, parseFolderId } from './ids.js';
import { EwsError } from './soap.js';
import { NS, t, tText, type XNode, type XmlObject } from './xml.js';

/**
 * EWS folders over the store: the store's mail folders, the calendar/contacts/tasks item
 * collections shown as their folders, and the two roots (root, msgfolderroot) above them.
 */

export type CollectionName = 'calendar' | 'contacts' | 'tasks';
export const COLLECTIONS: readonly CollectionName[] = ['calendar', 'contacts', 'tasks'];

export type EwsFolder =
  | { kind: 'mail'; mailbox: SandboxMailbox; folder: Folder }
  | { kind: 'collection'; mailbox: SandboxMailbox; name: CollectionName }
  | { kind: 'root'; mailbox: SandboxMailbox; name: 'root' | 'msgfolderroot' };

/** Virtual folders get store-like ids that no store id can collide with (store ids are base64url). */
const virtualId = (name: string) => `#${name}`;

const COLLECTION_INFO: Record<CollectionName, { element: string; displayName: string; folderClass: string }> = {
  calendar: { element: 't:CalendarFolder', displayName: 'Calendar', folderClass: 'IPF.Appointment' },
  contacts: { element: 't:ContactsFolder', displayName: 'Contacts', folderClass: 'IPF.Contact' },
  tasks: { element: 't:TasksFolder', displayName: 'Tasks', folderClass: 'IPF.Task' },
};

function byStoreId(mailbox: SandboxMailbox, storeId: string): EwsFolder | undefined {
  if (storeId.startsWith('#')) return byName(mailbox, storeId.slice(1));
  const folder = mailbox.folders().find((f) => f.id === storeId);
  return folder ? { kind: 'mail', mailbox, folder } : undefined;
}

function byName(mailbox: SandboxMailbox, name: string): EwsFolder | undefined {
  if (name === 'root' || name === 'msgfolderroot') return { kind: 'root', mailbox, name };
  if ((COLLECTIONS as readonly string[]).includes(name)) return { kind: 'collection', mailbox, name: name as CollectionName };
  const folder = mailbox.folders().find((f) => f.wellKnown === name);
  return folder ? { kind: 'mail', mailbox, folder } : undefined;
}

/** Resolve a t:DistinguishedFolderId or t:FolderId element. */
export function resolveFolder(call: EwsCall, ref: XNode | undefined): EwsFolder {
  if (!ref || ref.ns !== NS.t) throw new EwsError('ErrorInvalidRequest', 'A folder id (t:FolderId or t:DistinguishedFolderId) is required.');
  if (ref.name === 'DistinguishedFolderId') {
    const mailbox = mailboxFor(call, tText(t(ref, 'Mailbox'), 'EmailAddress'));
    const name = ref.attrs.Id ?? '';
    const found = byName(mailbox, name);
    if (!found) throw new EwsError('ErrorFolderNotFound', 'The specified folder could not be found in the store.');
    return found;
  }
  if (ref.name === 'FolderId') {
    const storeId = parseFolderId(ref.attrs.Id);
    for (const mailbox of candidateMailboxes(call)) {
      const found = byStoreId(mailbox, storeId);
      if (found) return found;
    }
    throw new EwsError('ErrorFolderNotFound', 'The specified folder could not be found in the store.');
  }
  throw new EwsError('ErrorInvalidRequest', `<${ref.name}> is not a folder id.`);
}

/** FolderIds are global at Exchange: look in the call's mailbox first, then in mailboxes the caller may open. */
function candidateMailboxes(call: EwsCall): SandboxMailbox[] {
  const others = call.ctx.store.mailboxes().filter((mb) => mb !== call.mailbox && call.ctx.tokens.canAccess(call.principal, mb.address));
  return [call.mailbox, ...others];
}

/** The first element child of a wrapper (m:ParentFolderIds, m:ToFolderId…), i.e. the folder id itself. */
export const firstFolderRef = (wrapper: XNode | undefined): XNode | undefined => wrapper?.children[0];

export function ewsFolderId(f: EwsFolder): string {
  if (f.kind === 'mail') return folderId(f.folder.id);
  return folderId(virtualId(f.name));
}

/** Folders directly below `parent`. */
export function childFolders(parent: EwsFolder): EwsFolder[] {
  const { mailbox } = parent;
  if (parent.kind === 'root') {
    if (parent.name === 'root') return [{ kind: 'root', mailbox, name: 'msgfolderroot' }];
    const top: EwsFolder[] = mailbox.folders().filter((f) => !f.parentId).map((folder) => ({ kind: 'mail', mailbox, folder }));
    return [...top, ...COLLECTIONS.map((name): EwsFolder => ({ kind: 'collection', mailbox, name }))];
  }
  if (parent.kind === 'collection') return [];
  return mailbox.folders().filter((f) => f.parentId === parent.folder.id).map((folder) => ({ kind: 'mail', mailbox, folder }));
}

function parentOf(f: EwsFolder): EwsFolder | undefined {
  if (f.kind === 'root') return f.name === 'root' ? undefined : { kind: 'root', mailbox: f.mailbox, name: 'root' };
  if (f.kind === 'mail' && f.folder.parentId) return byStoreId(f.mailbox, f.folder.parentId);
  return { kind: 'root', mailbox: f.mailbox, name: 'msgfolderroot' };
}

function itemCount(f: EwsFolder): { total: number; unread?: number } {
  if (f.kind === 'mail') {
    const c = f.folder.counts();
    return { total: c.total, unread: c.unseen };
  }
  if (f.kind === 'collection') return { total: f.mailbox[f.name].list().length, ...(f.name === 'tasks' ? { unread: 0 } : {}) };
  return { total: 0, unread: 0 };
}

/** One folder as t:Folder / t:CalendarFolder / …, BaseFolderType elements in schema order. */
export function serializeFolder(f: EwsFolder, baseShape: string): { element: string; body: XmlObject } {
  const info = f.kind === 'collection' ? COLLECTION_INFO[f.name] : undefined;
  const element = info?.element ?? 't:Folder';
  const id = { '@_Id': ewsFolderId(f), '@_ChangeKey': 'AQAAAA==' };
  if (baseShape === 'IdOnly') return { element, body: { 't:FolderId': id } };
  const parent = parentOf(f);
  const counts = itemCount(f);
  const displayName = f.kind === 'mail' ? f.folder.name : info?.displayName ?? (f.kind === 'root' && f.name === 'root' ? 'Root' : 'Top of Information Store');
  return {
    element,
    body: {
      't:FolderId': id,
      ...(parent ? { 't:ParentFolderId': { '@_Id': ewsFolderId(parent), '@_ChangeKey': 'AQAAAA==' } } : {}),
      't:FolderClass': info?.folderClass ?? 'IPF.Note',
      't:DisplayName': displayName,
      't:TotalCount': counts.total,
      't:ChildFolderCount': childFolders(f).length,
      // UnreadCount belongs to FolderType (t:Folder, t:TasksFolder), not to calendar/contacts folders.
      ...(counts.unread !== undefined ? { 't:UnreadCount': counts.unread } : {}),
    },
  };
}
