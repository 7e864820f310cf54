import type { ChangeEntry } from '../../contract.js';
import { firstFolderRef, resolveFolder } from '../folders.js';
import { itemId } from '../ids.js';
import { itemShapeOf, serializeMessage } from '../items.js';
import { EwsError } from '../soap.js';
import { decodeSyncState, encodeSyncState } from '../sync-state.js';
import { m, type XmlObject } from '../xml.js';
import { each, schemaError, type Operation } from './types.js';

/** The schema's MaxSyncChangesReturnedType range. */
const MAX_CHANGES = 512;

/**
 * Read the folder's change log after the state's position, folding several entries for one
 * item into the one change the client needs, and stop before the (max+1)-th distinct item.
 */
function collect(log: ChangeEntry[], max: number): { changes: Map<string, ChangeEntry['kind']>; lastSeq: number | undefined; complete: boolean } {
  const changes = new Map<string, ChangeEntry['kind']>();
  const createdHere = new Set<string>();
  let lastSeq: number | undefined;
  for (const entry of log) {
    if (!changes.has(entry.id) && !createdHere.has(entry.id) && changes.size >= max) return { changes, lastSeq, complete: false };
    const prior = changes.get(entry.id);
    if (entry.kind === 'created') {
      createdHere.add(entry.id);
      changes.set(entry.id, 'created');
    } else if (entry.kind === 'updated') {
      changes.set(entry.id, prior === 'created' ? 'created' : 'updated');
    } else if (createdHere.has(entry.id)) {
      // Created and gone within this window: the client never saw it.
      changes.delete(entry.id);
    } else {
      changes.set(entry.id, 'deleted');
    }
    lastSeq = entry.seq;
  }
  return { changes, lastSeq, complete: true };
}

export const syncFolderItems: Operation = async (call, op) => {
  if (!m(op, 'ItemShape')) throw schemaError("The element 'SyncFolderItems' is missing 'ItemShape'.");
  const ref = firstFolderRef(m(op, 'SyncFolderId'));
  if (!ref) throw schemaError("The element 'SyncFolderItems' is missing 'SyncFolderId'.");
  const maxText = m(op, 'MaxChangesReturned')?.text.trim();
  if (maxText === undefined) throw schemaError("The element 'SyncFolderItems' is missing 'MaxChangesReturned'.");
  const max = Number(maxText);
  if (!Number.isInteger(max) || max < 1 || max > MAX_CHANGES) throw schemaError(`MaxChangesReturned must be between 1 and ${MAX_CHANGES}.`);
  const shape = itemShapeOf(op, true);
  return each('SyncFolderItemsResponseMessage', [ref], async (node) => {
    const folder = resolveFolder(call, node);
    if (folder.kind !== 'mail') throw new EwsError('ErrorInvalidOperation', 'The sandbox synchronises mail folders only.');
    const state = decodeSyncState(m(op, 'SyncState')?.text.trim() || undefined, folder.folder.id);
    const { changes: log, seq: current } = folder.folder.changesSince(state.seq);
    const { changes, lastSeq, complete } = collect(log, max);
    const out: { key: string; value: XmlObject }[] = [];
    for (const [id, kind] of changes) {
      if (kind === 'deleted') {
        out.push({ key: 't:Delete', value: { 't:ItemId': { '@_Id': itemId('message', id) } } });
        continue;
      }
      const msg = folder.folder.byId(id);
      // Gone since (moved or expunged after this window): its delete comes in a later page.
      if (!msg) continue;
      out.push({ key: kind === 'created' ? 't:Create' : 't:Update', value: { 't:Message': await serializeMessage(folder, msg, shape) } });
    }
    const grouped: Record<string, XmlObject[]> = {};
    for (const c of out) (grouped[c.key] ??= []).push(c.value);
    const newSeq = complete ? current : lastSeq ?? state.seq;
    return {
      'm:SyncState': encodeSyncState({ folder: folder.folder.id, seq: newSeq }),
      'm:IncludesLastItemInRange': complete,
      'm:Changes': out.length ? grouped : '',
    };
  });
};
