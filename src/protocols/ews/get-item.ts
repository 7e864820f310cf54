/** GetItem: items by id with the properties asked for (MIME for messages). */
import { ProtocolError } from '../../errors.js';
import { responseCode, responseMessages, type EwsClient } from './client.js';
import { itemIdsXml, type ItemRef } from './ids.js';
import { readItems, type EwsItem } from './items.js';
import { itemShapeXml, type ItemShape } from './shape.js';
import { attr, child, el, text, type XmlElement } from './soap.js';

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

/**
 * The MIME sources of many messages in one GetItem, in request order; ids the server no longer
 * has (ErrorItemNotFound: deleted or moved since the listing) are left out, any other error
 * response fails the call. One response message per id (EWS answers them in order).
 */
export async function getMimeSources(client: EwsClient, ids: readonly string[]): Promise<Array<{ id: string; source: Buffer }>> {
  if (ids.length === 0) return [];
  const resp = await client.call('GetItem', getItemXml(ids.map((id) => ({ id })), { mime: true }), { tolerateErrors: true });
  const out: Array<{ id: string; source: Buffer }> = [];
  responseMessages(resp).forEach((m, i) => {
    if (responseCode(m) === 'ErrorItemNotFound') return;
    if (attr(m, 'ResponseClass') === 'Error') throw client.fail('GetItem', m);
    const item = readItems(child(m, 'Items'))[0];
    const source = item && mimeOf(item);
    if (!source) {
      throw new ProtocolError({ code: 'EWS_NO_MIME', message: `the server returned no MIME content for ${ids[i] as string}`, hint: 'only mail items have a MIME source; check that the id names a message', details: { protocol: 'ews', family: 103 } });
    }
    out.push({ id: ids[i] as string, source });
  });
  return out;
}
