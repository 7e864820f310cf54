/**
 * Folder and item ids in requests: distinguished folders by name (optionally in another
 * user's mailbox), other folders and items by their opaque EWS ids.
 */
import { ConfigError } from '../../errors.js';
import { el, type XmlElement } from './soap.js';

/** The distinguished folder names mailbridge resolves by name (the schema has many more). */
export const DISTINGUISHED_FOLDERS = [
  'inbox', 'sentitems', 'drafts', 'deleteditems', 'junkemail', 'outbox', 'msgfolderroot', 'root',
  'calendar', 'contacts', 'tasks', 'notes', 'journal', 'archivemsgfolderroot', 'searchfolders',
] as const;
export type DistinguishedFolder = (typeof DISTINGUISHED_FOLDERS)[number];

export function isDistinguished(name: string): name is DistinguishedFolder {
  return (DISTINGUISHED_FOLDERS as readonly string[]).includes(name);
}

export type FolderRef =
  | { distinguished: DistinguishedFolder; mailbox?: string }
  | { id: string; changeKey?: string };

export interface ItemRef {
  id: string;
  changeKey?: string;
}

/** `<t:DistinguishedFolderId>` or `<t:FolderId>`. */
export function folderIdXml(ref: FolderRef): XmlElement {
  if ('distinguished' in ref) {
    return el('t:DistinguishedFolderId', { Id: ref.distinguished },
      ref.mailbox !== undefined && el('t:Mailbox', {}, el('t:EmailAddress', {}, ref.mailbox)));
  }
  return el('t:FolderId', { Id: ref.id, ChangeKey: ref.changeKey });
}

export function itemIdXml(ref: ItemRef, name = 't:ItemId'): XmlElement {
  return el(name, { Id: ref.id, ChangeKey: ref.changeKey });
}

/** `<m:ItemIds>` with one `<t:ItemId>` per id; an empty list is refused before any request. */
export function itemIdsXml(refs: readonly ItemRef[], name = 'm:ItemIds'): XmlElement {
  assertIds(refs);
  return el(name, {}, ...refs.map((r) => itemIdXml(r)));
}

export function assertIds(refs: readonly ItemRef[]): void {
  const bad = refs.find((r) => r.id.trim() === '');
  if (refs.length === 0 || bad) {
    throw new ConfigError({
      code: 'EWS_ID_MISSING',
      message: refs.length === 0 ? 'no item ids given' : 'an empty item id was given',
      hint: 'give ids as `mailbridge list RESOURCE` prints them',
      field: 'id',
    });
  }
}
