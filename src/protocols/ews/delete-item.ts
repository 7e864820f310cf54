/** DeleteItem: HardDelete (gone for good), SoftDelete (recoverable) or MoveToDeletedItems. */
import type { EwsClient } from './client.js';
import { itemIdsXml, type ItemRef } from './ids.js';
import { el, type XmlElement } from './soap.js';

export type DeleteType = 'HardDelete' | 'SoftDelete' | 'MoveToDeletedItems';

export interface DeleteOptions {
  type?: DeleteType;
  /** Calendar items: no cancellation mails. */
  calendar?: boolean;
  /** Tasks: the whole series. */
  task?: boolean;
}

export function deleteItemXml(ids: readonly ItemRef[], o: DeleteOptions = {}): XmlElement {
  return el('m:DeleteItem', {
    DeleteType: o.type ?? 'HardDelete',
    SendMeetingCancellations: o.calendar ? 'SendToNone' : undefined,
    AffectedTaskOccurrences: o.task ? 'AllOccurrences' : undefined,
  }, itemIdsXml(ids));
}

export async function deleteItems(client: EwsClient, ids: readonly ItemRef[], o: DeleteOptions = {}): Promise<void> {
  await client.call('DeleteItem', deleteItemXml(ids, o));
}
