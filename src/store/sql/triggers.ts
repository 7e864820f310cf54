import { Secret } from '../../secret.js';
import { serializeTriggerDefinition } from '../../config/trigger.js';
import { aad, PRUNE_TRIGGER_EVENTS, TRIGGER_EVENTS_KEPT, triggerRecordFromRow, type TriggerRow } from '../rows.js';
import type { TriggerStore } from '../store.js';
import type { SqlContext } from './context.js';
import { writeCheckpoint } from './checkpoints.js';
import { chunks, placeholders } from './driver.js';
import { sqlDeliveryStore } from './deliveries.js';
import { sqlDeliveryExchangeStore } from './delivery-exchanges.js';

/** Rows of a trigger besides its definition, removed with it (its lease too). */
const TRIGGER_TABLES = [
  'trigger_secrets',
  'trigger_checkpoints',
  'trigger_uidls',
  'trigger_message_ids',
  'trigger_deliveries',
  'trigger_dead_letter_sources',
  'trigger_events',
  'ews_streaming_subscriptions',
  'leases',
];

let lastEventSeq = 0;

/**
 * The order key of a trigger event (migration 11): `at` × 1000, bumped past the last one this
 * process wrote, so events of one millisecond keep the order they were written in.
 */
function nextEventSeq(at: number): number {
  lastEventSeq = Math.max(at * 1000, lastEventSeq + 1);
  return lastEventSeq;
}

interface CheckpointRow {
  uid_validity: string | null;
  last_uid: number | null;
  dedupe_up_to_uid: number | null;
  sync_state: string | null;
  updated_at: number;
}

/** Mailbox triggers: definitions, secrets, checkpoints, POP3 UIDLs, events; deliveries in deliveries.ts. */
export function sqlTriggerStore(ctx: SqlContext): TriggerStore {
  const { db, sealer, now } = ctx;
  return {
    async putTrigger(definition) {
      const t = now();
      await db.run(
        `INSERT INTO triggers (name, resource, definition, paused, pause_reason, created_at, updated_at)
          VALUES (?, ?, ?, 0, NULL, ?, ?)
          ON CONFLICT (name) DO UPDATE SET resource = excluded.resource, definition = excluded.definition,
            updated_at = excluded.updated_at`,
        [definition.name, definition.resource, JSON.stringify(serializeTriggerDefinition(definition)), t, t],
      );
    },

    async getTrigger(name) {
      const row = await db.get<TriggerRow>('SELECT * FROM triggers WHERE name = ?', [name]);
      return row ? triggerRecordFromRow(row) : undefined;
    },

    async listTriggers() {
      const rows = await db.all<TriggerRow>(`SELECT * FROM triggers ORDER BY name ${db.dialect.byteOrder}`);
      return rows.map(triggerRecordFromRow);
    },

    async deleteTrigger(name) {
      return db.transaction(async (tx) => {
        for (const table of TRIGGER_TABLES) await tx.run(`DELETE FROM ${table} WHERE trigger_name = ?`, [name]);
        return (await tx.run('DELETE FROM triggers WHERE name = ?', [name])) > 0;
      });
    },

    async setTriggerPaused(name, paused, reason) {
      const changed = await db.run('UPDATE triggers SET paused = ?, pause_reason = ?, updated_at = ? WHERE name = ?', [
        paused ? 1 : 0,
        paused ? (reason ?? null) : null,
        now(),
        name,
      ]);
      return changed > 0;
    },

    async putTriggerSecret(name, value) {
      const sealed = sealer.seal(value.reveal(), aad.triggerSecret(name));
      await db.run(
        `INSERT INTO trigger_secrets (trigger_name, sealed, updated_at) VALUES (?, ?, ?)
          ON CONFLICT (trigger_name) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at`,
        [name, sealed, now()],
      );
    },

    async getTriggerSecret(name) {
      const row = await db.get<{ sealed: string }>('SELECT sealed FROM trigger_secrets WHERE trigger_name = ?', [name]);
      return row ? new Secret(sealer.unseal(row.sealed, aad.triggerSecret(name))) : undefined;
    },

    async getTriggerCheckpoint(name) {
      const row = await db.get<CheckpointRow>(
        `SELECT uid_validity, last_uid, dedupe_up_to_uid, sync_state, updated_at FROM trigger_checkpoints
          WHERE trigger_name = ?`,
        [name],
      );
      if (!row) return undefined;
      return {
        ...(row.uid_validity !== null ? { uidValidity: row.uid_validity } : {}),
        ...(row.last_uid !== null ? { lastUid: row.last_uid } : {}),
        ...(row.dedupe_up_to_uid !== null ? { dedupeUpToUid: row.dedupe_up_to_uid } : {}),
        ...(row.sync_state !== null ? { syncState: row.sync_state } : {}),
        updatedAt: row.updated_at,
      };
    },

    async putTriggerCheckpoint(name, cp) {
      await writeCheckpoint(db, now(), name, cp);
    },

    async listTriggerUidls(name) {
      const rows = await db.all<{ uidl: string }>('SELECT uidl FROM trigger_uidls WHERE trigger_name = ?', [name]);
      return rows.map((r) => r.uidl);
    },

    async addTriggerUidls(name, uidls) {
      if (uidls.length === 0) return;
      const t = now();
      await db.transaction(async (tx) => {
        // Many rows per statement: a POP3 mailbox can hold thousands of messages.
        for (const part of chunks(uidls, 300)) {
          await tx.run(
            `INSERT INTO trigger_uidls (trigger_name, uidl, seen_at) VALUES ${part.map(() => '(?, ?, ?)').join(', ')}
              ON CONFLICT (trigger_name, uidl) DO NOTHING`,
            part.flatMap((u) => [name, u, t]),
          );
        }
      });
    },

    async pruneTriggerUidls(name, keep) {
      const wanted = new Set(keep);
      await db.transaction(async (tx) => {
        const rows = await tx.all<{ uidl: string }>(
          `SELECT uidl FROM trigger_uidls WHERE trigger_name = ? ${db.dialect.forUpdate}`,
          [name],
        );
        const gone = rows.map((r) => r.uidl).filter((u) => !wanted.has(u));
        for (const part of chunks(gone)) {
          await tx.run(`DELETE FROM trigger_uidls WHERE trigger_name = ? AND uidl IN ${placeholders(part.length)}`, [
            name,
            ...part,
          ]);
        }
      });
    },

    async wasMessageIdDelivered(name, messageId) {
      const hit = await db.get('SELECT 1 AS hit FROM trigger_message_ids WHERE trigger_name = ? AND message_id = ?', [
        name,
        messageId,
      ]);
      return hit !== undefined;
    },

    ...sqlDeliveryStore(ctx),
    ...sqlDeliveryExchangeStore(ctx),

    async addTriggerEvent(name, kind, message) {
      const at = now();
      await db.run('INSERT INTO trigger_events (trigger_name, kind, message, at, seq) VALUES (?, ?, ?, ?, ?)', [
        name,
        kind,
        message,
        at,
        nextEventSeq(at),
      ]);
      // Apart from the insert: a prune lost to a crash is made up by the next event's.
      await db.run(PRUNE_TRIGGER_EVENTS, [name, name, TRIGGER_EVENTS_KEPT]);
    },

    async listTriggerEvents(name, limit = 100) {
      const rows = await db.all<{ trigger_name: string; kind: string; message: string; at: number }>(
        'SELECT trigger_name, kind, message, at FROM trigger_events WHERE trigger_name = ? ORDER BY seq DESC LIMIT ?',
        [name, Math.max(1, Math.min(limit, 10_000))],
      );
      return rows.map((r) => ({ trigger: r.trigger_name, kind: r.kind, message: r.message, at: r.at }));
    },
  };
}
