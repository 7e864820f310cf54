import { DEAD_LETTER_SOURCE_MAX_BYTES, deliveryRecord, MESSAGE_ID_MEMORY_MS, type DeliveryRow } from '../rows.js';
import type { DeliveryOutcome, TriggerStore } from '../store.js';
import type { SqlContext } from './context.js';
import type { SqlQueries } from './driver.js';
import { writeCheckpoint } from './checkpoints.js';
import { writeDeliveryExchange } from './delivery-exchanges.js';

type DeliveryStore = Pick<
  TriggerStore,
  'recordDelivery' | 'setDeliveryAfterAction' | 'getDelivery' | 'getDeliverySource' | 'findDelivery' | 'listDeliveries'
>;

/** The delivery history of triggers: one row per (trigger, message), dead letters with their source. */
export function sqlDeliveryStore({ db, now, sealer }: SqlContext): DeliveryStore {
  return {
    async recordDelivery(o) {
      return db.transaction(async (tx) => {
        const t = now();
        await upsertDelivery(tx, o, t);
        await advanceCheckpoint(tx, o, t, db.dialect.forUpdate);
        if (o.status === 'delivered' && o.messageId) {
          await tx.run(
            `INSERT INTO trigger_message_ids (trigger_name, message_id, delivered_at) VALUES (?, ?, ?)
              ON CONFLICT (trigger_name, message_id) DO UPDATE SET delivered_at = excluded.delivered_at`,
            [o.trigger, o.messageId, t],
          );
          // The Message-ID memory only serves the UIDVALIDITY rule: a bounded window is enough.
          await tx.run('DELETE FROM trigger_message_ids WHERE trigger_name = ? AND delivered_at < ?', [
            o.trigger,
            t - MESSAGE_ID_MEMORY_MS,
          ]);
        }
        const row = await tx.get<DeliveryRow>(
          'SELECT * FROM trigger_deliveries WHERE trigger_name = ? AND message_key = ?',
          [o.trigger, o.messageKey],
        );
        if (!row) throw new Error(`the delivery row of ${o.trigger}/${o.messageKey} vanished inside its transaction`);
        if (o.exchange) await writeDeliveryExchange(tx, sealer, row.id, o.exchange);
        if (o.status === 'dead' && o.raw && o.raw.length <= DEAD_LETTER_SOURCE_MAX_BYTES) {
          await tx.run(
            `INSERT INTO trigger_dead_letter_sources (delivery_id, trigger_name, raw, size, created_at)
              VALUES (?, ?, ?, ?, ?) ON CONFLICT (delivery_id) DO UPDATE SET raw = excluded.raw, size = excluded.size`,
            [row.id, o.trigger, o.raw.toString('base64'), o.raw.length, t],
          );
        } else if (o.status === 'delivered') {
          await tx.run('DELETE FROM trigger_dead_letter_sources WHERE delivery_id = ?', [row.id]);
        }
        return deliveryRecord(row);
      });
    },

    async setDeliveryAfterAction(id, result) {
      await db.run('UPDATE trigger_deliveries SET after_action = ?, updated_at = ? WHERE id = ?', [
        result.ok ? 'ok' : `failed: ${result.error}`,
        now(),
        id,
      ]);
    },

    async getDelivery(id) {
      const row = await db.get<DeliveryRow>('SELECT * FROM trigger_deliveries WHERE id = ?', [id]);
      return row ? deliveryRecord(row) : undefined;
    },

    async getDeliverySource(id) {
      const row = await db.get<{ raw: string }>('SELECT raw FROM trigger_dead_letter_sources WHERE delivery_id = ?', [
        id,
      ]);
      return row ? Buffer.from(row.raw, 'base64') : undefined;
    },

    async findDelivery(trigger, messageKey) {
      const row = await db.get<DeliveryRow>(
        'SELECT * FROM trigger_deliveries WHERE trigger_name = ? AND message_key = ?',
        [trigger, messageKey],
      );
      return row ? deliveryRecord(row) : undefined;
    },

    async listDeliveries(trigger, opts = {}) {
      const limit = Math.max(1, Math.min(opts.limit ?? 100, 10_000));
      const status = opts.status ? 'AND status = ?' : '';
      const rows = await db.all<DeliveryRow>(
        `SELECT * FROM trigger_deliveries WHERE trigger_name = ? ${status}
          ORDER BY updated_at DESC, created_at DESC LIMIT ?`,
        [trigger, ...(opts.status ? [opts.status] : []), limit],
      );
      return rows.map(deliveryRecord);
    },
  };
}

async function upsertDelivery(tx: SqlQueries, o: DeliveryOutcome, t: number): Promise<void> {
  await tx.run(
    `INSERT INTO trigger_deliveries (id, trigger_name, message_key, message_id, subject, source, status, attempts,
        last_error, after_action, created_at, updated_at, delivered_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)
      ON CONFLICT (trigger_name, message_key) DO UPDATE SET message_id = excluded.message_id,
        subject = excluded.subject, source = excluded.source, status = excluded.status, attempts = excluded.attempts,
        last_error = excluded.last_error, updated_at = excluded.updated_at, delivered_at = excluded.delivered_at`,
    [
      o.id,
      o.trigger,
      o.messageKey,
      o.messageId ?? null,
      o.subject ?? null,
      JSON.stringify(o.source),
      o.status,
      o.attempts,
      o.lastError ?? null,
      t,
      t,
      o.status === 'delivered' ? t : null,
    ],
  );
}

/** Moves the checkpoint past the message, in the delivery's transaction (IMAP last UID, POP3 UIDL). */
async function advanceCheckpoint(tx: SqlQueries, o: DeliveryOutcome, t: number, forUpdate: string): Promise<void> {
  if (!o.advance) return;
  if ('uidl' in o.advance) {
    await tx.run(
      'INSERT INTO trigger_uidls (trigger_name, uidl, seen_at) VALUES (?, ?, ?) ON CONFLICT (trigger_name, uidl) DO NOTHING',
      [o.trigger, o.advance.uidl, t],
    );
    return;
  }
  const { imap } = o.advance;
  // FOR UPDATE (PostgreSQL): the checkpoint only moves forward even if two writers race on it.
  const cp = await tx.get<{ uid_validity: string | null; last_uid: number | null; dedupe_up_to_uid: number | null }>(
    `SELECT uid_validity, last_uid, dedupe_up_to_uid FROM trigger_checkpoints WHERE trigger_name = ? ${forUpdate}`,
    [o.trigger],
  );
  const sameFolderState = cp?.uid_validity === imap.uidValidity;
  const lastUid = Math.max(sameFolderState ? (cp.last_uid ?? 0) : 0, imap.uid);
  await writeCheckpoint(tx, t, o.trigger, {
    uidValidity: imap.uidValidity,
    lastUid,
    ...(sameFolderState && cp.dedupe_up_to_uid != null ? { dedupeUpToUid: cp.dedupe_up_to_uid } : {}),
  });
}
