import type { TriggerCheckpointInput } from '../store.js';
import type { SqlQueries } from './driver.js';

/** Replaces a trigger's checkpoint (through `q`: the driver, or a transaction). */
export async function writeCheckpoint(
  q: SqlQueries,
  at: number,
  name: string,
  cp: TriggerCheckpointInput,
): Promise<void> {
  await q.run(
    `INSERT INTO trigger_checkpoints (trigger_name, uid_validity, last_uid, dedupe_up_to_uid, sync_state, updated_at)
      VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (trigger_name) DO UPDATE SET uid_validity = excluded.uid_validity, last_uid = excluded.last_uid,
        dedupe_up_to_uid = excluded.dedupe_up_to_uid, sync_state = excluded.sync_state,
        updated_at = excluded.updated_at`,
    [name, cp.uidValidity ?? null, cp.lastUid ?? null, cp.dedupeUpToUid ?? null, cp.syncState ?? null, at],
  );
}
