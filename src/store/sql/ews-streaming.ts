import type { EwsStreamingStore } from '../store.js';
import type { SqlContext } from './context.js';

/** The EwsStreamingStore slice: one row per trigger watched by EWS streaming notifications (migration 13). */
export function sqlEwsStreamingStore(ctx: SqlContext): EwsStreamingStore {
  const { db, now } = ctx;
  return {
    async getEwsStreamingState(trigger) {
      const row = await db.get<{ subscription_id: string; watermark: string | null }>(
        'SELECT subscription_id, watermark FROM ews_streaming_subscriptions WHERE trigger_name = ?',
        [trigger],
      );
      if (!row) return undefined;
      return { subscriptionId: row.subscription_id, ...(row.watermark !== null ? { watermark: row.watermark } : {}) };
    },
    async putEwsStreamingState(trigger, state) {
      await db.run(
        `INSERT INTO ews_streaming_subscriptions (trigger_name, subscription_id, watermark, updated_at) VALUES (?, ?, ?, ?)
          ON CONFLICT (trigger_name) DO UPDATE SET subscription_id = excluded.subscription_id, watermark = excluded.watermark,
            updated_at = excluded.updated_at`,
        [trigger, state.subscriptionId, state.watermark ?? null, now()],
      );
    },
    async deleteEwsStreamingState(trigger) {
      await db.run('DELETE FROM ews_streaming_subscriptions WHERE trigger_name = ?', [trigger]);
    },
  };
}
