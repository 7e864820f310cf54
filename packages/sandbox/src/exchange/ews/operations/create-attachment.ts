import type { EwsCall } from '../context.js';
import { attachmentId, itemId } from '../ids.js';
import { resolveItem } from '../lookup.js';
import { addAttachmentToMime, parseMime } from '../mime.js';
import { EwsError } from '../soap.js';
import { m, tText, NS } from '../xml.js';
import { each, schemaError, type Operation } from './types.js';

/**
 * CreateAttachment on a message: the message is rewritten with the file added. The store keeps
 * messages immutable (as IMAP does), so the rewritten message replaces the old one and gets a
 * new item id, which the response's RootItemId carries (Exchange keeps the id; clients must use
 * RootItemId/RootItemChangeKey anyway).
 */
export const createAttachment: Operation = async (call: EwsCall, op) => {
  const parentRef = m(op, 'ParentItemId');
  if (!parentRef) throw schemaError("The element 'CreateAttachment' is missing 'ParentItemId'.");
  const files = m(op, 'Attachments')?.children ?? [];
  if (!files.length) throw schemaError("The element 'CreateAttachment' is missing 'Attachments'.");
  // ParentItemId has the shape of a t:ItemId (Id, ChangeKey).
  let current = resolveItem(call, { ...parentRef, ns: NS.t, name: 'ItemId' });
  return each('CreateAttachmentResponseMessage', files, async (file) => {
    if (current.kind !== 'message') throw new EwsError('ErrorInvalidOperation', 'The sandbox adds attachments to messages only.');
    if (file.ns !== NS.t || file.name !== 'FileAttachment') throw new EwsError('ErrorInvalidOperation', 'The sandbox creates file attachments only.');
    const content = tText(file, 'Content');
    if (content === undefined) throw new EwsError('ErrorInvalidValueForProperty', 'A FileAttachment needs Content.');
    const name = tText(file, 'Name') ?? 'attachment';
    const folder = current.folder.folder;
    const old = current.msg;
    const raw = addAttachmentToMime(await folder.read(old.uid), { name, contentType: tText(file, 'ContentType') ?? 'application/octet-stream', content: Buffer.from(content, 'base64') });
    const replacement = await folder.append(raw, { flags: old.flags, receivedAt: old.receivedAt });
    folder.expunge([old.uid]);
    current = { kind: 'message', folder: current.folder, msg: replacement };
    const index = (await parseMime(raw)).attachments.length - 1;
    return {
      'm:Attachments': {
        't:FileAttachment': {
          't:AttachmentId': { '@_Id': attachmentId(replacement.id, index), '@_RootItemId': itemId('message', replacement.id), '@_RootItemChangeKey': replacement.changeKey },
        },
      },
    };
  }, { 'm:Attachments': '' });
};
