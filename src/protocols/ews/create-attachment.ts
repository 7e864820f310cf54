/** CreateAttachment: file attachments added to an existing item (a draft, an event…). */
import { responseMessages, type EwsClient } from './client.js';
import { itemIdXml, type ItemRef } from './ids.js';
import { attr, child, childEntries, el, leaf, type XmlElement } from './soap.js';

export interface NewFileAttachment {
  name: string;
  contentType?: string;
  contentId?: string;
  isInline?: boolean;
  content: Buffer;
}

export function createAttachmentXml(parent: ItemRef, files: readonly NewFileAttachment[]): XmlElement {
  return el('m:CreateAttachment', {},
    itemIdXml(parent, 'm:ParentItemId'),
    el('m:Attachments', {}, ...files.map((f) => el('t:FileAttachment', {},
      leaf('t:Name', f.name),
      leaf('t:ContentType', f.contentType),
      leaf('t:ContentId', f.contentId),
      leaf('t:IsInline', f.isInline),
      el('t:Content', {}, f.content.toString('base64'))))));
}

export interface CreatedAttachment {
  id: string;
  /** The parent item's id and new change key (adding an attachment changes the item). */
  parent?: ItemRef;
}

export async function createAttachments(client: EwsClient, parent: ItemRef, files: readonly NewFileAttachment[]): Promise<CreatedAttachment[]> {
  const resp = await client.call('CreateAttachment', createAttachmentXml(parent, files));
  return responseMessages(resp).flatMap((m) => childEntries(child(m, 'Attachments')).flatMap(([, a]) => {
    const idNode = child(a, 'AttachmentId');
    const id = attr(idNode, 'Id');
    if (id === undefined) return [];
    const rootId = attr(idNode, 'RootItemId');
    const rootChangeKey = attr(idNode, 'RootItemChangeKey');
    return [{ id, ...(rootId ? { parent: { id: rootId, ...(rootChangeKey ? { changeKey: rootChangeKey } : {}) } } : {}) }];
  }));
}
