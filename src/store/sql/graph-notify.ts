import { Secret } from '../../secret.js';
import type { GraphNotificationKind, GraphNotifyStore, GraphSubscriptionRecord } from '../graph-notify.js';
import { aad } from '../rows.js';
import type { SqlContext } from './context.js';
import { chunks } from './driver.js';

interface SubscriptionRow {
  trigger_name: string;
  subscription_id: string;
  resource_path: string;
  sealed_client_state: string;
  expires_at: number;
}

const COLUMNS = 'trigger_name, subscription_id, resource_path, sealed_client_state, expires_at';

/** Graph subscriptions of `notify` triggers and the queue the notification endpoint fills. */
export function sqlGraphNotifyStore({ db, sealer, now }: SqlContext): GraphNotifyStore {
  const record = (r: SubscriptionRow): GraphSubscriptionRecord => ({
    trigger: r.trigger_name,
    subscriptionId: r.subscription_id,
    resourcePath: r.resource_path,
    clientState: new Secret(sealer.unseal(r.sealed_client_state, aad.graphClientState(r.trigger_name))),
    expiresAt: r.expires_at,
  });
  async function putGraphSubscriptions(recs: readonly GraphSubscriptionRecord[]): Promise<void> {
    if (recs.length === 0) return;
    // The last record of a trigger wins (a renewal right after a create, both queued).
    const byTrigger = [...new Map(recs.map((r) => [r.trigger, r])).values()];
    const t = now();
    const rows = byTrigger.map((rec) => [
      rec.trigger,
      rec.subscriptionId,
      rec.resourcePath,
      sealer.seal(rec.clientState.reveal(), aad.graphClientState(rec.trigger)),
      rec.expiresAt,
      t,
    ]);
    await db.transaction(async (tx) => {
      for (const part of chunks(rows, 200)) {
        // A recreated subscription has a new id: the old row goes first, the unique id stays unique.
        const triggers = part.map((r) => r[0]);
        const ids = part.map((r) => r[1]);
        await tx.run(
          `DELETE FROM graph_subscriptions WHERE trigger_name IN (${triggers.map(() => '?').join(', ')})
            OR subscription_id IN (${ids.map(() => '?').join(', ')})`,
          [...triggers, ...ids],
        );
        await tx.run(
          `INSERT INTO graph_subscriptions (${COLUMNS}, updated_at) VALUES ${part.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`,
          part.flat(),
        );
      }
    });
  }

  return {
    async putGraphSubscription(rec) {
      await putGraphSubscriptions([rec]);
    },

    putGraphSubscriptions,

    async getGraphSubscription(trigger) {
      const r = await db.get<SubscriptionRow>(`SELECT ${COLUMNS} FROM graph_subscriptions WHERE trigger_name = ?`, [
        trigger,
      ]);
      return r ? record(r) : undefined;
    },

    async findGraphSubscription(subscriptionId) {
      const r = await db.get<SubscriptionRow>(`SELECT ${COLUMNS} FROM graph_subscriptions WHERE subscription_id = ?`, [
        subscriptionId,
      ]);
      return r ? record(r) : undefined;
    },

    async listGraphSubscriptions() {
      const rows = await db.all<SubscriptionRow>(
        `SELECT ${COLUMNS} FROM graph_subscriptions ORDER BY trigger_name ${db.dialect.byteOrder}`,
      );
      return rows.map(record);
    },

    async deleteGraphSubscription(trigger) {
      await db.run('DELETE FROM graph_subscriptions WHERE trigger_name = ?', [trigger]);
    },

    async enqueueGraphNotifications(rows) {
      const unique = [...new Map(rows.map((r) => [`${r.trigger}\n${r.kind}`, r])).values()];
      const t = now();
      for (const part of chunks(unique, 300)) {
        await db.run(
          `INSERT INTO graph_notifications (trigger_name, kind, received_at) VALUES ${part.map(() => '(?, ?, ?)').join(', ')}
            ON CONFLICT (trigger_name, kind) DO NOTHING`,
          part.flatMap((r) => [r.trigger, r.kind, t]),
        );
      }
    },

    async claimGraphNotifications(owner) {
      // DELETE … RETURNING: a row goes to exactly one caller, whichever instance received it.
      const rows =
        owner === undefined
          ? await db.all<{ trigger_name: string; kind: string }>(
              'DELETE FROM graph_notifications RETURNING trigger_name, kind',
            )
          : await db.all<{ trigger_name: string; kind: string }>(
              `DELETE FROM graph_notifications WHERE trigger_name IN
            (SELECT trigger_name FROM leases WHERE owner = ? AND expires_at > ?) RETURNING trigger_name, kind`,
              [owner, now()],
            );
      return rows.map((r) => ({ trigger: r.trigger_name, kind: r.kind as GraphNotificationKind }));
    },
  };
}
