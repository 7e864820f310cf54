import { setTimeout as sleep } from 'node:timers/promises';
import type { Resource } from '../config/resource.js';
import { isMailbridgeError } from '../errors.js';
import type { Logger } from '../log.js';
import { ewsEndpoint } from '../protocols/ews/client.js';
import { CONNECTION_TIMEOUT_MINUTES, type StreamingBatch } from '../protocols/ews/get-streaming-events.js';
import { SUBSCRIPTION_GONE } from '../protocols/ews/unsubscribe.js';
import type { EwsStreamingApi } from './ews-mailbox.js';
import { acquireSlot, connectionLimitFor, NewsSignal, type EwsStreamingOptions } from './ews-streaming.js';

/**
 * Many app-only EWS streaming triggers over few connections: subscriptions of mailboxes reached
 * through the same endpoint with the same app share GetStreamingEvents connections, up to 200
 * subscriptions each (Microsoft's cap per group), with affinity kept as Microsoft describes: every
 * Subscribe and GetStreamingEvents of a group carries `X-AnchorMailbox` (the group's first mailbox)
 * and `X-PreferServerAffinity: true`, and the `X-BackEndOverrideCookie` the server sets is sent
 * back, so the load balancer routes the whole group to the mailbox server that holds it.
 * https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/how-to-maintain-affinity-between-group-of-subscriptions-and-mailbox-server
 *
 * Each trigger keeps its own subscription and watermark (the store), and SyncFolderItems stays the
 * truth: an event only wakes its trigger's sync. What goes wrong, per Microsoft's table
 * (https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/handling-notification-related-errors-in-ews-in-exchange):
 * - an error naming some subscriptions (ErrorSubscriptionIds: ErrorSubscriptionNotFound,
 *   ErrorMissedNotificationEvents, ErrorProxiedSubscriptionCallFailure…): only those subscribe
 *   again and sync; the group then moves to a connection with the new ids, the others are not woken;
 * - ConnectionStatus Closed (the lifetime is over): the next connection at once, every trigger syncs once;
 * - the connection dies (network, cut envelope, silence, throttling): back off, reconnect, every
 *   trigger of the group syncs to catch up, as events written to a dead connection are lost;
 * - a trigger joining or leaving: the group moves to a new connection with the new set of ids,
 *   and the old one is closed once the new one is up (the server hands the subscriptions over and
 *   keeps their events meanwhile), so nobody else is woken;
 * - open connections per account stay under HangingConnectionLimit (the slot counter of
 *   ews-streaming.ts; a group's connection counts against the mailbox it impersonates).
 * Delegated resources are not grouped: one token speaks for one user, so each keeps its own connection.
 */

/** Microsoft's cap: subscriptions per group (and so per GetStreamingEvents connection). */
export const MAX_SUBSCRIPTIONS_PER_GROUP = 200;

/** Errors that concern the subscriptions they name: those subscribe again, the rest stay. */
const RESUBSCRIBE = new Set([
  ...SUBSCRIPTION_GONE,
  'ErrorMissedNotificationEvents',
  'ErrorProxiedSubscriptionCallFailure',
  'ErrorReadEventsFailed',
]);

/** Membership changes within this long make one reconnect (a starting service adds hundreds). */
const SETTLE_MS = 250;
/** A replaced connection is cut after this long if the server did not end it on the hand-over. */
const RETIRE_MS = 5000;

/** Resources whose streaming triggers may share connections: app-only (client credentials) with a mailbox to impersonate. */
export function groupableResource(resource: Resource): boolean {
  return resource.kind === 'ews' && resource.oauth?.flow === 'client_credentials' && !!resource.user;
}

/** Same endpoint, same app (tenant, client, token endpoint), same way there (TLS, proxy): one pool of groups. */
export function streamingGroupKey(resource: Resource): string {
  const o = resource.oauth;
  return JSON.stringify([
    ewsEndpoint(resource).href,
    o?.tokenUrl,
    o?.tenantId,
    o?.clientId,
    resource.tls,
    resource.proxy ?? null,
  ]);
}

export interface GroupedStreamingOptions extends EwsStreamingOptions {
  /** The pool: streamingGroupKey of the resource. */
  groupKey: string;
  /** The mailbox the member's calls impersonate (its resource user). */
  mailbox: string;
  /** Subscriptions per group (default and most: 200). */
  groupSize?: number;
}

/**
 * One trigger's membership in a subscription group: the same face as EwsStreamingWatch
 * (start, waitForNews, close), its connection shared.
 */
export class GroupedStreamingWatch {
  readonly o: GroupedStreamingOptions;
  readonly news = new NewsSignal();
  readonly #abort = new AbortController();
  #group: StreamingGroup | undefined;
  #loop: Promise<void> | undefined;
  /** Set by the group when the server lost this subscription: the loop subscribes again. */
  #lost: (() => void) | undefined;

  constructor(o: GroupedStreamingOptions) {
    this.o = o;
  }

  start(): void {
    this.#loop ??= this.#run().catch((e: unknown) => {
      this.o.logger?.error(
        { event: 'ews_streaming_crashed', folder: this.o.folder, error: String(e) },
        'EWS streaming loop stopped',
      );
    });
  }

  waitForNews(intervalMs: number, signal: AbortSignal): Promise<void> {
    return this.news.wait(intervalMs, signal);
  }

  async close(): Promise<void> {
    this.#abort.abort();
    this.#lost?.();
    await this.#loop;
    await this.#group?.leave(this);
  }

  /** The group's word that the server no longer has this subscription (per-subscription error). */
  lost(code: string): void {
    this.o.logger?.info(
      { event: 'ews_streaming_subscription_lost', folder: this.o.folder, mailbox: this.o.mailbox, code },
      'EWS streaming subscription lost; subscribing again',
    );
    this.#lost?.();
  }

  async #run(): Promise<void> {
    const o = this.o;
    const signal = this.#abort.signal;
    // A function, not the property: the compiler would take `aborted` as still false after the loop test.
    const stopped = () => signal.aborted;
    const backoff = o.backoff ?? { baseMs: 1000, maxMs: 5 * 60_000 };
    this.#group = joinGroup(this);
    let failures = 0;
    while (!signal.aborted) {
      try {
        let state = await o.state.load();
        if (!state) {
          const group = this.#group;
          const headers = await group.affinityFor(this);
          state = {
            subscriptionId: await o.api.subscribe(o.folder, { headers, onHeaders: (h) => group.takeCookie(h) }),
          };
          await o.state.save(state);
          o.logger?.info(
            { event: 'ews_streaming_subscribed', folder: o.folder, mailbox: o.mailbox },
            'EWS streaming subscription made',
          );
        }
        failures = 0;
        // A sync after every (re)subscription: events before it are not the server's to give.
        this.news.wake();
        // close() may have come while subscribing: the abort ends the wait too, or close would wait forever.
        if (stopped()) break;
        const lost = new Promise<void>((resolve) => {
          this.#lost = resolve;
          signal.addEventListener('abort', () => resolve(), { once: true });
        });
        this.#group.attach(this, state.subscriptionId);
        await lost;
        this.#lost = undefined;
        if (stopped()) break;
        await o.state.forget();
        o.onNotice?.(
          'streaming_subscribed',
          `the server no longer knows the subscription: subscribing to ${o.folder} again; a sync catches up on what happened meanwhile`,
        );
      } catch (e) {
        this.#group.release(this);
        if (stopped()) break;
        failures++;
        const text = e instanceof Error ? e.message : String(e);
        if (failures === 1)
          o.onNotice?.(
            'streaming_error',
            `EWS Subscribe failed (${text}); retrying with backoff and syncing meanwhile`,
          );
        o.logger?.warn(
          { event: 'ews_streaming_error', folder: o.folder, failures, error: text },
          'EWS Subscribe failed; retrying',
        );
        await sleep(Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(failures - 1, 20)), undefined, {
          signal,
        }).catch(() => undefined);
      }
    }
  }
}

// ---------------------------------------------------------------- the groups

interface Connection {
  ids: Map<string, GroupedStreamingWatch>;
  carrier: GroupedStreamingWatch;
  abort: AbortController;
  /** Resolves at the first envelope (the stream is up), or when it ends before one. */
  up: Promise<boolean>;
  done: Promise<'closed' | 'reopen' | 'failed' | 'aborted'>;
  error?: unknown;
  /** The server named subscriptions of this connection in an error: reopening is not a failure. */
  subscriptionErrors: number;
}

interface Pool {
  groups: StreamingGroup[];
}

const pools = new Map<string, Pool>();

function joinGroup(member: GroupedStreamingWatch): StreamingGroup {
  const key = member.o.groupKey;
  const cap = Math.max(1, Math.min(MAX_SUBSCRIPTIONS_PER_GROUP, member.o.groupSize ?? MAX_SUBSCRIPTIONS_PER_GROUP));
  let pool = pools.get(key);
  if (!pool) pools.set(key, (pool = { groups: [] }));
  let group = pool.groups.find((g) => g.size < cap);
  if (!group) {
    const created: StreamingGroup = new StreamingGroup(member, () => {
      pool.groups = pool.groups.filter((g) => g !== created);
      if (pool.groups.length === 0 && pools.get(key) === pool) pools.delete(key);
    });
    group = created;
    pool.groups.push(group);
  }
  group.add(member);
  return group;
}

/** Groups and their members in this process (tests, status): per pool, the member count of each group. */
export function streamingGroups(): number[][] {
  return [...pools.values()].map((p) => p.groups.map((g) => g.size));
}

class StreamingGroup {
  /** X-AnchorMailbox of every request of the group: the mailbox of its first member, kept for its life. */
  readonly anchor: string;
  readonly #members = new Set<GroupedStreamingWatch>();
  /** Subscription id → member, for the members subscribed. */
  readonly #subs = new Map<string, GroupedStreamingWatch>();
  #cookie: string | undefined;
  /** The anchor's first Subscribe sets the cookie the others then carry. */
  #anchorTried: Promise<void>;
  #anchorDone!: () => void;
  #changed: (() => void) | undefined;
  #dirty = false;
  #loop: Promise<void> | undefined;
  readonly #stop = new AbortController();
  #current: Connection | undefined;
  readonly #onEmpty: () => void;
  readonly #host: string;
  readonly #logger: Logger | undefined;
  readonly #minutes: number;
  readonly #idleTimeoutMs: number;
  readonly #backoff: { baseMs: number; maxMs: number };

  constructor(first: GroupedStreamingWatch, onEmpty: () => void) {
    this.anchor = first.o.mailbox.toLowerCase();
    this.#onEmpty = onEmpty;
    this.#host = first.o.host;
    this.#logger = first.o.logger;
    this.#minutes = Math.min(
      CONNECTION_TIMEOUT_MINUTES.max,
      Math.max(CONNECTION_TIMEOUT_MINUTES.min, first.o.connectionMinutes ?? 30),
    );
    this.#idleTimeoutMs = first.o.idleTimeoutMs ?? 180_000;
    this.#backoff = first.o.backoff ?? { baseMs: 1000, maxMs: 5 * 60_000 };
    this.#anchorTried = new Promise((resolve) => {
      this.#anchorDone = resolve;
    });
  }

  /** Members, subscribed or not yet: what the cap counts. */
  get size(): number {
    return this.#members.size;
  }

  add(member: GroupedStreamingWatch): void {
    this.#members.add(member);
  }

  /** The affinity headers of a Subscribe; members other than the anchor wait for its cookie (a few seconds at most). */
  async affinityFor(member: GroupedStreamingWatch): Promise<Record<string, string>> {
    if (member.o.mailbox.toLowerCase() !== this.anchor) {
      await Promise.race([this.#anchorTried, sleep(5000, undefined, { ref: false })]);
    }
    return this.#headers();
  }

  #headers(): Record<string, string> {
    return {
      'X-AnchorMailbox': this.anchor,
      'X-PreferServerAffinity': 'true',
      ...(this.#cookie ? { Cookie: `X-BackEndOverrideCookie=${this.#cookie}` } : {}),
    };
  }

  /** Keeps the newest X-BackEndOverrideCookie a response set. */
  takeCookie(headers: Readonly<Record<string, string | undefined>>): void {
    const m = /(?:^|[,;]\s*)X-BackEndOverrideCookie=([^;,\s]+)/i.exec(headers['set-cookie'] ?? '');
    if (m?.[1]) this.#cookie = m[1];
  }

  /** The member's subscription joins the group's connection (a new one, after the settle time). */
  attach(member: GroupedStreamingWatch, subscriptionId: string): void {
    if (member.o.mailbox.toLowerCase() === this.anchor) this.#anchorDone();
    if (!this.#members.has(member)) return;
    for (const [id, m] of this.#subs) if (m === member) this.#subs.delete(id);
    this.#subs.set(subscriptionId, member);
    this.#touch();
    this.#loop ??= this.#run().catch((e: unknown) => {
      this.#logger?.error(
        { event: 'ews_streaming_group_crashed', anchor: this.anchor, error: String(e) },
        'EWS streaming group stopped',
      );
    });
  }

  /** The member has no subscription now (it failed to make one). */
  release(member: GroupedStreamingWatch): void {
    if (member.o.mailbox.toLowerCase() === this.anchor) this.#anchorDone();
    for (const [id, m] of this.#subs) if (m === member) this.#subs.delete(id);
  }

  /**
   * The member leaves. Its subscription stays on the open connection until the next one (its
   * events then go nowhere) unless the member carried the connection: then the group moves to a
   * connection carried by another member first, as the member's client is about to close.
   */
  async leave(member: GroupedStreamingWatch): Promise<void> {
    this.release(member);
    this.#members.delete(member);
    if (this.#members.size === 0) {
      // Out of the pool first, so a trigger joining now starts a new group rather than this dying one.
      this.#onEmpty();
      this.#stop.abort();
      this.#changed?.();
      await this.#loop;
      return;
    }
    const current = this.#current;
    if (current?.carrier === member) {
      this.#touch();
      // Until a new connection is up or the old one is gone, whichever first (bounded).
      await Promise.race([current.done, sleep(RETIRE_MS * 2, undefined, { ref: false })]);
    }
  }

  #touch(): void {
    this.#dirty = true;
    this.#changed?.();
  }

  #carrier(): GroupedStreamingWatch | undefined {
    const subscribed = new Set(this.#subs.values());
    return [...subscribed].find((m) => m.o.mailbox.toLowerCase() === this.anchor) ?? [...subscribed][0];
  }

  #wakeAll(): void {
    for (const m of this.#subs.values()) m.news.wake();
  }

  async #run(): Promise<void> {
    const stop = this.#stop.signal;
    // Functions, not the fields: the compiler would keep them narrowed across the awaits.
    const stopped = () => stop.aborted;
    const dirty = () => this.#dirty;
    let failures = 0;
    let previous: Connection | undefined;
    while (!stopped()) {
      // Wait until there is something to carry, then let a burst of joins settle into one connection.
      while (!stopped() && (this.#subs.size === 0 || (!dirty() && !this.#current))) await this.#nextChange();
      if (stopped()) break;
      if (dirty()) {
        const until = Date.now() + SETTLE_MS * 8;
        while (dirty() && Date.now() < until && !stopped()) {
          this.#dirty = false;
          await Promise.race([this.#nextChange(), sleep(SETTLE_MS, undefined, { ref: false })]);
        }
        this.#dirty = false;
      }
      const carrier = this.#carrier();
      if (stopped() || !carrier) {
        // Nobody subscribed is left to carry a connection: the old one goes now.
        previous?.abort.abort();
        previous = undefined;
        continue;
      }
      // One request in flight at a time: the server gives each subscription to the connection it
      // saw last, so a new one must not overtake the one it replaces.
      if (previous) await Promise.race([previous.up, sleep(RETIRE_MS, undefined, { ref: false })]);
      const conn = this.#open(carrier);
      if (previous) {
        const old = previous;
        // The old connection goes once the new one is up (the server moved the subscriptions).
        void conn.up.then(() => sleep(0)).then(() => old.abort.abort());
        setTimeout(() => old.abort.abort(), RETIRE_MS).unref();
      }
      previous = undefined;
      this.#current = conn;
      const outcome = await Promise.race([conn.done, this.#nextChange().then(() => 'changed' as const)]);
      if (stopped()) {
        conn.abort.abort();
        await conn.done;
        break;
      }
      let end = outcome;
      if (end === 'changed') {
        if (dirty()) {
          // A planned move: the next loop opens the new connection, this one retires after.
          previous = conn;
          continue;
        }
        // Woken for nothing new: keep reading this connection.
        end = await Promise.race([conn.done, this.#waitDirty().then(() => 'changed' as const)]);
        if (end === 'changed') {
          previous = conn;
          continue;
        }
      }
      failures = (await this.#after(end, conn)) ? failures + 1 : 0;
      if (failures > 0 && !stopped()) {
        const wait = Math.min(this.#backoff.maxMs, this.#backoff.baseMs * 2 ** Math.min(failures - 1, 20));
        await sleep(wait, undefined, { signal: stop }).catch(() => undefined);
      }
    }
    previous?.abort.abort();
    this.#current?.abort.abort();
    await this.#current?.done;
    this.#current = undefined;
  }

  /**
   * What a finished connection means for the next: a wake for everyone unless it was a planned
   * reopen. True when it failed (the caller backs off).
   */
  async #after(outcome: 'closed' | 'reopen' | 'failed' | 'aborted', conn: Connection): Promise<boolean> {
    if (outcome === 'reopen') return false;
    // After a Closed the server keeps the gap's events; one sync per lifetime is cheap enough not to trust it.
    this.#wakeAll();
    if (outcome === 'closed') return false;
    const text =
      conn.error instanceof Error ? conn.error.message : 'the event stream ended without ConnectionStatus Closed';
    for (const m of new Set(conn.ids.values())) {
      if (this.#members.has(m))
        m.o.onNotice?.(
          'streaming_error',
          `EWS event stream of the subscription group failed (${text}); reconnecting with backoff and syncing meanwhile`,
        );
    }
    this.#logger?.warn(
      { event: 'ews_streaming_error', anchor: this.anchor, subscriptions: conn.ids.size, error: text },
      'EWS group event stream failed; reconnecting',
    );
    return true;
  }

  #nextChange(): Promise<void> {
    return new Promise((resolve) => {
      this.#changed = () => {
        this.#changed = undefined;
        resolve();
      };
    });
  }

  async #waitDirty(): Promise<void> {
    while (!this.#dirty && !this.#stop.signal.aborted) await this.#nextChange();
  }

  #open(carrier: GroupedStreamingWatch): Connection {
    const abort = new AbortController();
    const ids = new Map(this.#subs);
    let markUp!: (v: boolean) => void;
    const conn: Connection = {
      ids,
      carrier,
      abort,
      subscriptionErrors: 0,
      up: new Promise<boolean>((r) => {
        markUp = r;
      }),
      done: Promise.resolve('aborted'),
    };
    conn.done = (async () => {
      const release = await acquireSlot(carrier.o.api.account, connectionLimitFor(this.#host), abort.signal);
      if (!release) return 'aborted';
      let closed = false;
      try {
        const stream = carrier.o.api.events([...ids.keys()], this.#minutes, {
          signal: abort.signal,
          idleTimeoutMs: this.#idleTimeoutMs,
          headers: this.#headers(),
          onHeaders: (h) => this.takeCookie(h),
        });
        for await (const batch of stream) {
          markUp(true);
          this.#route(conn, batch);
          if (batch.connectionStatus === 'Closed') closed = true;
        }
        if (abort.signal.aborted) return 'aborted';
        if (conn.subscriptionErrors > 0) return 'reopen';
        if (closed) return 'closed';
        conn.error = Object.assign(new Error('the event stream ended without ConnectionStatus Closed'), {
          code: 'ECONNRESET',
        });
        return 'failed';
      } catch (e) {
        if (abort.signal.aborted) return 'aborted';
        if (isGone(e)) {
          // The whole request refused for a lost subscription with no ids named: all subscribe again.
          for (const [id, m] of ids) this.#lose(id, m, codeOf(e) ?? 'ErrorSubscriptionNotFound');
          return 'reopen';
        }
        conn.error = e;
        return 'failed';
      } finally {
        markUp(false);
        release();
      }
    })();
    return conn;
  }

  #route(conn: Connection, batch: StreamingBatch): void {
    for (const n of batch.notifications) {
      const member = this.#subs.get(n.subscriptionId);
      if (!member || n.events.length === 0) continue;
      const watermark = n.events.findLast((e) => e.watermark)?.watermark;
      if (watermark) void member.o.state.save({ subscriptionId: n.subscriptionId, watermark }).catch(() => undefined);
      member.news.wake();
    }
    if (!batch.error) return;
    const { code, subscriptionIds } = batch.error;
    const named = subscriptionIds.length ? subscriptionIds : RESUBSCRIBE.has(code) ? [...conn.ids.keys()] : [];
    if (named.length === 0 || !RESUBSCRIBE.has(code)) {
      throw Object.assign(new Error(`GetStreamingEvents: ${code} ${batch.error.text}`.trim()), { responseCode: code });
    }
    for (const id of named) {
      const member = this.#subs.get(id);
      if (member) this.#lose(id, member, code);
    }
    conn.subscriptionErrors++;
  }

  #lose(id: string, member: GroupedStreamingWatch, code: string): void {
    if (this.#subs.get(id) !== member) return;
    this.#subs.delete(id);
    member.lost(code);
  }
}

function codeOf(e: unknown): string | undefined {
  const code = isMailbridgeError(e)
    ? e.details['responseCode']
    : (e as { responseCode?: unknown } | undefined)?.responseCode;
  return typeof code === 'string' ? code : undefined;
}

function isGone(e: unknown): boolean {
  const code = codeOf(e);
  return code !== undefined && SUBSCRIPTION_GONE.has(code);
}

/** The API a member's connection needs (for the type of GroupedStreamingOptions.api). */
export type GroupMemberApi = EwsStreamingApi;
