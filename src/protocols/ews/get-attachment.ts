/**
 * GetAttachment: attachment contents by attachment id. File attachments come back as base64
 * `<t:Content>`; attached messages (ItemAttachment) as their MIME source when asked for.
 */
import { responseMessages, type EwsClient } from './client.js';
import { attr, bool, child, childEntries, el, int, text, type XmlElement, type XmlObject } from './soap.js';

export interface AttachmentMeta {
  id: string;
  name?: string;
  contentType?: string;
  contentId?: string;
  size?: number;
  isInline: boolean;
  /** FileAttachment or ItemAttachment (an attached message, event…). */
  kind: 'file' | 'item';
}

export interface AttachmentContent extends AttachmentMeta {
  /** The file's bytes, or an attached message's MIME source. */
  content: Buffer;
}

/** An item's `<t:Attachments>` list (GetItem with item:Attachments). */
export function readAttachmentList(attachments: XmlObject | undefined): AttachmentMeta[] {
  return childEntries(attachments).flatMap(([name, a]) => {
    if (name !== 'FileAttachment' && name !== 'ItemAttachment' && name !== 'ReferenceAttachment') return [];
    if (name === 'ReferenceAttachment') return [];
    const meta = readMeta(a, name === 'FileAttachment' ? 'file' : 'item');
    return meta ? [meta] : [];
  });
}

function readMeta(a: XmlObject, kind: 'file' | 'item'): AttachmentMeta | undefined {
  const id = attr(child(a, 'AttachmentId'), 'Id');
  if (id === undefined) return undefined;
  const name = text(a, 'Name');
  const contentType = text(a, 'ContentType');
  const contentId = text(a, 'ContentId');
  const size = int(a, 'Size');
  return {
    id, kind,
    ...(name ? { name } : {}),
    ...(contentType ? { contentType } : {}),
    ...(contentId ? { contentId } : {}),
    ...(size !== undefined ? { size } : {}),
    isInline: bool(a, 'IsInline') ?? false,
  };
}

export function getAttachmentXml(ids: readonly string[], o: { mime?: boolean } = {}): XmlElement {
  return el('m:GetAttachment', {},
    o.mime && el('m:AttachmentShape', {}, el('t:IncludeMimeContent', {}, 'true')),
    el('m:AttachmentIds', {}, ...ids.map((id) => el('t:AttachmentId', { Id: id }))));
}

/** Contents in request order. Attached items need `mime: true` to carry their source. */
export async function getAttachments(client: EwsClient, ids: readonly string[], o: { mime?: boolean } = {}): Promise<AttachmentContent[]> {
  if (ids.length === 0) return [];
  const resp = await client.call('GetAttachment', getAttachmentXml(ids, o));
  return responseMessages(resp).flatMap((m) => childEntries(child(m, 'Attachments')).flatMap(([name, a]): AttachmentContent[] => {
    if (name === 'FileAttachment') {
      const meta = readMeta(a, 'file');
      return meta ? [{ ...meta, content: Buffer.from(text(a, 'Content') ?? '', 'base64') }] : [];
    }
    if (name === 'ItemAttachment') {
      const meta = readMeta(a, 'item');
      const item = childEntries(a).find(([k]) => ['Item', 'Message', 'CalendarItem', 'Contact', 'Task', 'PostItem'].includes(k))?.[1];
      const mime = text(item, 'MimeContent');
      return meta && mime !== undefined ? [{ ...meta, content: Buffer.from(mime, 'base64') }] : [];
    }
    return [];
  }));
}
