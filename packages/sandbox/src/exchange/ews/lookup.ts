import type { ItemRecord, SandboxMailbox, StoredMessage } from '../contract.js';
import type { EwsCall } from './context.js';
import type { CollectionName, EwsFolder } from './folders.js';
import { parseItemId } from './ids.js';
import { findMessage } from './items.js';
import { EwsError } from './soap.js';
import type { XNode } from './xml.js';

/** An item an ItemId points at: a message in a mail folder, or a calendar/contact/task record. */
export type FoundItem =
  | { kind: 'message'; folder: EwsFolder & { kind: 'mail' }; msg: StoredMessage }
  | { kind: 'record'; folder: EwsFolder & { kind: 'collection' }; rec: ItemRecord };

const notFound = () => new EwsError('ErrorItemNotFound', 'The specified object was not found in the store.');

/** Resolve a t:ItemId: its own mailbox first, then mailboxes the caller may open (ItemIds are global). */
export function resolveItem(call: EwsCall, node: XNode | undefined): FoundItem {
  const { kind, storeId } = parseItemId(node?.attrs.Id);
  const mailboxes: SandboxMailbox[] = [call.mailbox, ...call.ctx.store.mailboxes().filter((mb) => mb !== call.mailbox && call.ctx.tokens.canAccess(call.principal, mb.address))];
  for (const mailbox of mailboxes) {
    if (kind === 'message') {
      const hit = findMessage(mailbox, storeId);
      if (hit) return { kind: 'message', folder: { kind: 'mail', mailbox, folder: hit.folder }, msg: hit.msg };
    } else {
      const rec = mailbox[kind].get(storeId);
      if (rec) return { kind: 'record', folder: { kind: 'collection', mailbox, name: kind as CollectionName }, rec };
    }
  }
  throw notFound();
}

/** The ChangeKey check of UpdateItem/… with ConflictResolution NeverOverwrite. */
export function assertChangeKey(node: XNode | undefined, current: string): void {
  const given = node?.attrs.ChangeKey;
  if (given && given !== current) {
    throw new EwsError('ErrorIrresolvableConflict', 'The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.');
  }
}
