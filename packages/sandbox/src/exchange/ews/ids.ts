import { EwsError } from './soap.js';

/**
 * EWS ids. Exchange's ids are opaque base64 blobs that say what they point at; ours wrap the
 * store's id with a kind tag, so a malformed id (ErrorInvalidIdMalformed) is told apart from an
 * id of something that no longer exists (ErrorItemNotFound), as Exchange does.
 */

export type ItemKind = 'message' | 'calendar' | 'contacts' | 'tasks';
const ITEM_TAGS: Record<ItemKind, string> = { message: 'M', calendar: 'C', contacts: 'P', tasks: 'T' };
const TAG_KINDS = new Map(Object.entries(ITEM_TAGS).map(([k, v]) => [v, k as ItemKind]));

const PREFIX = 'EWS1';

function wrap(tag: string, ...parts: string[]): string {
  return Buffer.from([PREFIX, tag, ...parts].join('|'), 'utf8').toString('base64');
}

function unwrap(id: string | undefined, what: string, emptyCode: string): string[] {
  if (!id) throw new EwsError(emptyCode, `${what} id is empty.`);
  if (!/^[A-Za-z0-9+/]+=*$/.test(id)) throw new EwsError('ErrorInvalidIdMalformed', 'Id is malformed.');
  const parts = Buffer.from(id, 'base64').toString('utf8').split('|');
  if (parts[0] !== PREFIX) throw new EwsError('ErrorInvalidIdMalformed', 'Id is malformed.');
  return parts.slice(1);
}

export function itemId(kind: ItemKind, storeId: string): string {
  return wrap(ITEM_TAGS[kind], storeId);
}

export function parseItemId(id: string | undefined): { kind: ItemKind; storeId: string } {
  const [tag, storeId] = unwrap(id, 'Item', 'ErrorInvalidIdEmpty');
  const kind = tag ? TAG_KINDS.get(tag) : undefined;
  if (!kind || !storeId) throw new EwsError('ErrorInvalidIdMalformed', 'Id is malformed.');
  return { kind, storeId };
}

/** Folder ids: a store folder, or one of the item collections shown as a folder. */
export function folderId(storeFolderId: string): string {
  return wrap('F', storeFolderId);
}

export function parseFolderId(id: string | undefined): string {
  const [tag, storeId] = unwrap(id, 'Folder', 'ErrorInvalidIdEmpty');
  if (tag !== 'F' || !storeId) throw new EwsError('ErrorInvalidIdMalformed', 'Id is malformed.');
  return storeId;
}

/** An attachment: the message that holds it and its position among the message's attachments. */
export function attachmentId(messageStoreId: string, index: number): string {
  return wrap('A', messageStoreId, String(index));
}

export function parseAttachmentId(id: string | undefined): { messageStoreId: string; index: number } {
  const [tag, messageStoreId, index] = unwrap(id, 'Attachment', 'ErrorInvalidIdEmpty');
  if (tag !== 'A' || !messageStoreId || !index || !/^\d+$/.test(index)) throw new EwsError('ErrorInvalidIdMalformed', 'Id is malformed.');
  return { messageStoreId, index: Number(index) };
}
