import { randomUUID } from 'node:crypto';
import type { TokenManager } from '../auth/token-manager.js';
import type { Resource } from '../config/resource.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import { isMessageRefused, type ChangeFeed, type FeedItem } from '../mail/change-feed.js';
import { openChangeFeed } from '../mail/open-feed.js';
import { parseMessage, type ParsedMessage } from '../message/parse.js';
import type { Store } from '../store/store.js';
import { backoffDelayMs, sleep } from './backoff.js';
import { checkTriggerFitsResource, type TriggerDefinition } from '../config/trigger.js';
import type { TriggerHandler } from './deliver.js';
import { deadLetter, dispatchWithRetry, type DispatchContext } from './dispatch.js';
import { evaluateFilter, viewOfParsed } from './filter.js';
import { normalizeMessageId } from './message-id.js';
import { describeError, reasonToPause } from './pause.js';
import { advanceOf, loadPosition, savePosition } from './position.js';
import type { NotificationHub } from './notify/hub.js';
import { GraphSubscriber } from './notify/subscriber.js';
import { Wake } from './notify/wake.js';
import { streamingOptions } from './streaming.js';

/**
 * How many of the newest deliveries are checked for a missing after-processing action on
 * (re)connect: a crash leaves at most the one in flight, so a short window is plenty.
 */
const PENDING_AFTER_ACTION_LOOKBACK = 50;

/** Where a watcher is: starting, running, retrying (after an error), paused or stopped. */
export type WatcherState = 'starting' | 'running' | 'retrying' | 'paused' | 'stopped';

/** One trigger's watcher: its state, counts and last error. */
export interface WatcherStatus {
  trigger: string;
  state: WatcherState;
  /** IMAP: whether the server is being watched with IDLE (false = polling). */
  idle?: boolean;
  pauseReason?: string;
  /** The mailbox's failure since the last whole scan: a whole scan clears it (the state is as of the last attempt). */
  lastError?: string;
  /** When lastError happened (ms since epoch). */
  lastErrorAt?: number;
  delivered: number;
  dead: number;
  lastScanAt?: number;
}

export interface WatcherOptions {
  store: Store;
  tokens: TokenManager;
  definition: TriggerDefinition;
  handlers: ReadonlyMap<string, TriggerHandler>;
  logger?: Logger;
  /** Called when the watcher paused itself (the store already says so). */
  onPaused?: (reason: string) => void;
  /** Graph change notifications (mode notify): the process's hub. */
  notifications?: NotificationHub;
  /** EWS streaming of app-only resources: subscriptions per shared connection (default 200). */
  ewsStreamingGroupSize?: number;
}

/** Mode notify: the safety-net delta poll when the trigger names none (15 minutes). */
const DEFAULT_SAFETY_NET_SECONDS = 900;

/**
 * Watches one trigger's folder through the backend's change feed (src/mail/change-feed.ts) and
 * delivers each new message at least once: filter → fetch → parse → deliver (with retries) →
 * record delivery + advance checkpoint (one transaction) → after-processing action. The action
 * never runs before the record, so a crash anywhere leaves the message where it was and a
 * restart delivers it again rather than losing it. The feeds own the protocol's rules (IMAP
 * UIDVALIDITY, POP3 UIDLs, EWS/Graph sync states and their resets); this loop is the same for all.
 *
 * Two kinds of failure, kept apart:
 * - one message's (the parser refuses it, it is over a cap, the target refuses it for good):
 *   it goes to the dead-letter list with its raw source, the checkpoint moves past it, and the
 *   loop goes on with the next message;
 * - the mailbox's (network, server, token refresh hiccups): reconnect with exponential backoff.
 *   Failures only a person can fix (revoked/expired grant, consent, invalid client, bad
 *   configuration) pause the trigger with the reason and stop the loop.
 */
export class TriggerWatcher {
  readonly #o: WatcherOptions;
  readonly #abort = new AbortController();
  readonly #status: WatcherStatus;
  #loop: Promise<void> | undefined;

  constructor(o: WatcherOptions) {
    this.#o = o;
    this.#status = { trigger: o.definition.name, state: 'starting', delivered: 0, dead: 0 };
  }

  get name(): string {
    return this.#o.definition.name;
  }

  status(): WatcherStatus {
    return { ...this.#status };
  }

  start(): void {
    this.#loop ??= this.#run().catch((e: unknown) => {
      // #run handles its errors; reaching here is a bug worth seeing, not a crash of the runner.
      this.#status.state = 'stopped';
      this.#status.lastError = describeError(e);
      this.#status.lastErrorAt = Date.now();
      this.#o.logger?.error({ event: 'trigger_watcher_crashed', trigger: this.name, error: describeError(e) }, 'trigger watcher stopped');
    });
  }

  /** Stops after the current step; a delivery in flight finishes, a backoff wait does not. */
  async stop(): Promise<void> {
    // The connection closes when the loop has left it (finally in #watch): closing it here
    // could cut the after-processing action of a delivery that is just finishing.
    this.#abort.abort();
    await this.#loop;
    if (this.#status.state !== 'paused') this.#status.state = 'stopped';
  }

  /** Resolves when the watcher's loop has ended (stopped or paused itself). */
  async done(): Promise<void> {
    await this.#loop;
  }

  async #run(): Promise<void> {
    const def = this.#o.definition;
    const signal = this.#abort.signal;
    let failures = 0;
    while (!signal.aborted) {
      try {
        const resource = await this.#o.store.getResource(def.resource);
        if (!resource) {
          throw new ConfigError({ code: 'RESOURCE_NOT_FOUND', message: `trigger ${def.name}: no resource named "${def.resource}"`,
            hint: 'add the resource again, or point the trigger at another one', field: 'resource' });
        }
        checkTriggerFitsResource(def, resource.kind);
        const secret = def.target.kind === 'webhook' ? await this.#o.store.getTriggerSecret(def.name) : undefined;
        const ctx: DispatchContext = {
          store: this.#o.store, definition: def, handlers: this.#o.handlers, signal,
          ...(secret ? { webhookSecret: secret } : {}),
          ...(this.#o.logger ? { logger: this.#o.logger } : {}),
        };
        await this.#watch(resource, ctx, () => { failures = 0; });
      } catch (e) {
        if (signal.aborted) break;
        const reason = await reasonToPause(e, def.resource, this.#o.tokens);
        if (reason) {
          await this.#pause(reason);
          return;
        }
        failures++;
        this.#status.state = 'retrying';
        this.#status.lastError = describeError(e);
        this.#status.lastErrorAt = Date.now();
        if (failures === 1) await this.#o.store.addTriggerEvent(def.name, 'source_error', `${describeError(e)}; retrying with backoff`);
        this.#o.logger?.warn({ event: 'trigger_source_error', trigger: def.name, failures, error: describeError(e) }, 'mailbox unavailable; retrying');
        await sleep(backoffDelayMs(def.retry, failures), signal);
      }
    }
    this.#status.state = 'stopped';
  }

  async #pause(reason: string): Promise<void> {
    const def = this.#o.definition;
    await this.#o.store.setTriggerPaused(def.name, true, reason);
    await this.#o.store.addTriggerEvent(def.name, 'paused', reason);
    this.#status.state = 'paused';
    this.#status.pauseReason = reason;
    this.#o.logger?.warn({ event: 'trigger_paused', trigger: def.name, reason }, 'trigger paused: a person must act');
    this.#o.onPaused?.(reason);
  }

  /** One connection's life: pending after-actions, then scan → wait → scan until stopped or failed. */
  async #watch(resource: Resource, ctx: DispatchContext, connected: () => void): Promise<void> {
    const def = this.#o.definition;
    const signal = this.#abort.signal;
    const notify = def.mode === 'notify' ? await this.#startNotify(resource) : undefined;
    const feed = await openChangeFeed({
      resource, tokens: this.#o.tokens.provider(resource.name), folder: def.folder, idle: def.mode === 'idle',
      ...(def.mode === 'streaming'
        ? { streaming: streamingOptions(this.#o.store, def, { ...(this.#o.ewsStreamingGroupSize !== undefined ? { groupSize: this.#o.ewsStreamingGroupSize } : {}) }) }
        : {}),
      ...(this.#o.logger ? { logger: this.#o.logger } : {}),
    });
    try {
      await this.#finishPendingAfterActions(feed);
      if (feed.idle !== undefined) this.#status.idle = feed.idle;
      this.#status.state = 'running';
      while (!signal.aborted) {
        if ((await this.#scan(feed, ctx)) === 'stopped') return;
        this.#status.lastScanAt = Date.now();
        // Only a whole scan proves the mailbox works: a connection that fails on every scan keeps backing off.
        // It also ends the last failure: a red "last error" must not outlive the server's recovery.
        delete this.#status.lastError;
        delete this.#status.lastErrorAt;
        connected();
        if (signal.aborted) return;
        if (notify) await notify.wake.wait((def.safetyNetSeconds ?? DEFAULT_SAFETY_NET_SECONDS) * 1000, signal);
        else if (feed.waitForNews) await feed.waitForNews(def.pollIntervalSeconds * 1000, signal);
        else await sleep(def.pollIntervalSeconds * 1000, signal);
      }
    } finally {
      // Closed only once the loop has left it: closing from stop() could cut an after-action short.
      await feed.close().catch(() => undefined);
      await notify?.close();
    }
  }

  /**
   * Mode notify: the subscription first (so nothing arriving during the first sync goes
   * unnoticed), then every notification for the trigger wakes one coalesced delta sync.
   * Notifications are hints and delta is the truth: a lost one is made up by the next sync or
   * the safety-net poll.
   */
  async #startNotify(resource: Resource): Promise<{ wake: Wake; close(): Promise<void> }> {
    const hub = this.#o.notifications;
    const def = this.#o.definition;
    if (!hub) {
      throw new ConfigError({ code: 'GRAPH_NOTIFICATION_URL_MISSING', field: 'mode',
        message: `trigger ${def.name}: mode notify runs only inside \`mailbridge serve\` (its notification endpoint)`,
        hint: 'run the trigger with `mailbridge serve --notification-url https://PUBLIC-HOST`, or set its mode to poll' });
    }
    checkTriggerFitsResource(def, resource.kind);
    const wake = new Wake();
    const subscriber = new GraphSubscriber({ hub, store: this.#o.store, tokens: this.#o.tokens, resource, definition: def });
    const unwatch = hub.watch(def.name, (kind) => {
      subscriber.lifecycle(kind);
      wake.signal();
    });
    try {
      await subscriber.start();
    } catch (e) {
      unwatch();
      await subscriber.stop();
      throw e;
    }
    return { wake, close: async () => { unwatch(); await subscriber.stop(); } };
  }

  /**
   * Every round of changes since the stored position. A round's own position is stored only
   * once each of its messages was delivered, dead-lettered or skipped, so a crash mid-round
   * reads the round again: what was recorded (by key) is skipped, the rest handled.
   */
  async #scan(feed: ChangeFeed, ctx: DispatchContext): Promise<'stopped' | 'done'> {
    const def = this.#o.definition;
    const store = this.#o.store;
    const signal = this.#abort.signal;
    const position = await loadPosition(store, def.name);
    for await (const round of feed.changes(position, { start: def.start })) {
      if (round.before) await savePosition(store, def.name, round.before);
      for (const n of round.notices) await store.addTriggerEvent(def.name, n.kind, n.message);
      if (round.present) await store.pruneTriggerUidls(def.name, round.present);
      for (const item of round.items) {
        if (signal.aborted || (await this.#handle(feed, ctx, item)) === 'stopped') return 'stopped';
      }
      if (signal.aborted) return 'stopped';
      if (round.after) await savePosition(store, def.name, round.after);
    }
    return 'done';
  }

  /**
   * One message: filter → fetch → parse → filter again → deliver (with retries) → after-action.
   * A message refused before delivery (unparsable, too large) is a dead letter like one the
   * target refused, never a failure of the mailbox: the folder moves on past it.
   */
  async #handle(feed: ChangeFeed, ctx: DispatchContext, item: FeedItem): Promise<'stopped' | 'done'> {
    const def = this.#o.definition;
    const store = this.#o.store;
    const skip = async () => {
      if (item.advance) await savePosition(store, def.name, item.advance);
      return 'done' as const;
    };
    const early = item.from === undefined ? 'need-message' : evaluateFilter(def.filters, {
      from: item.from, to: item.to ?? [],
      ...(item.subject !== undefined ? { subject: item.subject } : {}),
      ...(item.hasAttachments !== undefined ? { hasAttachments: item.hasAttachments } : {}),
      ...(item.seen !== undefined ? { seen: item.seen } : {}),
    });
    if (early === 'no-match') return skip();
    // Graph reports changed messages too (read, flagged, after-action "read"): one outcome per key.
    const done = await store.findDelivery(def.name, item.key);
    if (done && done.status !== 'failed') return skip();
    const messageId = normalizeMessageId(item.messageId);
    if (item.maybeDelivered && messageId && (await store.wasMessageIdDelivered(def.name, messageId))) {
      await store.addTriggerEvent(def.name, 'duplicate_skipped',
        `message ${item.key} (Message-ID ${messageId}) was delivered before the folder's ` +
        (feed.kind === 'imap' ? 'UIDVALIDITY changed' : 'sync state was reset'));
      return skip();
    }
    let raw: Buffer | undefined;
    try {
      raw = await feed.raw(item.id);
    } catch (e) {
      if (!isMessageRefused(e)) throw e;
      return this.#refused(item, undefined, e);
    }
    if (raw === undefined) {
      // Deleted or moved away since the listing: its new place (if watched) reports it anew.
      await store.addTriggerEvent(def.name, 'message_gone',
        `message ${item.key} left ${def.folder} before it could be fetched`);
      return skip();
    }
    let message: ParsedMessage;
    try {
      message = await parseMessage(raw, {
        id: item.id, folder: def.folder, size: raw.length,
        ...(item.flags ? { flags: item.flags } : {}), ...(item.receivedAt ? { receivedAt: item.receivedAt } : {}),
      });
    } catch (e) {
      // The source is in memory: whatever the parser refuses is about this message alone.
      return this.#refused(item, raw, e);
    }
    if (early === 'need-message' && evaluateFilter(def.filters, viewOfParsed(message, item.seen)) !== 'match') {
      return skip();
    }
    const result = await dispatchWithRetry(ctx, {
      messageKey: item.key, message, raw, source: item.source, advance: advanceOf(item.advance),
    });
    if (result.kind === 'stopped') return 'stopped';
    if (result.kind === 'dead') {
      this.#status.dead++;
      return 'done';
    }
    this.#status.delivered++;
    await this.#afterAction(result.record.id, () => feed.afterAction([item.id], def.afterAction));
    return 'done';
  }

  async #refused(item: FeedItem, raw: Buffer | undefined, e: unknown): Promise<'done'> {
    const previous = await this.#o.store.findDelivery(this.name, item.key);
    const messageId = normalizeMessageId(item.messageId);
    await deadLetter(this.#o, {
      id: previous?.id ?? randomUUID(), messageKey: item.key, source: item.source, attempts: previous?.attempts ?? 0,
      lastError: `refused before delivery: ${describeError(e)}`,
      ...(messageId ? { messageId } : {}), ...(item.subject ? { subject: item.subject.slice(0, 200) } : {}),
      ...(raw ? { raw } : {}), ...(item.advance ? { advance: advanceOf(item.advance) } : {}),
    }, 'without delivery');
    this.#status.dead++;
    return 'done';
  }

  /**
   * A crash between recording a delivery and its after-processing action leaves the message
   * delivered but not yet read, moved or deleted. On (re)connecting, the recent deliveries
   * without a noted action get it now (running it twice is harmless: the second finds the
   * message gone or already read). Deliveries the feed can no longer address (another UIDVALIDITY) are left.
   */
  async #finishPendingAfterActions(feed: ChangeFeed): Promise<void> {
    const action = this.#o.definition.afterAction;
    if (action.kind === 'leave') return;
    const recent = await this.#o.store.listDeliveries(this.name, { status: 'delivered', limit: PENDING_AFTER_ACTION_LOOKBACK });
    for (const d of recent) {
      if (d.afterAction !== undefined || this.#abort.signal.aborted) continue;
      const id = feed.idOf(d.source);
      if (id !== undefined) await this.#afterAction(d.id, () => feed.afterAction([id], action));
    }
  }

  /**
   * The action's failure is recorded, not retried: the message stays where it is, already
   * delivered (a dropped connection shows up again on the next command and reconnects).
   */
  async #afterAction(deliveryId: string, run: () => Promise<void>): Promise<void> {
    if (this.#o.definition.afterAction.kind === 'leave') return;
    try {
      await run();
      await this.#o.store.setDeliveryAfterAction(deliveryId, { ok: true });
    } catch (e) {
      await this.#o.store.setDeliveryAfterAction(deliveryId, { ok: false, error: describeError(e) });
      await this.#o.store.addTriggerEvent(this.name, 'after_action_failed', `delivery ${deliveryId}: ${describeError(e)}`);
    }
  }
}
