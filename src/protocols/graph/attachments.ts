import type { Readable } from 'node:stream';
import { saveAttachmentStream, type SavedFile } from '../../message/attachments.js';
import type { GraphHttp } from './http.js';
import { collect } from './paging.js';
import { attachmentSchema, type GraphAttachment } from './schemas.js';
import { seg } from './target.js';

/** Attachments of a message (microsoft.md §5.5): listed without their bytes, bytes via `$value`. */

const LIST_SELECT = 'id,name,contentType,size,isInline,contentId';

export function listAttachments(http: GraphHttp, prefix: string, messageId: string): Promise<GraphAttachment[]> {
  return collect(http, { method: 'GET', url: `${prefix}/messages/${seg(messageId)}/attachments`, query: { $select: LIST_SELECT } }, attachmentSchema);
}

export function getAttachment(http: GraphHttp, prefix: string, messageId: string, attachmentId: string): Promise<GraphAttachment> {
  return http.json({ method: 'GET', url: `${prefix}/messages/${seg(messageId)}/attachments/${seg(attachmentId)}` }, attachmentSchema);
}

/** The raw bytes of a file attachment (an item attachment gives its MIME source). */
export async function attachmentContent(http: GraphHttp, prefix: string, messageId: string, attachmentId: string): Promise<Readable> {
  return (await http.stream({ method: 'GET', url: `${prefix}/messages/${seg(messageId)}/attachments/${seg(attachmentId)}/$value` })).stream;
}

/** Kinds whose bytes `$value` gives; a reference attachment is a link to a file elsewhere. */
export function isDownloadable(a: GraphAttachment): boolean {
  const t = (a['@odata.type'] ?? '#microsoft.graph.fileAttachment').toLowerCase();
  return t.endsWith('fileattachment') || t.endsWith('itemattachment');
}

/** Streams one attachment into `dir` atomically (temp file, fsync, rename). */
export async function saveAttachment(http: GraphHttp, prefix: string, messageId: string, a: GraphAttachment, dir: string, fallbackName: string): Promise<SavedFile> {
  const stream = await attachmentContent(http, prefix, messageId, a.id);
  const isItem = (a['@odata.type'] ?? '').toLowerCase().endsWith('itemattachment');
  const name = a.name ?? fallbackName;
  return saveAttachmentStream(stream, dir, isItem && !/\.eml$/i.test(name) ? `${name}.eml` : name);
}
