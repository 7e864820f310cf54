import type {
  DeadLetterRecord,
  GatewayStore,
  GatewayUsageProtocol,
  GatewayUserRecord,
  RelayedRecord,
  SpoolDsn,
  SpoolEntry,
  SubmissionTake,
} from '../gateway.js';
import type { SqlContext } from './context.js';
import type { SqlQueries } from './driver.js';

/**
 * The gateway's slice (store/gateway.ts): users and their use, the spool, relays and dead
 * letters. A message leaves the spool only in the transaction that records where it went.
 */

interface UserRow {
  name: string;
  password_hash: string;
  disabled: number;
  send_resource: string | null;
  receive_resource: string | null;
  allowed_from: string;
  created_at: number;
  updated_at: number;
}

interface SpoolRow {
  id: string;
  resource: string;
  principal: string;
  source: string;
  mail_from: string;
  rcpt_to: string;
  dsn: string;
  size: number;
  state: string;
  attempts: number;
  next_attempt_at: number;
  lease_until: number;
  last_error: string | null;
  possible_duplicate: number;
  created_at: number;
}

interface RelayedRow {
  id: string;
  resource: string;
  principal: string;
  recipients: number;
  size: number;
  upstream_id: string | null;
  via: string;
  attempts: number;
  possible_duplicate: number;
  accepted_at: number;
  relayed_at: number;
}

interface DeadRow {
  id: string;
  resource: string;
  principal: string;
  mail_from: string;
  rcpt_to: string;
  status: string;
  reason: string;
  size: number;
  bounce: string;
  created_at: number;
}

const userFromRow = (r: UserRow): GatewayUserRecord => ({
  name: r.name,
  passwordHash: r.password_hash,
  disabled: r.disabled === 1,
  ...(r.send_resource ? { sendResource: r.send_resource } : {}),
  ...(r.receive_resource ? { receiveResource: r.receive_resource } : {}),
  allowedFrom: JSON.parse(r.allowed_from) as string[],
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** Removes a spooled message and its bytes (inside the transaction that records where it went). */
async function unspool(q: SqlQueries, id: string): Promise<void> {
  await q.run('DELETE FROM gateway_spool WHERE id = ?', [id]);
  await q.run('DELETE FROM gateway_spool_raw WHERE id = ?', [id]);
}

const SPOOL_COLUMNS =
  'id, resource, principal, source, mail_from, rcpt_to, dsn, size, state, attempts, next_attempt_at, lease_until, last_error, possible_duplicate, created_at';

const spoolFromRow = (r: SpoolRow): SpoolEntry => ({
  id: r.id,
  resource: r.resource,
  principal: r.principal,
  source: r.source,
  mailFrom: r.mail_from,
  rcptTo: JSON.parse(r.rcpt_to) as string[],
  dsn: JSON.parse(r.dsn) as SpoolDsn,
  size: r.size,
  state: r.state === 'sending' ? 'sending' : 'queued',
  attempts: r.attempts,
  nextAttemptAt: r.next_attempt_at,
  leaseUntil: r.lease_until,
  ...(r.last_error ? { lastError: r.last_error } : {}),
  possibleDuplicate: r.possible_duplicate === 1,
  createdAt: r.created_at,
});

const relayedFromRow = (r: RelayedRow): RelayedRecord => ({
  id: r.id,
  resource: r.resource,
  principal: r.principal,
  recipients: r.recipients,
  size: r.size,
  ...(r.upstream_id ? { upstreamId: r.upstream_id } : {}),
  via: r.via === 'graph' ? 'graph' : 'smtp',
  attempts: r.attempts,
  possibleDuplicate: r.possible_duplicate === 1,
  acceptedAt: r.accepted_at,
  relayedAt: r.relayed_at,
});

const deadFromRow = (r: DeadRow): DeadLetterRecord => ({
  id: r.id,
  resource: r.resource,
  principal: r.principal,
  mailFrom: r.mail_from,
  rcptTo: JSON.parse(r.rcpt_to) as string[],
  status: r.status,
  reason: r.reason,
  size: r.size,
  bounce: r.bounce,
  createdAt: r.created_at,
});

export function sqlGatewayStore(ctx: SqlContext): GatewayStore {
  const sql = ctx.db;
  return {
    async putGatewayUser(u) {
      await sql.run(
        `INSERT INTO gateway_users (name, password_hash, disabled, send_resource, receive_resource, allowed_from, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET password_hash = excluded.password_hash, disabled = excluded.disabled,
           send_resource = excluded.send_resource, receive_resource = excluded.receive_resource,
           allowed_from = excluded.allowed_from, updated_at = excluded.updated_at`,
        [
          u.name,
          u.passwordHash,
          u.disabled ? 1 : 0,
          u.sendResource ?? null,
          u.receiveResource ?? null,
          JSON.stringify(u.allowedFrom),
          u.createdAt,
          u.updatedAt,
        ],
      );
    },
    async getGatewayUser(name) {
      const [row] = await sql.all<UserRow>('SELECT * FROM gateway_users WHERE name = ?', [name]);
      return row ? userFromRow(row) : undefined;
    },
    async listGatewayUsers() {
      return (await sql.all<UserRow>('SELECT * FROM gateway_users ORDER BY name')).map(userFromRow);
    },
    async deleteGatewayUser(name) {
      return sql.transaction(async (q) => {
        await q.run('DELETE FROM gateway_user_usage WHERE name = ?', [name]);
        return (await q.run('DELETE FROM gateway_users WHERE name = ?', [name])) > 0;
      });
    },
    async recordGatewayUse(name, protocol, use) {
      await sql.run(
        `INSERT INTO gateway_user_usage (name, protocol, logins, failures, messages, last_used_at, last_address)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (name, protocol) DO UPDATE SET logins = gateway_user_usage.logins + excluded.logins,
           failures = gateway_user_usage.failures + excluded.failures, messages = gateway_user_usage.messages + excluded.messages,
           last_used_at = excluded.last_used_at, last_address = excluded.last_address`,
        [name, protocol, use.login ? 1 : 0, use.failure ? 1 : 0, use.messages ?? 0, use.at, use.address],
      );
    },
    async gatewayUsage(name) {
      const rows = await sql.all<{
        name: string;
        protocol: string;
        logins: number;
        failures: number;
        messages: number;
        last_used_at: number | null;
        last_address: string | null;
      }>(
        name === undefined
          ? 'SELECT * FROM gateway_user_usage ORDER BY name, protocol'
          : 'SELECT * FROM gateway_user_usage WHERE name = ? ORDER BY protocol',
        name === undefined ? [] : [name],
      );
      return rows.map((r) => ({
        name: r.name,
        protocol: r.protocol as GatewayUsageProtocol,
        logins: r.logins,
        failures: r.failures,
        messages: r.messages,
        ...(r.last_used_at !== null ? { lastUsedAt: r.last_used_at } : {}),
        ...(r.last_address ? { lastAddress: r.last_address } : {}),
      }));
    },

    async spoolMessage(e, now) {
      await sql.transaction(async (q) => {
        await q.run('INSERT INTO gateway_spool_raw (id, raw) VALUES (?, ?)', [e.id, e.raw.toString('base64')]);
        await q.run(
          `INSERT INTO gateway_spool (id, resource, principal, source, mail_from, rcpt_to, dsn, size, state, attempts, next_attempt_at, lease_until, last_error, possible_duplicate, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', 0, ?, 0, NULL, 0, ?, ?)`,
          [
            e.id,
            e.resource,
            e.principal,
            e.source,
            e.mailFrom,
            JSON.stringify(e.rcptTo),
            JSON.stringify(e.dsn),
            e.raw.length,
            now,
            now,
            now,
          ],
        );
      });
    },
    async claimSpooled(now, leaseMs, limit) {
      const candidates = await sql.all<SpoolRow>(
        `SELECT ${SPOOL_COLUMNS} FROM gateway_spool
         WHERE (state = 'queued' AND next_attempt_at <= ?) OR (state = 'sending' AND lease_until <= ?)
         ORDER BY next_attempt_at, created_at LIMIT ?`,
        [now, now, limit],
      );
      const claimed: SpoolEntry[] = [];
      for (const row of candidates) {
        // A conditional update is the claim: another worker (instance) that read the same row loses it here.
        const stale = row.state === 'sending';
        const changed = await sql.run(
          `UPDATE gateway_spool SET state = 'sending', lease_until = ?, attempts = attempts + 1, updated_at = ?,
             possible_duplicate = CASE WHEN ? = 1 THEN 1 ELSE possible_duplicate END
           WHERE id = ? AND state = ? AND lease_until = ? AND attempts = ?`,
          [now + leaseMs, now, stale ? 1 : 0, row.id, row.state, row.lease_until, row.attempts],
        );
        if (changed === 1) {
          claimed.push({
            ...spoolFromRow(row),
            state: 'sending',
            leaseUntil: now + leaseMs,
            attempts: row.attempts + 1,
            possibleDuplicate: stale || row.possible_duplicate === 1,
          });
        }
      }
      return claimed;
    },
    async claimSpooledById(id, now, leaseMs) {
      const [row] = await sql.all<SpoolRow>(
        `UPDATE gateway_spool SET state = 'sending', lease_until = ?, attempts = attempts + 1, updated_at = ?
         WHERE id = ? AND state = 'queued' AND next_attempt_at <= ?
         RETURNING ${SPOOL_COLUMNS}`,
        [now + leaseMs, now, id, now],
      );
      return row ? spoolFromRow(row) : undefined;
    },
    async spooledRaw(id) {
      const [row] = await sql.all<{ raw: string }>('SELECT raw FROM gateway_spool_raw WHERE id = ?', [id]);
      return row ? Buffer.from(row.raw, 'base64') : undefined;
    },
    async rescheduleSpooled(id, at, error, now) {
      await sql.run(
        `UPDATE gateway_spool SET state = 'queued', next_attempt_at = ?, lease_until = 0, last_error = ?, updated_at = ? WHERE id = ?`,
        [at, error, now, id],
      );
    },
    async markSpooledRelayed(id, r) {
      await sql.transaction(async (q) => {
        await unspool(q, id);
        await q.run(
          `INSERT INTO gateway_relayed (id, resource, principal, recipients, size, upstream_id, via, attempts, possible_duplicate, accepted_at, relayed_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
          [
            r.id,
            r.resource,
            r.principal,
            r.recipients,
            r.size,
            r.upstreamId ?? null,
            r.via,
            r.attempts,
            r.possibleDuplicate ? 1 : 0,
            r.acceptedAt,
            r.relayedAt,
          ],
        );
      });
    },
    async markSpooledDead(id, d) {
      await sql.transaction(async (q) => {
        const [row] = await q.all<{ raw: string }>('SELECT raw FROM gateway_spool_raw WHERE id = ?', [id]);
        await unspool(q, id);
        await q.run(
          `INSERT INTO gateway_dead_letters (id, resource, principal, mail_from, rcpt_to, status, reason, raw, size, bounce, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
          [
            d.id,
            d.resource,
            d.principal,
            d.mailFrom,
            JSON.stringify(d.rcptTo),
            d.status,
            d.reason,
            row?.raw ?? '',
            d.size,
            d.bounce,
            d.createdAt,
          ],
        );
      });
    },
    async relayedSince(resource, since) {
      const [row] = await sql.all<{
        messages: number | string;
        recipients: number | string | null;
        oldest: number | string | null;
      }>(
        'SELECT COUNT(*) AS messages, SUM(recipients) AS recipients, MIN(relayed_at) AS oldest FROM gateway_relayed WHERE resource = ? AND relayed_at > ?',
        [resource, since],
      );
      return {
        messages: Number(row?.messages ?? 0),
        recipients: Number(row?.recipients ?? 0),
        ...(row?.oldest != null ? { oldest: Number(row.oldest) } : {}),
      };
    },
    async listSpool() {
      return (await sql.all<SpoolRow>(`SELECT ${SPOOL_COLUMNS} FROM gateway_spool ORDER BY created_at`)).map(
        spoolFromRow,
      );
    },
    async listRelayed(limit) {
      return (await sql.all<RelayedRow>('SELECT * FROM gateway_relayed ORDER BY relayed_at DESC LIMIT ?', [limit])).map(
        relayedFromRow,
      );
    },
    async listGatewayDeadLetters(limit) {
      return (
        await sql.all<DeadRow>(
          'SELECT id, resource, principal, mail_from, rcpt_to, status, reason, size, bounce, created_at FROM gateway_dead_letters ORDER BY created_at DESC LIMIT ?',
          [limit],
        )
      ).map(deadFromRow);
    },
    async gatewayDeadLetterRaw(id) {
      const [row] = await sql.all<{ raw: string }>('SELECT raw FROM gateway_dead_letters WHERE id = ?', [id]);
      return row ? Buffer.from(row.raw, 'base64') : undefined;
    },
    async pruneRelayed(before) {
      return sql.run('DELETE FROM gateway_relayed WHERE relayed_at < ?', [before]);
    },
    async takeGatewaySubmission(keys, now, pruneBefore) {
      return sql.transaction(
        async (q): Promise<SubmissionTake> => {
          await q.run('DELETE FROM gateway_submissions WHERE at < ?', [pruneBefore]);
          for (const { key, windows } of keys) {
            for (const window of windows) {
              if (window.max <= 0) continue;
              const [row] = await q.all<{ n: number | string; oldest: number | string | null }>(
                'SELECT COUNT(*) AS n, MIN(at) AS oldest FROM gateway_submissions WHERE rate_key = ? AND at > ?',
                [key, now - window.windowMs],
              );
              if (Number(row?.n ?? 0) >= window.max) {
                return { ok: false, key, window, retryAt: Number(row?.oldest ?? now) + window.windowMs };
              }
            }
          }
          for (const { key } of keys) {
            await q.run('INSERT INTO gateway_submissions (rate_key, at) VALUES (?, ?)', [key, now]);
          }
          return { ok: true };
          // One writer at a time across instances: two gateways over one PostgreSQL count together.
        },
        { lock: 'gateway-submissions' },
      );
    },
  };
}
