/** GetItem: items by id with the properties asked for (MIME for messages). */
import { responseMessages, type EwsClient } from './client.js';
import { itemIdsXml, type ItemRef } from './ids.js';
import { readItems, type EwsItem } from './items.js';
import { itemShapeXml, type ItemShape } from './shape.js';
import { child, el, text, type XmlElement } from './soap.js';

export function getItemXml(ids: readonly ItemRef[], shape: ItemShape): XmlElement {
  return el('m:GetItem', {}, itemShapeXml(shape), itemIdsXml(ids));
}

/** One item per id, in request order (EWS answers one response message per id). */
export async function getItems(client: EwsClient, ids: readonly ItemRef[], shape: ItemShape = {}): Promise<EwsItem[]> {
  const resp = await client.call('GetItem', getItemXml(ids, shape));
  return responseMessages(resp).flatMap((m) => readItems(child(m, 'Items')));
}

/** The base64 `<t:MimeContent>` of a message item, decoded. */
export function mimeOf(item: EwsItem): Buffer | undefined {
  const b64 = text(item.node, 'MimeContent');
  return b64 === undefined ? undefined : Buffer.from(b64, 'base64');
}

/** GetItem in batches (EWS servers cap the ids per request; Exchange Online handles 250 well). */
export async function getItemsBatched(client: EwsClient, ids: readonly ItemRef[], shape: ItemShape, batch = 100): Promise<EwsItem[]> {
  const out: EwsItem[] = [];
  for (let i = 0; i < ids.length; i += batch) out.push(...(await getItems(client, ids.slice(i, i + batch), shape)));
  return out;
}
