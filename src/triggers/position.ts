import type { FeedPosition, PositionChange } from '../mail/change-feed.js';
import type { DeliveryOutcome, TriggerStore } from '../store/store.js';

/** What the store holds of a trigger's place in its folder, as a change feed reads it. */
export async function loadPosition(store: TriggerStore, trigger: string): Promise<FeedPosition> {
  const cp = await store.getTriggerCheckpoint(trigger);
  const uidls = await store.listTriggerUidls(trigger);
  return {
    started: cp !== undefined,
    ...(cp?.uidValidity !== undefined ? { uidValidity: cp.uidValidity } : {}),
    ...(cp?.lastUid !== undefined ? { lastUid: cp.lastUid } : {}),
    ...(cp?.dedupeUpToUid !== undefined ? { dedupeUpToUid: cp.dedupeUpToUid } : {}),
    ...(cp?.syncState !== undefined ? { syncState: cp.syncState } : {}),
    ...(uidls.length > 0 ? { uidls: new Set(uidls) } : {}),
  };
}

/** Stores a move of the position on its own (a skipped message, a round finished, a first start). */
export async function savePosition(store: TriggerStore, trigger: string, c: PositionChange): Promise<void> {
  switch (c.kind) {
    case 'uid':
      return store.putTriggerCheckpoint(trigger, {
        uidValidity: c.uidValidity,
        lastUid: c.lastUid,
        ...(c.dedupeUpToUid ? { dedupeUpToUid: c.dedupeUpToUid } : {}),
      });
    case 'sync':
      return store.putTriggerCheckpoint(trigger, { syncState: c.state });
    case 'uidls':
      if (c.uidls.length > 0) await store.addTriggerUidls(trigger, c.uidls);
      if (c.first) await store.putTriggerCheckpoint(trigger, {});
      return;
  }
}

/** The same move, written in the transaction that records a delivery or a dead letter. */
export function advanceOf(c: PositionChange | undefined): DeliveryOutcome['advance'] {
  if (c?.kind === 'uid') return { imap: { uidValidity: c.uidValidity, uid: c.lastUid } };
  if (c?.kind === 'uidls' && c.uidls[0] !== undefined) return { uidl: c.uidls[0] };
  return undefined;
}
