/**
 * CreateItem: a message from its MIME source (sent with SendAndSaveCopy, or saved as a draft
 * with SaveOnly), or calendar events, contacts and tasks from their item elements.
 */
import { responseMessages, type EwsClient } from './client.js';
import { folderIdXml, type FolderRef, type ItemRef } from './ids.js';
import { readItems } from './items.js';
import { child, el, type XmlElement } from './soap.js';

export type MessageDisposition = 'SaveOnly' | 'SendOnly' | 'SendAndSaveCopy';

export interface CreateItemRequest {
  items: XmlElement[];
  /** Where a saved copy goes (SendAndSaveCopy: default Sent Items; others: the kind's folder). */
  savedFolder?: FolderRef;
  /** Messages only. */
  disposition?: MessageDisposition;
  /** Calendar items: never mail invitations from here (attendees are recorded only). */
  calendar?: boolean;
}

export function createItemXml(r: CreateItemRequest): XmlElement {
  return el('m:CreateItem', {
    MessageDisposition: r.disposition,
    SendMeetingInvitations: r.calendar ? 'SendToNone' : undefined,
  },
  r.savedFolder && el('m:SavedItemFolderId', {}, folderIdXml(r.savedFolder)),
  el('m:Items', {}, ...r.items));
}

/**
 * `<t:Message>` from its RFC 5322 source. Exchange reads the recipients from the headers,
 * Bcc included, and strips the Bcc header before transport.
 */
export function mimeMessageXml(mime: Buffer): XmlElement {
  return el('t:Message', {}, el('t:MimeContent', { CharacterSet: 'UTF-8' }, mime.toString('base64')));
}

/** The ids of the created items (SendAndSaveCopy returns none: the item left the mailbox). */
export async function createItems(client: EwsClient, r: CreateItemRequest): Promise<ItemRef[]> {
  const resp = await client.call('CreateItem', createItemXml(r), { operation: r.disposition && r.disposition !== 'SaveOnly' ? 'send' : 'receive' });
  return responseMessages(resp).flatMap((m) => readItems(child(m, 'Items')).map(({ id, changeKey }) => ({ id, ...(changeKey ? { changeKey } : {}) })));
}
