import type { TokenManager } from '../auth/token-manager.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Resource } from '../config/resource.js';
import { fairShare, mailboxKey } from '../store/leases.js';
import type { DeliveryRecord, Store, TriggerRecord } from '../store/store.js';
import type { TriggerHandler } from './deliver.js';
import { describeError } from './pause.js';
import { replayDelivery } from './replay.js';
import type { NotificationHub } from './notify/hub.js';
import { sweepOrphanSubscriptions } from './notify/sweep.js';
import { TriggerWatcher, type WatcherStatus } from './watcher.js';

/** Options of {@link TriggerRunner}. */
export interface TriggerRunnerOptions {
  store: Store;
  tokens: TokenManager;
  logger?: Logger;
  /** TypeScript handlers, by the name a `handler` target gives. */
  handlers?: Record<string, TriggerHandler>;
  /**
   * How often the runner re-reads the store: triggers added, changed, removed, paused or
   * resumed by another process (CLI, API), and token-paused triggers whose resource got a new
   * consent. Default 30 s.
   */
  syncIntervalMs?: number;
  /**
   * Set when several instances share one (PostgreSQL) store: this runner then watches only the
   * triggers it holds a lease for, and takes its fair share of the others' when they die.
   */
  instanceId?: string;
  leases?: LeaseOptions;
  /** Graph change notifications for triggers in mode notify (`mailbridge serve` makes one). */
  notifications?: NotificationHub;
  /**
   * EWS streaming triggers of app-only resources share GetStreamingEvents connections, this many
   * subscriptions each (default and most: 200, Microsoft's cap; 1: a connection per trigger).
   */
  ewsStreamingGroupSize?: number;
}

/** Mailbox leases, when several instances share one PostgreSQL store. */
export interface LeaseOptions {
  /** How long a lease (and the instance's heartbeat) lives unrenewed: the failover time. Default 30 s. */
  ttlMs?: number;
  /** How often leases are renewed and free ones taken (also the store re-read period). Default ttl / 3. */
  renewIntervalMs?: number;
  /**
   * Live leases per mailbox (host + user) across all instances: each is one IMAP/POP3
   * connection, and Exchange Online allows 20 per user and protocol; the default 10 leaves room
   * for people's own clients and mailbridge's other operations.
   */
  perMailboxLimit?: number;
}

/** A watcher status with the resource it watches. */
export interface TriggerRunnerStatus extends WatcherStatus {
  resource: string;
}

/** Marks pauses the runner may lift by itself once the resource's token is Available again. */
const TOKEN_PAUSE_PREFIX = 'refresh token status';

/**
 * Runs every enabled trigger of a store in this process, one watcher each.
 * @example
 * ```ts
 * const runner = new TriggerRunner({
 *   store, tokens,
 *   handlers: { archive: async (d) => { console.log(d.message.subject); } },
 * });
 * await runner.start();
 * // … later
 * await runner.stop();
 * ```
 */
export class TriggerRunner {
  readonly #o: TriggerRunnerOptions;
  readonly #handlers: Map<string, TriggerHandler>;
  readonly #watchers = new Map<string, { watcher: TriggerWatcher; updatedAt: number; resource: string }>();
  #paused = new Map<string, TriggerRecord>();
  #timer: NodeJS.Timeout | undefined;
  #renewTimer: NodeJS.Timeout | undefined;
  #renewing: Promise<unknown> | undefined;
  #syncing: Promise<void> | undefined;
  #started = false;
  #sweep: Promise<number> = Promise.resolve(0);
  /** Leased mode: the triggers this instance holds a lease for, and until when that is sure. */
  #held = new Set<string>();
  #heldUntil = 0;
  readonly #lease: Required<LeaseOptions> | undefined;

  constructor(o: TriggerRunnerOptions) {
    this.#o = o;
    this.#handlers = new Map(Object.entries(o.handlers ?? {}));
    // Queued notifications are taken only for the triggers this instance holds leases on.
    if (o.notifications && o.instanceId !== undefined) o.notifications.instanceId = o.instanceId;
    if (o.instanceId !== undefined) {
      const ttlMs = o.leases?.ttlMs ?? 30_000;
      this.#lease = { ttlMs, renewIntervalMs: o.leases?.renewIntervalMs ?? Math.max(1, Math.floor(ttlMs / 3)), perMailboxLimit: o.leases?.perMailboxLimit ?? 10 };
    }
  }

  /** Starts a watcher for every enabled trigger and re-reads the store periodically; idempotent. */
  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    const hub = this.#o.notifications;
    if (hub) {
      hub.start();
      this.#sweep = sweepOrphanSubscriptions({ store: this.#o.store, tokens: this.#o.tokens, hub }).catch((e: unknown) => {
        this.#o.logger?.warn({ event: 'graph_subscription_sweep_failed', error: describeError(e) }, 'could not sweep orphaned Graph subscriptions');
        return 0;
      });
    }
    await this.sync();
    this.#timer = setInterval(() => void this.sync().catch((e: unknown) => {
      this.#o.logger?.warn({ event: 'trigger_sync_failed', error: describeError(e) }, 'could not read the triggers from the store');
    }), this.#lease ? Math.min(this.#lease.renewIntervalMs, this.#o.syncIntervalMs ?? Infinity) : this.#o.syncIntervalMs ?? 30_000);
    this.#timer.unref();
    if (this.#lease) {
      // Renewal runs on its own clock, never queued behind a sync busy starting watchers.
      this.#renewTimer = setInterval(() => { this.#renewing ??= this.#renew().finally(() => { this.#renewing = undefined; }); }, this.#lease.renewIntervalMs);
      this.#renewTimer.unref();
    }
  }

  /**
   * Stops every watcher. In leased mode the leases are then released and the instance leaves
   * the live list, so the others take its mailboxes at once; `releaseLeases: false` leaves them
   * to expire as a crash would.
   */
  async stop(opts: { releaseLeases?: boolean } = {}): Promise<void> {
    this.#started = false;
    clearInterval(this.#timer);
    clearInterval(this.#renewTimer);
    await this.#syncing;
    await this.#renewing;
    const all = [...this.#watchers.values()];
    this.#watchers.clear();
    await Promise.all(all.map((w) => w.watcher.stop()));
    await this.#o.notifications?.stop();
    const id = this.#o.instanceId;
    if (this.#lease && id !== undefined && opts.releaseLeases !== false) {
      this.#held = new Set();
      await this.#o.store.releaseLeases(id);
      await this.#o.store.removeInstance(id);
    }
  }

  /** How many orphaned Graph subscriptions the start-up sweep deleted, once it is done. */
  notificationSweep(): Promise<number> {
    return this.#sweep;
  }

  /** Leased mode: the triggers this instance holds a lease for (sorted). */
  heldLeases(): string[] {
    return [...this.#held].sort();
  }

  /** Every trigger this runner knows: running, retrying or paused. */
  status(): TriggerRunnerStatus[] {
    const out: TriggerRunnerStatus[] = [...this.#watchers.values()].map((w) => ({ ...w.watcher.status(), resource: w.resource }));
    for (const t of this.#paused.values()) {
      if (this.#watchers.has(t.definition.name)) continue;
      out.push({ trigger: t.definition.name, resource: t.definition.resource, state: 'paused', delivered: 0, dead: 0,
        ...(t.pauseReason ? { pauseReason: t.pauseReason } : {}) });
    }
    // Code-unit order: localeCompare costs ~100x more, and status() is asked of 10,000 watchers.
    return out.sort((a, b) => (a.trigger < b.trigger ? -1 : a.trigger > b.trigger ? 1 : 0));
  }

  /** Brings the running watchers in line with the store (one sync at a time). */
  sync(): Promise<void> {
    this.#syncing ??= this.#sync().finally(() => { this.#syncing = undefined; });
    return this.#syncing;
  }

  /**
   * Pauses a trigger (stored, so every instance and a restart keep it paused).
   * @throws ConfigError `TRIGGER_NOT_FOUND` when there is no such trigger.
   */
  async pause(name: string, reason = 'paused by a person'): Promise<void> {
    await this.#require(name);
    await this.#o.store.setTriggerPaused(name, true, reason);
    await this.#o.store.addTriggerEvent(name, 'paused', reason);
    await this.sync();
  }

  /**
   * Resumes a paused trigger.
   * @throws ConfigError `TRIGGER_NOT_FOUND` when there is no such trigger.
   */
  async resume(name: string): Promise<void> {
    await this.#require(name);
    await this.#o.store.setTriggerPaused(name, false);
    await this.#o.store.addTriggerEvent(name, 'resumed', 'resumed by a person');
    await this.sync();
  }

  /** Delivers a dead letter (or failed delivery) again now; see `replayDelivery`. */
  replay(deliveryId: string): Promise<DeliveryRecord> {
    return replayDelivery({ store: this.#o.store, tokens: this.#o.tokens, handlers: this.#handlers,
      ...(this.#o.logger ? { logger: this.#o.logger } : {}) }, deliveryId);
  }

  async #sync(): Promise<void> {
    let triggers: TriggerRecord[];
    try {
      triggers = await this.#o.store.listTriggers();
    } catch (e) {
      // The database is out of reach: leases held past their sure lifetime may be another's now.
      if (this.#lease && Date.now() >= this.#heldUntil) await this.#stopWatchers([...this.#watchers.keys()]);
      throw e;
    }
    if (this.#lease && this.#started) await this.#leaseRound(triggers, this.#lease);
    const byName = new Map(triggers.map((t) => [t.definition.name, t]));
    this.#paused = new Map();
    for (const [name, w] of [...this.#watchers]) {
      const t = byName.get(name);
      const ended = w.watcher.status().state === 'paused' || w.watcher.status().state === 'stopped';
      if (!t || t.paused || t.updatedAt !== w.updatedAt || ended || !this.#mayWatch(name)) {
        this.#watchers.delete(name);
        await w.watcher.stop();
      }
    }
    if (!this.#started) return;
    for (const t of triggers) {
      const name = t.definition.name;
      if (t.paused && !(await this.#liftTokenPause(t))) {
        this.#paused.set(name, t);
        continue;
      }
      if (this.#watchers.has(name) || !this.#mayWatch(name)) continue;
      const current = t.paused ? await this.#o.store.getTrigger(name) : t;
      if (!current) continue;
      const watcher = new TriggerWatcher({
        store: this.#o.store, tokens: this.#o.tokens, definition: current.definition, handlers: this.#handlers,
        ...(this.#o.logger ? { logger: this.#o.logger } : {}),
        ...(this.#o.notifications ? { notifications: this.#o.notifications } : {}),
        ...(this.#o.ewsStreamingGroupSize !== undefined ? { ewsStreamingGroupSize: this.#o.ewsStreamingGroupSize } : {}),
      });
      this.#watchers.set(name, { watcher, updatedAt: current.updatedAt, resource: current.definition.resource });
      watcher.start();
    }
  }

  #mayWatch(name: string): boolean {
    return !this.#lease || (this.#held.has(name) && Date.now() < this.#heldUntil);
  }

  /**
   * One round of leasing: heartbeat, renew what is held, give back leases of triggers gone or
   * paused and any beyond the fair share (after stopping their watchers, so a mailbox is never
   * watched twice), then take free ones up to ceil(active triggers / live instances). A failed
   * round keeps the current leases only as long as they surely live (`#heldUntil`).
   */
  async #leaseRound(triggers: readonly TriggerRecord[], lease: Required<LeaseOptions>): Promise<void> {
    const store = this.#o.store;
    const id = this.#o.instanceId!;
    try {
      const renewed = await this.#renew(true);
      const active = triggers.filter((t) => !t.paused);
      const activeNames = new Set(active.map((t) => t.definition.name));
      const share = fairShare(active.length, (await store.listLiveInstances()).length);
      const kept = renewed.filter((n) => activeNames.has(n));
      const giveBack = [...renewed.filter((n) => !activeNames.has(n)), ...kept.slice(share)];
      if (giveBack.length > 0) {
        this.#held = new Set(kept.slice(0, share));
        await this.#stopWatchers(giveBack);
        await store.releaseLeases(id, giveBack);
      }
      const held = new Set(kept.slice(0, share));
      if (held.size < share) {
        const resources = new Map((await store.listResources()).map((r): [string, Resource] => [r.name, r]));
        const candidates = active.filter((t) => !held.has(t.definition.name))
          .map((t) => ({ name: t.definition.name, mailbox: mailboxKey(resources.get(t.definition.resource), t.definition.resource) }));
        for (const n of await store.acquireLeases({ owner: id, candidates, max: share, perMailboxLimit: lease.perMailboxLimit, ttlMs: lease.ttlMs })) held.add(n);
      }
      this.#held = held;
    } catch (e) {
      this.#o.logger?.warn({ event: 'trigger_lease_failed', instance: id, error: describeError(e) }, 'could not renew or take mailbox leases');
    }
  }

  /**
   * Heartbeat and renewal: what this instance still holds, and until when that is sure. Leases
   * it lost (expired before renewal) stop their watchers at the next sync.
   */
  async #renew(rethrow = false): Promise<string[]> {
    const lease = this.#lease!;
    const id = this.#o.instanceId!;
    const startedAt = Date.now();
    try {
      await this.#o.store.heartbeat(id, lease.ttlMs);
      const renewed = await this.#o.store.renewLeases(id, lease.ttlMs);
      this.#heldUntil = startedAt + lease.ttlMs;
      const still = new Set(renewed);
      this.#held = new Set([...this.#held].filter((n) => still.has(n)));
      return renewed;
    } catch (e) {
      if (rethrow) throw e;
      this.#o.logger?.warn({ event: 'trigger_lease_renew_failed', instance: id, error: describeError(e) }, 'could not renew mailbox leases');
      return [];
    }
  }

  async #stopWatchers(names: readonly string[]): Promise<void> {
    await Promise.all(names.map(async (name) => {
      const w = this.#watchers.get(name);
      if (!w) return;
      this.#watchers.delete(name);
      await w.watcher.stop();
    }));
  }

  /** A trigger paused for its token resumes by itself after a new consent (status Available). */
  async #liftTokenPause(t: TriggerRecord): Promise<boolean> {
    if (!t.pauseReason?.startsWith(TOKEN_PAUSE_PREFIX)) return false;
    const status = await this.#o.tokens.status(t.definition.resource).catch(() => undefined);
    if (status?.status !== 'Available') return false;
    await this.#o.store.setTriggerPaused(t.definition.name, false);
    await this.#o.store.addTriggerEvent(t.definition.name, 'resumed', `refresh token of ${t.definition.resource} is Available again`);
    return true;
  }

  async #require(name: string): Promise<TriggerRecord> {
    const t = await this.#o.store.getTrigger(name);
    if (!t) {
      throw new ConfigError({ code: 'TRIGGER_NOT_FOUND', message: `no trigger named "${name}"`,
        hint: 'list them with `mailbridge trigger list`', field: 'trigger' });
    }
    return t;
  }
}
