/** CopyItem: copies of items in another folder. */
import type { EwsClient } from './client.js';
import type { FolderRef, ItemRef } from './ids.js';
import { moveCopyXml, moveOrCopy } from './move-copy.js';
import type { XmlElement } from './soap.js';

export function copyItemXml(ids: readonly ItemRef[], to: FolderRef): XmlElement {
  return moveCopyXml('m:CopyItem', ids, to);
}

/** The copies' ids, in request order, when the server returns them. */
export function copyItems(client: EwsClient, ids: readonly ItemRef[], to: FolderRef): Promise<ItemRef[]> {
  return moveOrCopy(client, 'CopyItem', copyItemXml(ids, to));
}
