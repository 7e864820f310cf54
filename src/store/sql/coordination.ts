import { chooseLeases } from '../leases.js';
import { leaseRecord, type LeaseRow } from '../rows.js';
import type { CoordinationStore } from '../store.js';
import type { SqlContext } from './context.js';
import { chunks, placeholders } from './driver.js';

/** Heartbeat rows of instances gone for a day are removed (a crashed instance leaves one). */
const INSTANCE_MEMORY_MS = 86_400_000;

/**
 * Several instances on one database: the token refresh lock, heartbeats and mailbox leases.
 * Heartbeats and leases go through the driver's coordination connections (see SqlDriver).
 */
export function sqlCoordinationStore({ db, now }: SqlContext): CoordinationStore {
  const coord = db.coordination;
  const order = db.dialect.byteOrder;
  return {
    async withResourceLock(resource, work) {
      // The lock's scope name is also its PostgreSQL advisory lock namespace: keep it 'token'.
      return db.withLock('token', resource, work);
    },

    async heartbeat(instanceId, ttlMs) {
      const t = now();
      await coord.run(
        `INSERT INTO instances (id, started_at, heartbeat_at, expires_at) VALUES (?, ?, ?, ?)
          ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at`,
        [instanceId, t, t, t + ttlMs],
      );
      // Apart from the upsert: a purge lost to a crash is made up by the next heartbeat's.
      await coord.run('DELETE FROM instances WHERE expires_at < ?', [t - INSTANCE_MEMORY_MS]);
    },

    async removeInstance(instanceId) {
      await coord.run('DELETE FROM instances WHERE id = ?', [instanceId]);
    },

    async listLiveInstances() {
      const rows = await coord.all<{ id: string }>(
        `SELECT id FROM instances WHERE expires_at > ? ORDER BY id ${order}`,
        [now()],
      );
      return rows.map((r) => r.id);
    },

    async acquireLeases(req) {
      const candidates = [...new Map(req.candidates.map((c) => [c.name, c.mailbox])).entries()];
      // One acquisition at a time across instances (the `leases` lock; on SQLite the IMMEDIATE
      // transaction): the fair share and the per-mailbox count are read and acted on without
      // another instance changing them in between. Renewals and releases do not take this lock
      // (they only touch the owner's own rows).
      return coord.transaction(
        async (tx) => {
          const t = now();
          for (const part of chunks(candidates, 300)) {
            await tx.run(
              `INSERT INTO leases (trigger_name, mailbox, owner, expires_at, acquired_at)
                VALUES ${part.map(() => '(?, ?, NULL, 0, NULL)').join(', ')}
                ON CONFLICT (trigger_name) DO UPDATE SET mailbox = excluded.mailbox`,
              part.flat(),
            );
          }
          const held = await tx.get<{ n: number }>(
            'SELECT COUNT(*) AS n FROM leases WHERE owner = ? AND expires_at > ?',
            [req.owner, t],
          );
          const room = req.max - (held?.n ?? 0);
          if (room <= 0) return [];
          const live = await tx.all<{ mailbox: string; n: number }>(
            'SELECT mailbox, COUNT(*) AS n FROM leases WHERE owner IS NOT NULL AND expires_at > ? GROUP BY mailbox',
            [t],
          );
          // SKIP LOCKED (PostgreSQL): a row its owner is renewing or releasing right now is not worth waiting for.
          const wanted = new Set(candidates.map(([name]) => name));
          const free = (
            await tx.all<{ name: string; mailbox: string }>(
              `SELECT trigger_name AS name, mailbox FROM leases WHERE owner IS NULL OR expires_at <= ?
                ORDER BY trigger_name ${order} ${db.dialect.forUpdateSkipLocked}`,
              [t],
            )
          ).filter((f) => wanted.has(f.name));
          const picked = chooseLeases(free, new Map(live.map((l) => [l.mailbox, l.n])), room, req.perMailboxLimit);
          for (const part of chunks(picked)) {
            await tx.run(
              `UPDATE leases SET owner = ?, expires_at = ?, acquired_at = ? WHERE trigger_name IN ${placeholders(part.length)}`,
              [req.owner, t + req.ttlMs, t, ...part],
            );
          }
          return picked;
        },
        { lock: 'leases' },
      );
    },

    async renewLeases(owner, ttlMs) {
      const t = now();
      const rows = await coord.all<{ trigger_name: string }>(
        'UPDATE leases SET expires_at = ? WHERE owner = ? AND expires_at > ? RETURNING trigger_name',
        [t + ttlMs, owner, t],
      );
      return rows.map((r) => r.trigger_name).sort();
    },

    async releaseLeases(owner, names) {
      if (!names) {
        await coord.run('UPDATE leases SET owner = NULL, expires_at = 0 WHERE owner = ?', [owner]);
        return;
      }
      await coord.transaction(async (tx) => {
        for (const part of chunks(names)) {
          await tx.run(
            `UPDATE leases SET owner = NULL, expires_at = 0 WHERE owner = ? AND trigger_name IN ${placeholders(part.length)}`,
            [owner, ...part],
          );
        }
      });
    },

    async listLeases() {
      const t = now();
      const rows = await coord.all<LeaseRow>(
        `SELECT trigger_name AS name, mailbox, owner, expires_at, acquired_at FROM leases ORDER BY trigger_name ${order}`,
      );
      return rows.map((r) => leaseRecord(r, t));
    },
  };
}
