import { randomBytes } from 'node:crypto';
import { ProtocolError } from '../errors.js';
import type { Logger } from '../log.js';
import { Semaphore } from '../protocols/graph/semaphore.js';
import type { GatewayStore, SpoolEntry } from '../store/gateway.js';
import { buildBounce } from './dsn.js';
import { classifyFailure, type DeliveryFailure } from './failure.js';
import type { Upstream } from './upstream.js';

/**
 * The delivery worker: takes due messages from the spool, relays them through their resource's
 * upstream and records the outcome. A message leaves the spool only in the same transaction that
 * records its relay or its dead letter, so a crash anywhere leaves it spooled: at worst it is
 * sent twice, never lost. A message claimed by a worker that died mid-send is flagged as a
 * possible duplicate when it is tried again, and counted.
 *
 * Exchange's limits per sending mailbox are kept here, from what was relayed (durable, so a
 * restart does not reset them): 30 messages a minute and 10,000 recipients in 24 hours
 * (https://learn.microsoft.com/office365/servicedescriptions/exchange-online-service-description/exchange-online-limits);
 * a message over a limit waits for the window instead of being refused upstream.
 */

export interface DeliveryLimits {
  /** Per resource (sending mailbox) per minute; Exchange: 30. 0 = no limit (e.g. a local relay). */
  messagesPerMinute: number;
  /** Per resource per rolling 24 hours; Exchange: 10,000. */
  recipientsPerDay: number;
}

export interface RetryPolicy {
  /** First retry after this; doubles each attempt. Default 30 s. */
  baseMs: number;
  /** Longest wait between attempts. Default 1 hour. */
  maxMs: number;
  /** A message still failing this long after it was accepted is bounced. Default 2 days. */
  maxAgeMs: number;
}

export interface SpoolWorkerOptions {
  store: GatewayStore;
  /** The upstream for a resource name (opened once and kept). */
  upstream(resource: string): Promise<Upstream>;
  limits: DeliveryLimits;
  retry: RetryPolicy;
  /** How many messages are in flight at once (all resources). Default 8. */
  concurrency?: number;
  /** How long a claim holds before another worker may take the message over. Default 10 minutes. */
  leaseMs?: number;
  /** Messages in flight per resource (sending mailbox): Exchange allows 3 SMTP connections and 4 Graph requests. Default 3. */
  perResource?: number;
  /** Reporting-MTA of bounces. */
  hostname: string;
  /** The From of bounces; default the sending mailbox itself (Exchange allows no other without Send As). */
  bounceFrom?: string;
  /** Where bounces are sent from (a resource that may send to the envelope sender); none = dead letter only. */
  bounceResource?: string;
  logger?: Logger;
  now?: () => number;
  /** Told of every outcome (tests wait for these instead of polling). */
  onOutcome?(o: SpoolOutcome): void;
  /** Poll interval when idle; a new submission wakes the worker at once. Default 1 s. */
  pollMs?: number;
}

export interface SpoolWorker {
  /** Look for due messages in the store now. */
  wake(): void;
  /**
   * Hands over a message this process has just spooled, with its bytes: it is claimed by id and
   * relayed from memory, without a scan of the spool or reading it back. The store stays the
   * truth: a message offered here and lost with the process is found there later.
   */
  offer(id: string, raw: Buffer): void;
  /** Stops taking new work and waits for what is in flight. */
  stop(): Promise<void>;
  /** Counters since start, for the log and the bench. */
  stats(): { relayed: number; retried: number; bounced: number; possibleDuplicates: number };
}

export type SpoolOutcome =
  | { kind: 'relayed'; id: string; via: 'smtp' | 'graph'; upstreamId: string; possibleDuplicate: boolean }
  | { kind: 'deferred'; id: string; status: string; diagnostic: string; retryInMs: number }
  | { kind: 'failed'; id: string; status: string; diagnostic: string; bounce: string };

/** The principal of the gateway's own bounces. */
export const DSN_PRINCIPAL = 'gateway:dsn';

export const DEFAULT_LIMITS: DeliveryLimits = { messagesPerMinute: 30, recipientsPerDay: 10_000 };
/** Bounds of the hand-over queue: a burst beyond them is read back from the store instead. */
const FRESH_MAX_MESSAGES = 1000;
const FRESH_MAX_BYTES = 64 * 1024 * 1024;

export const DEFAULT_RETRY: RetryPolicy = { baseMs: 30_000, maxMs: 3_600_000, maxAgeMs: 2 * 86_400_000 };

export function startSpoolWorker(o: SpoolWorkerOptions): SpoolWorker {
  const now = o.now ?? Date.now;
  const concurrency = o.concurrency ?? 8;
  const leaseMs = o.leaseMs ?? 10 * 60_000;
  const pollMs = o.pollMs ?? 1000;
  const inFlight = new Set<Promise<void>>();
  const slots = new Map<string, Semaphore>();
  const slotsOf = (resource: string): Semaphore => {
    let s = slots.get(resource);
    if (!s) slots.set(resource, (s = new Semaphore(o.perResource ?? 3)));
    return s;
  };
  const stats = { relayed: 0, retried: 0, bounced: 0, possibleDuplicates: 0 };
  /** Resources waiting for a rate window, until when. */
  const heldUntil = new Map<string, number>();
  let stopped = false;
  // Read through a function: stop() changes it while tick awaits, which narrowing cannot see.
  const isStopped = () => stopped;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;
  /** Just-spooled messages (id and bytes), relayed before anything found by a scan. */
  const fresh: { id: string; raw: Buffer }[] = [];
  let freshBytes = 0;
  /** Whether the store may hold due messages this worker has not claimed (retries, other instances, crashes). */
  let scanNeeded = true;
  let scanRequests = 0;

  const schedule = (ms: number, scan = false) => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      if (scan) scanNeeded = true;
      void tick();
    }, ms);
    timer.unref();
  };

  const start = (entry: SpoolEntry, raw?: Buffer) => {
    const p = deliver(entry, raw).finally(() => {
      inFlight.delete(p);
      schedule(0);
    });
    inFlight.add(p);
  };

  /** When `resource` may send `recipients` more (now, or the time its window frees). */
  async function windowOpensAt(resource: string, recipients: number): Promise<number> {
    const t = now();
    const held = heldUntil.get(resource);
    if (held !== undefined && held > t) return held;
    if (o.limits.messagesPerMinute > 0) {
      const minute = await o.store.relayedSince(resource, t - 60_000);
      if (minute.messages >= o.limits.messagesPerMinute) return (minute.oldest ?? t) + 60_000 + 1;
    }
    if (o.limits.recipientsPerDay > 0) {
      const day = await o.store.relayedSince(resource, t - 86_400_000);
      if (day.recipients + recipients > o.limits.recipientsPerDay) return (day.oldest ?? t) + 86_400_000 + 1;
    }
    return t;
  }

  async function tick(): Promise<void> {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        while (fresh.length > 0 && inFlight.size < concurrency && !isStopped()) {
          const f = fresh.shift()!;
          freshBytes -= f.raw.length;
          // Undefined when a scan (or another instance) claimed it first: it is being relayed there.
          const entry = await o.store.claimSpooledById(f.id, now(), leaseMs);
          if (entry) start(entry, f.raw);
        }
        const free = concurrency - inFlight.size;
        if (free <= 0 || !scanNeeded) break;
        const requests = scanRequests;
        const due = await o.store.claimSpooled(now(), leaseMs, free);
        for (const entry of due) start(entry);
        // A full batch means more may be due; a short one that nothing was spooled during means
        // the store has nothing else ready until the poll.
        scanNeeded = due.length === free || scanRequests !== requests;
        again = scanNeeded || fresh.length > 0;
      } while (again && !isStopped());
    } catch (e) {
      o.logger?.error({ err: e instanceof Error ? e.message : String(e) }, 'gateway: spool read failed; retrying');
    } finally {
      running = false;
    }
    schedule(pollMs, true);
  }

  async function deliver(entry: SpoolEntry, inMemory?: Buffer): Promise<void> {
    const log = {
      spoolId: entry.id,
      resource: entry.resource,
      principal: entry.principal,
      attempt: entry.attempts,
      recipients: entry.rcptTo.length,
      size: entry.size,
    };
    if (entry.possibleDuplicate) stats.possibleDuplicates++;
    try {
      const opensAt = await windowOpensAt(entry.resource, entry.rcptTo.length);
      if (opensAt > now()) {
        heldUntil.set(entry.resource, opensAt);
        // Waiting for a window is not an attempt: give the attempt back.
        await o.store.rescheduleSpooled(
          entry.id,
          opensAt,
          "waiting for the mailbox's sending limit (30 a minute, 10,000 recipients a day)",
          now(),
        );
        return;
      }
      const raw = inMemory ?? (await o.store.spooledRaw(entry.id));
      if (!raw) return; // relayed or dead-lettered meanwhile by another worker
      const upstream = await o.upstream(entry.resource);
      const release = await slotsOf(entry.resource).acquire();
      const started = now();
      let r: Awaited<ReturnType<Upstream['send']>>;
      try {
        r = await withTimeout(
          upstream.send({ raw, mailFrom: entry.mailFrom, rcptTo: entry.rcptTo }),
          Math.max(1000, Math.floor(leaseMs / 2)),
        );
      } finally {
        release();
      }
      await o.store.markSpooledRelayed(entry.id, {
        id: entry.id,
        resource: entry.resource,
        principal: entry.principal,
        recipients: entry.rcptTo.length,
        size: entry.size,
        upstreamId: r.upstreamId,
        via: r.via,
        attempts: entry.attempts,
        possibleDuplicate: entry.possibleDuplicate,
        acceptedAt: entry.createdAt,
        relayedAt: now(),
      });
      stats.relayed++;
      o.logger?.info(
        {
          ...log,
          via: r.via,
          upstreamId: r.upstreamId,
          ms: now() - started,
          possibleDuplicate: entry.possibleDuplicate || undefined,
        },
        'gateway: relayed',
      );
      if (r.rejected.length > 0) {
        const f: DeliveryFailure = {
          kind: 'permanent',
          status: '5.1.1',
          diagnostic: `smtp; the upstream refused the recipient (${r.upstreamId.slice(0, 120)})`,
        };
        const bounce = await sendBounce(entry, raw, r.rejected, f);
        o.logger?.warn(
          { ...log, rejected: r.rejected.length, bounce },
          'gateway: some recipients refused upstream; bounced',
        );
      }
      o.onOutcome?.({
        kind: 'relayed',
        id: entry.id,
        via: r.via,
        upstreamId: r.upstreamId,
        possibleDuplicate: entry.possibleDuplicate,
      });
    } catch (e) {
      const f = classifyFailure(e);
      const age = now() - entry.createdAt;
      if (f.kind === 'transient' && age < o.retry.maxAgeMs) {
        const backoff = Math.min(o.retry.maxMs, o.retry.baseMs * 2 ** Math.max(0, entry.attempts - 1));
        const wait = Math.max(f.retryAfterMs ?? 0, Math.round(backoff * (0.8 + Math.random() * 0.4)));
        if (f.retryAfterMs !== undefined) heldUntil.set(entry.resource, now() + f.retryAfterMs);
        await o.store.rescheduleSpooled(entry.id, now() + wait, f.diagnostic, now()).catch(() => undefined);
        stats.retried++;
        o.logger?.warn(
          { ...log, status: f.status, code: f.code, diagnostic: f.diagnostic, retryInMs: wait, hint: hintOf(e) },
          'gateway: delivery deferred',
        );
        o.onOutcome?.({ kind: 'deferred', id: entry.id, status: f.status, diagnostic: f.diagnostic, retryInMs: wait });
        return;
      }
      const final: DeliveryFailure =
        f.kind === 'transient'
          ? {
              ...f,
              kind: 'permanent',
              status: '4.4.7',
              diagnostic: `${f.diagnostic} (gave up after ${Math.round(age / 60_000)} minutes)`,
            }
          : f;
      await failPermanently(entry, final, log).catch((err: unknown) => {
        o.logger?.error(
          { ...log, err: err instanceof Error ? err.message : String(err) },
          'gateway: could not record a failed message; it stays spooled',
        );
      });
    }
  }

  /** Queues a DSN for `recipients` of `entry`; says what happened ('sent', 'null-sender', 'notify-never', 'failed: …'). */
  async function sendBounce(entry: SpoolEntry, raw: Buffer, recipients: string[], f: DeliveryFailure): Promise<string> {
    const wanted = recipients.filter((r) => {
      const n = entry.dsn.notify?.[entry.rcptTo.indexOf(r)];
      return !n || n.map((x) => x.toUpperCase()).includes('FAILURE');
    });
    // Never answer a null-sender message or our own bounce (RFC 5321 §4.5.5); obey NOTIFY=NEVER (RFC 3461).
    if (entry.mailFrom === '' || entry.principal === DSN_PRINCIPAL) return 'null-sender';
    if (wanted.length === 0) return 'notify-never';
    const resource = o.bounceResource ?? entry.resource;
    try {
      const from = o.bounceFrom ?? (await o.upstream(resource)).ownAddress ?? `postmaster@${o.hostname}`;
      const dsn = buildBounce({
        reportingMta: o.hostname,
        to: entry.mailFrom,
        from,
        recipients: wanted.map((address) => ({ address, status: f.status, diagnostic: f.diagnostic })),
        arrivalDate: new Date(entry.createdAt),
        ...(entry.dsn.envid ? { envid: entry.dsn.envid } : {}),
        ...(entry.dsn.ret ? { ret: entry.dsn.ret } : {}),
        original: raw,
      });
      // Spooled like any message (null sender: a bounce is never bounced), so a failing upstream keeps it.
      await o.store.spoolMessage(
        {
          id: `dsn-${randomBytes(8).toString('hex')}`,
          resource,
          principal: DSN_PRINCIPAL,
          source: 'gateway',
          mailFrom: '',
          rcptTo: [entry.mailFrom],
          dsn: {},
          raw: dsn,
        },
        now(),
      );
      wake();
      return 'sent';
    } catch (e) {
      return `failed: ${e instanceof Error ? e.message : String(e)}`;
    }
  }

  async function failPermanently(entry: SpoolEntry, f: DeliveryFailure, log: Record<string, unknown>): Promise<void> {
    const raw = (await o.store.spooledRaw(entry.id)) ?? Buffer.alloc(0);
    const bounce = await sendBounce(entry, raw, entry.rcptTo, f);
    await o.store.markSpooledDead(entry.id, {
      id: entry.id,
      resource: entry.resource,
      principal: entry.principal,
      mailFrom: entry.mailFrom,
      rcptTo: entry.rcptTo,
      status: f.status,
      reason: f.diagnostic,
      size: entry.size,
      bounce,
      createdAt: now(),
    });
    stats.bounced++;
    o.logger?.warn(
      { ...log, status: f.status, code: f.code, diagnostic: f.diagnostic, bounce },
      'gateway: delivery failed permanently; dead letter kept',
    );
    o.onOutcome?.({ kind: 'failed', id: entry.id, status: f.status, diagnostic: f.diagnostic, bounce });
  }

  function wake(): void {
    scanNeeded = true;
    scanRequests++;
    void tick();
  }

  function offer(id: string, raw: Buffer): void {
    // Past this much in memory the bytes stay in the store only; a scan finds the message.
    if (fresh.length >= FRESH_MAX_MESSAGES || freshBytes + raw.length > FRESH_MAX_BYTES) {
      wake();
      return;
    }
    fresh.push({ id, raw });
    freshBytes += raw.length;
    void tick();
  }

  schedule(0, true);
  return {
    wake,
    offer,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await Promise.allSettled([...inFlight]);
    },
    stats: () => ({ ...stats }),
  };
}

/** An upstream that neither answers nor fails must not hold a worker slot forever: past half the lease it counts as a transient failure. */
function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ProtocolError({
            code: 'TIMEOUT',
            message: `the upstream did not finish the delivery within ${Math.round(ms / 1000)} s`,
            hint: 'the message stays spooled and is tried again; check the upstream server',
            details: { family: 'send' },
          }),
        ),
      ms,
    );
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

function hintOf(e: unknown): string | undefined {
  return e && typeof e === 'object' && 'hint' in e && typeof e.hint === 'string' ? e.hint : undefined;
}
