/** MoveItem: items into another folder (they get new ids there, as at Exchange). */
import type { EwsClient } from './client.js';
import type { FolderRef, ItemRef } from './ids.js';
import { moveCopyXml, moveOrCopy } from './move-copy.js';
import type { XmlElement } from './soap.js';

export function moveItemXml(ids: readonly ItemRef[], to: FolderRef): XmlElement {
  return moveCopyXml('m:MoveItem', ids, to);
}

/** The new ids, in request order, when the server returns them (Exchange 2010 SP1 and later). */
export function moveItems(client: EwsClient, ids: readonly ItemRef[], to: FolderRef): Promise<ItemRef[]> {
  return moveOrCopy(client, 'MoveItem', moveItemXml(ids, to));
}
