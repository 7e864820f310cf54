import { aad, DELIVERY_EXCHANGE_MAX_CHARS } from '../rows.js';
import type { DeliveryExchange, DeliveryStatus, DeliveryTiming, TriggerStore } from '../store.js';
import type { SqlContext } from './context.js';
import type { SqlQueries } from './driver.js';
import type { Sealer } from '../seal.js';

type ExchangeStore = Pick<TriggerStore, 'getDeliveryExchange' | 'listDeliveryTimings'>;

const cut = (text: string): string =>
  text.length > DELIVERY_EXCHANGE_MAX_CHARS
    ? `${text.slice(0, DELIVERY_EXCHANGE_MAX_CHARS)}\n[… cut at ${DELIVERY_EXCHANGE_MAX_CHARS} characters]`
    : text;

/**
 * Keeps a delivery attempt's request and answer (sealed: a payload carries the message) and its
 * duration on the delivery's row, in the delivery's transaction.
 */
export async function writeDeliveryExchange(
  tx: SqlQueries,
  sealer: Sealer,
  id: string,
  exchange: DeliveryExchange,
): Promise<void> {
  const sealed = sealer.seal(
    JSON.stringify({ request: cut(exchange.request), response: cut(exchange.response) }),
    aad.deliveryExchange(id),
  );
  await tx.run('UPDATE trigger_deliveries SET duration_ms = ?, sealed_exchange = ? WHERE id = ?', [
    Math.round(exchange.durationMs),
    sealed,
    id,
  ]);
}

/** What a delivery sent and got back, and the timings the console's graphs are drawn from. */
export function sqlDeliveryExchangeStore({ db, sealer }: SqlContext): ExchangeStore {
  return {
    async getDeliveryExchange(id) {
      const row = await db.get<{ sealed_exchange: string | null; duration_ms: number | null }>(
        'SELECT sealed_exchange, duration_ms FROM trigger_deliveries WHERE id = ?',
        [id],
      );
      if (!row?.sealed_exchange) return undefined;
      const { request, response } = JSON.parse(sealer.unseal(row.sealed_exchange, aad.deliveryExchange(id))) as {
        request: string;
        response: string;
      };
      return { request, response, durationMs: row.duration_ms ?? 0 };
    },

    async listDeliveryTimings(trigger, since) {
      const rows = await db.all<{ updated_at: number; status: string; duration_ms: number | null }>(
        `SELECT updated_at, status, duration_ms FROM trigger_deliveries WHERE trigger_name = ? AND updated_at >= ?
          ORDER BY updated_at, id LIMIT 100000`,
        [trigger, since],
      );
      return rows.map((r): DeliveryTiming => ({
        at: r.updated_at,
        status: r.status as DeliveryStatus,
        ...(r.duration_ms !== null ? { durationMs: r.duration_ms } : {}),
      }));
    },
  };
}
