/** What MoveItem and CopyItem share: the same request shape (BaseMoveCopyItemType) and answer. */
import { responseMessages, type EwsClient } from './client.js';
import { folderIdXml, itemIdsXml, type FolderRef, type ItemRef } from './ids.js';
import { readItems } from './items.js';
import { child, el, type XmlElement } from './soap.js';

export function moveCopyXml(name: 'm:MoveItem' | 'm:CopyItem', ids: readonly ItemRef[], to: FolderRef): XmlElement {
  return el(name, {}, el('m:ToFolderId', {}, folderIdXml(to)), itemIdsXml(ids), el('m:ReturnNewItemIds', {}, 'true'));
}

export async function moveOrCopy(client: EwsClient, action: 'MoveItem' | 'CopyItem', body: XmlElement): Promise<ItemRef[]> {
  const resp = await client.call(action, body);
  return responseMessages(resp).flatMap((m) => readItems(child(m, 'Items')).map(({ id, changeKey }) => ({ id, ...(changeKey ? { changeKey } : {}) })));
}
