import { createHash, timingSafeEqual } from 'node:crypto';
import type { Logger } from '../../log.js';
import { MAX_BATCH_STEPS } from '../../protocols/graph/batch.js';
import type { GraphHttp } from '../../protocols/graph/http.js';
import { Semaphore } from '../../protocols/graph/semaphore.js';
import {
  createSubscriptions,
  type CreateSubscription,
  type GraphSubscription,
} from '../../protocols/graph/subscriptions.js';
import type { GraphNotificationKind, GraphNotificationRow, GraphSubscriptionRecord } from '../../store/graph-notify.js';
import type { Store } from '../../store/store.js';
import { describeError } from '../pause.js';

/** Options of {@link NotificationHub}. */
export interface NotificationHubOptions {
  store: Store;
  /**
   * The service's public base URL as Graph reaches it (https://mail.example.com): subscriptions
   * send to `{publicUrl}/notifications/graph/{trigger}`. Without it, `notify` triggers pause.
   */
  publicUrl?: string;
  /** The instance id of the TriggerRunner (leased mode): queued rows are taken only for the triggers it holds. */
  instanceId?: string;
  /** How often the store's queue is read for notifications other instances received. Default 1000 ms. */
  pollMs?: number;
  /** Requested subscription lifetime. Default 10,000 minutes (Graph's mail maximum is 10,080). */
  subscriptionLifetimeMs?: number;
  /** Renew this long before expiry. Default 24 hours. */
  renewBeforeMs?: number;
  /**
   * Subscription operations (create, renew, reconcile) in flight at once in this process, across
   * all triggers. Default 64 (about three JSON batches of 20 creates): 10,000 triggers starting
   * together must not all ask Graph (and run its validation handshake against this very service)
   * at the same moment. Graph's own limits
   * are far above this (4 concurrent requests per app and mailbox, 130,000 requests per 10 s per
   * app: https://learn.microsoft.com/en-us/graph/throttling-limits).
   */
  subscribeConcurrency?: number;
  logger?: Logger;
}

/** One notification as Graph posts it (the route validates the body with zod first). */
export interface IncomingNotification {
  subscriptionId: string;
  clientState?: string | null | undefined;
  lifecycleEvent?: string | undefined;
}

/** What the endpoint did with a batch: queued, or dropped (unknown subscription, clientState mismatch). */
export interface AcceptResult {
  queued: number;
  dropped: number;
}

/** What a watcher does when its trigger is notified: wake its delta sync (or resync, reauthorize, recreate by `kind`). */
export type NotificationHandler = (kind: GraphNotificationKind) => void;

const LIFECYCLE_KINDS: ReadonlySet<string> = new Set(['missed', 'reauthorizationRequired', 'subscriptionRemoved']);
/** How long Graph's subscription list is reused after it was read (see listOnce). */
const LIST_KEEP_MS = 10 * 60_000;
/** Creates asked within this long of the first are batched together (JSON batching). */
const BATCH_WINDOW_MS = 10;
/** Subscriptions remembered for the clientState check; beyond this the cache starts over. */
const CACHE_MAX = 200_000;

/**
 * The notification side of one process: the public endpoint hands it what Graph posted (checked
 * against each subscription's clientState, then queued in the store), and it hands the queued
 * rows of the triggers this instance runs to their watchers. The queue is the store's, so a
 * notification received by any instance reaches the one holding the trigger's lease, once.
 * Notifications are only hints: a watcher woken by one runs a delta sync, and delta is the truth.
 */
export class NotificationHub {
  readonly #o: NotificationHubOptions;
  readonly #handlers = new Map<string, NotificationHandler>();
  readonly #states = new Map<string, { trigger: string; digest: Buffer }>();
  #timer: NodeJS.Timeout | undefined;
  #draining: Promise<void> | undefined;
  #again = false;
  #instanceId: string | undefined;
  /** `until` is unset while the list is being read (every caller shares that read). */
  readonly #lists = new Map<string, { list: Promise<unknown>; until: number | undefined }>();
  readonly #slots: Semaphore;
  #pendingSaves: { rec: GraphSubscriptionRecord; done: (e?: Error) => void }[] = [];
  readonly #creates = new Map<
    string,
    {
      http: GraphHttp;
      s: CreateSubscription;
      resolve: (sub: GraphSubscription) => void;
      reject: (e: unknown) => void;
    }[]
  >();

  constructor(o: NotificationHubOptions) {
    this.#o = o;
    this.#instanceId = o.instanceId;
    this.#slots = new Semaphore(Math.max(1, o.subscribeConcurrency ?? 64));
  }

  /**
   * Creates a subscription for an app-only resource: creates of the same app (`appKey`) asked
   * within a few milliseconds of each other go to Graph as one JSON batch of up to 20
   * (https://learn.microsoft.com/graph/json-batching); a step Graph throttles inside the batch
   * is sent again after its Retry-After. Delegated resources create theirs alone.
   * @internal The subscriber's wiring (its Graph client type is not part of the API).
   */
  createSubscription(appKey: string, http: GraphHttp, s: CreateSubscription): Promise<GraphSubscription> {
    return new Promise((resolve, reject) => {
      let q = this.#creates.get(appKey);
      if (!q) this.#creates.set(appKey, (q = []));
      q.push({ http, s, resolve, reject });
      if (q.length >= MAX_BATCH_STEPS) this.#flushCreates(appKey);
      else if (q.length === 1) setTimeout(() => this.#flushCreates(appKey), BATCH_WINDOW_MS).unref();
    });
  }

  #flushCreates(appKey: string): void {
    const q = this.#creates.get(appKey);
    if (!q || q.length === 0) return;
    const batch = q.splice(0, MAX_BATCH_STEPS);
    if (q.length > 0) setTimeout(() => this.#flushCreates(appKey), BATCH_WINDOW_MS).unref();
    else this.#creates.delete(appKey);
    createSubscriptions(
      batch[0]!.http,
      batch.map((b) => b.s),
      this.#o.logger ? { logger: this.#o.logger } : {},
    ).then(
      (results) => results.forEach((r, i) => (r instanceof Error ? batch[i]!.reject(r) : batch[i]!.resolve(r))),
      (e: unknown) => batch.forEach((b) => b.reject(e)),
    );
  }

  /** Runs one trigger's subscription work when a process-wide slot is free (see subscribeConcurrency). */
  async withSlot<T>(work: () => Promise<T>): Promise<T> {
    const release = await this.#slots.acquire();
    try {
      return await work();
    } finally {
      release();
    }
  }

  /**
   * Stores a subscription; the ones saved in the same moment (a start-up wave) go to the store
   * together, in one transaction, instead of one transaction each.
   */
  saveSubscription(rec: GraphSubscriptionRecord): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.#pendingSaves.length === 0) setImmediate(() => void this.#flushSaves());
      this.#pendingSaves.push({ rec, done: (e) => (e === undefined ? resolve() : reject(e)) });
    });
  }

  async #flushSaves(): Promise<void> {
    const batch = this.#pendingSaves;
    this.#pendingSaves = [];
    try {
      await this.#o.store.putGraphSubscriptions(batch.map((b) => b.rec));
      for (const b of batch) b.done();
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      for (const b of batch) b.done(err);
    }
  }

  get publicUrl(): string | undefined {
    return this.#o.publicUrl?.replace(/\/+$/, '');
  }

  /** Set once the service listens, when its address is known only then (port 0). */
  set publicUrl(url: string | undefined) {
    if (url === undefined) delete this.#o.publicUrl;
    else this.#o.publicUrl = url;
  }

  get lifetimeMs(): number {
    return this.#o.subscriptionLifetimeMs ?? 10_000 * 60_000;
  }

  get renewBeforeMs(): number {
    return this.#o.renewBeforeMs ?? 24 * 3_600_000;
  }

  get logger(): Logger | undefined {
    return this.#o.logger;
  }

  /** The runner's instance id (set by the runner in leased mode). */
  set instanceId(id: string | undefined) {
    this.#instanceId = id;
  }

  /**
   * Graph's subscription list, fetched once per app (or delegated resource) and kept 10 minutes
   * after it arrived: an app-only list holds every subscription of the app (10,000 of them are
   * 100 pages), so a wave of triggers starting together reads it once, not once per trigger or
   * per minute. A trigger whose stored subscription is not in it asks Graph for that one alone.
   */
  listOnce<T>(key: string, fetch: () => Promise<T>): Promise<T> {
    const hit = this.#lists.get(key);
    if (hit && (hit.until === undefined || hit.until > Date.now())) return hit.list as Promise<T>;
    const entry: { list: Promise<unknown>; until: number | undefined } = { list: fetch(), until: undefined };
    this.#lists.set(key, entry);
    entry.list.then(
      () => {
        entry.until = Date.now() + LIST_KEEP_MS;
      },
      () => {
        if (this.#lists.get(key) === entry) this.#lists.delete(key);
      },
    );
    return entry.list as Promise<T>;
  }

  /** Where Graph posts a trigger's change notifications. */
  urlFor(trigger: string): string | undefined {
    return this.publicUrl && `${this.publicUrl}/notifications/graph/${encodeURIComponent(trigger)}`;
  }

  /** Where Graph posts a trigger's lifecycle notifications. */
  lifecycleUrlFor(trigger: string): string | undefined {
    return this.publicUrl && `${this.publicUrl}/notifications/graph/${encodeURIComponent(trigger)}/lifecycle`;
  }

  /** A watcher listens for its trigger's notifications; returns the unsubscribe. */
  watch(trigger: string, handler: NotificationHandler): () => void {
    this.#handlers.set(trigger, handler);
    return () => {
      if (this.#handlers.get(trigger) === handler) this.#handlers.delete(trigger);
    };
  }

  /** Remember a subscription just created (this instance): its first notifications skip the store lookup. */
  remember(subscriptionId: string, trigger: string, clientState: string): void {
    if (this.#states.size >= CACHE_MAX) this.#states.clear();
    this.#states.set(subscriptionId, { trigger, digest: digest(clientState) });
  }

  /**
   * Checks and queues what Graph posted for `trigger`. A notification whose subscription is not
   * the trigger's, or whose clientState differs, is dropped with a log line (Graph is still
   * answered 202: a 4xx would only make it retry something that is not its fault, or not Graph's).
   */
  async accept(trigger: string, items: readonly IncomingNotification[], lifecycle: boolean): Promise<AcceptResult> {
    const rows: GraphNotificationRow[] = [];
    let dropped = 0;
    for (const n of items) {
      const known = await this.#state(n.subscriptionId);
      const reason = !known
        ? 'unknown subscription'
        : known.trigger !== trigger
          ? 'subscription of another trigger'
          : typeof n.clientState !== 'string' || !timingSafeEqual(digest(n.clientState), known.digest)
            ? 'clientState mismatch'
            : undefined;
      if (reason) {
        dropped++;
        this.#o.logger?.warn(
          { event: 'graph_notification_dropped', trigger, subscriptionId: n.subscriptionId, reason },
          `Graph notification dropped: ${reason}`,
        );
        continue;
      }
      const kind = n.lifecycleEvent !== undefined ? n.lifecycleEvent : lifecycle ? undefined : 'changed';
      if (kind === undefined || (kind !== 'changed' && !LIFECYCLE_KINDS.has(kind))) {
        dropped++;
        this.#o.logger?.info(
          { event: 'graph_notification_ignored', trigger, lifecycleEvent: n.lifecycleEvent },
          'Graph lifecycle notification of a kind not acted on',
        );
        continue;
      }
      rows.push({ trigger, kind: kind as GraphNotificationKind });
    }
    if (rows.length > 0) await this.#o.store.enqueueGraphNotifications(rows);
    return { queued: rows.length, dropped };
  }

  async #state(subscriptionId: string): Promise<{ trigger: string; digest: Buffer } | undefined> {
    const cached = this.#states.get(subscriptionId);
    if (cached) return cached;
    const rec = await this.#o.store.findGraphSubscription(subscriptionId);
    if (!rec) return undefined;
    this.remember(rec.subscriptionId, rec.trigger, rec.clientState.reveal());
    return this.#states.get(subscriptionId);
  }

  /** Reads the queue now (after this instance queued something itself). */
  poke(): void {
    if (this.#draining) {
      this.#again = true;
      return;
    }
    this.#draining = this.#drain().finally(() => {
      this.#draining = undefined;
      if (this.#again) {
        this.#again = false;
        this.poke();
      }
    });
  }

  /** Starts reading the queue every pollMs; idempotent. */
  start(): void {
    if (this.#timer) return;
    // A (re)start reconciles against Graph as it is now.
    this.#lists.clear();
    this.#timer = setInterval(() => this.poke(), this.#o.pollMs ?? 1000);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#draining;
  }

  async #drain(): Promise<void> {
    if (this.#handlers.size === 0) return;
    let rows: GraphNotificationRow[];
    try {
      rows = await this.#o.store.claimGraphNotifications(this.#instanceId);
    } catch (e) {
      this.#o.logger?.warn(
        { event: 'graph_notification_queue_failed', error: describeError(e) },
        'could not read the notification queue',
      );
      return;
    }
    for (const r of rows) {
      // A row of a trigger whose watcher is not (yet) running here needs nothing: a starting
      // watcher reconciles its subscription and syncs the folder anyway.
      this.#handlers.get(r.trigger)?.(r.kind);
    }
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
