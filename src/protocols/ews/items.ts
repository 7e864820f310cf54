/**
 * Reading items out of responses: the item elements EWS returns (Message, CalendarItem,
 * Contact, Task…) and the recipient shapes they share.
 */
import { attr, child, childEntries, children, text, type XmlObject } from './soap.js';

/** The element names an item may have inside `<t:Items>` / `<m:Items>`. */
const ITEM_ELEMENTS = new Set([
  'Item', 'Message', 'CalendarItem', 'Contact', 'DistributionList', 'Task', 'PostItem', 'MeetingMessage',
  'MeetingRequest', 'MeetingResponse', 'MeetingCancellation', 'SharingMessage',
]);

export interface EwsItem {
  /** The element name: Message, CalendarItem, Contact, Task… */
  kind: string;
  id: string;
  changeKey?: string;
  node: XmlObject;
}

/** The items inside an `Items` element, in the order the parser keeps per kind. */
export function readItems(items: XmlObject | undefined): EwsItem[] {
  const out: EwsItem[] = [];
  for (const [kind, node] of childEntries(items)) {
    if (!ITEM_ELEMENTS.has(kind)) continue;
    const idNode = child(node, 'ItemId');
    const id = attr(idNode, 'Id');
    if (id === undefined) continue;
    const changeKey = attr(idNode, 'ChangeKey');
    out.push({ kind, id, ...(changeKey ? { changeKey } : {}), node });
  }
  return out;
}

export interface EwsAddress {
  name?: string;
  address?: string;
}

/** `<t:Mailbox><t:Name/><t:EmailAddress/></t:Mailbox>`. */
export function readMailbox(m: XmlObject | undefined): EwsAddress | undefined {
  if (!m) return undefined;
  const name = text(m, 'Name');
  const address = text(m, 'EmailAddress');
  if (!name && !address) return undefined;
  return { ...(name ? { name } : {}), ...(address ? { address } : {}) };
}

/** A SingleRecipientType (From, Sender): one Mailbox inside. */
export function readSingle(node: XmlObject, field: string): EwsAddress | undefined {
  return readMailbox(child(child(node, field), 'Mailbox'));
}

/** An ArrayOfRecipientsType (ToRecipients…). */
export function readRecipients(node: XmlObject, field: string): EwsAddress[] {
  return children(child(node, field), 'Mailbox').map(readMailbox).filter((a): a is EwsAddress => a !== undefined);
}
