import type { EwsCall } from '../context.js';
import { parseAttachmentId } from '../ids.js';
import { attachmentElement, findMessage } from '../items.js';
import { parseMime } from '../mime.js';
import { EwsError } from '../soap.js';
import { m } from '../xml.js';
import { each, schemaError, type Operation } from './types.js';

/** The message an attachment id points into, in the call's mailbox or one the caller may open. */
export function messageOfAttachment(call: EwsCall, id: string | undefined) {
  const { messageStoreId, index } = parseAttachmentId(id);
  for (const mb of [call.mailbox, ...call.ctx.store.mailboxes().filter((x) => x !== call.mailbox && call.ctx.tokens.canAccess(call.principal, x.address))]) {
    const hit = findMessage(mb, messageStoreId);
    if (hit) return { ...hit, index };
  }
  throw new EwsError('ErrorItemNotFound', 'The specified object was not found in the store.');
}

export const getAttachment: Operation = async (call, op) => {
  const ids = m(op, 'AttachmentIds')?.children ?? [];
  if (!ids.length) throw schemaError("The element 'GetAttachment' is missing 'AttachmentIds'.");
  return each('GetAttachmentResponseMessage', ids, async (ref) => {
    const { folder, msg, index } = messageOfAttachment(call, ref.attrs.Id);
    const parsed = await parseMime(await folder.read(msg.uid));
    const attachment = parsed.attachments[index];
    if (!attachment) throw new EwsError('ErrorInvalidAttachmentId', 'The attachment id does not name an attachment of the item.');
    return { 'm:Attachments': { 't:FileAttachment': attachmentElement(msg.id, index, attachment, true) } };
  }, { 'm:Attachments': '' });
};
