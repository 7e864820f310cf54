import { setTimeout as sleep } from 'node:timers/promises';
import { isMailbridgeError } from '../errors.js';
import type { Logger } from '../log.js';
import { CONNECTION_TIMEOUT_MINUTES } from '../protocols/ews/get-streaming-events.js';
import { SUBSCRIPTION_GONE } from '../protocols/ews/unsubscribe.js';
import type { EwsStreamingState } from '../store/store.js';
import type { EwsStreamingApi } from './ews-mailbox.js';

/**
 * Watching one EWS folder with streaming notifications: Subscribe once, then one
 * GetStreamingEvents connection after another, each living up to its ConnectionTimeout (30
 * minutes, the most the schema allows). The events are only hints: each one (coalesced) wakes the
 * trigger's SyncFolderItems, which alone says what is new, so an event lost with a dropped
 * connection costs a delay, never a message. The rules:
 * - the connection ended with ConnectionStatus Closed (its lifetime is over): open the next one at
 *   once on the same subscription (the server keeps the events of the gap for it) and sync once;
 * - the server lost the subscription (ErrorSubscriptionNotFound / ErrorInvalidSubscription, e.g.
 *   30 minutes without a connection, or a mailbox move): subscribe again and sync, as events of
 *   the gap are gone;
 * - anything else (a dropped connection, a cut envelope, throttling, ErrorExceededConnectionCount):
 *   back off, reopen, and sync, because events written to the dead connection are lost;
 * - no more open connections per account from this process than Exchange allows
 *   (HangingConnectionLimit: 10 in Exchange Online, 3 by default on-premises); a watcher waiting
 *   for a slot keeps its safety-net sync meanwhile.
 * The subscription id and the last watermark are stored (store: EwsStreamingStore), so a restart
 * within the subscription's life reopens it and the server hands over what queued meanwhile.
 * https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/notification-subscriptions-mailbox-events-and-ews-in-exchange
 * https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/handling-notification-related-errors-in-ews-in-exchange
 */

export interface StreamingStateStore {
  load(): Promise<EwsStreamingState | undefined>;
  save(state: EwsStreamingState): Promise<void>;
  forget(): Promise<void>;
}

export interface EwsStreamingOptions {
  api: EwsStreamingApi;
  folder: string;
  state: StreamingStateStore;
  /** Host of the EWS endpoint: decides the per-account connection limit. */
  host: string;
  logger?: Logger;
  /** Something a person should see in the trigger's history (subscribed again, reconnecting after an error). */
  onNotice?: (kind: 'streaming_subscribed' | 'streaming_error', message: string) => void;
  /** ConnectionTimeout asked for, in minutes (1–30; default 30). */
  connectionMinutes?: number;
  /** No byte for this long counts as a dead connection (default 3 minutes; Exchange writes keep-alives well within). */
  idleTimeoutMs?: number;
  /** Back-off after a failure: base × 2^(n-1), at most max (default 1 s … 5 min). */
  backoff?: { baseMs: number; maxMs: number };
}

/** Open streaming connections per account that Exchange accepts (HangingConnectionLimit). */
export function connectionLimitFor(host: string): number {
  // Exchange Online's is 10 and fixed; on-premises defaults to 3 (web.config), per the page above.
  return /(^|\.)(office365\.com|outlook\.com|office\.com)$/i.test(host) ? 10 : 3;
}

/**
 * "Something may have changed" for one trigger: wakes its waiting sync, or the next wait returns
 * at once. Events during a sync are coalesced into one more sync.
 */
export class NewsSignal {
  #news = false;
  readonly #waiters = new Set<() => void>();

  wake(): void {
    this.#news = true;
    for (const w of [...this.#waiters]) w();
  }

  /** Resolves at news (at once if some is pending), after `intervalMs`, or when `signal` aborts. */
  async wait(intervalMs: number, signal: AbortSignal): Promise<void> {
    if (this.#news) {
      this.#news = false;
      return;
    }
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.#waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, intervalMs);
      signal.addEventListener('abort', done, { once: true });
      this.#waiters.add(done);
    });
    this.#news = false;
  }
}

export class EwsStreamingWatch {
  readonly #o: EwsStreamingOptions;
  readonly #abort = new AbortController();
  readonly #news = new NewsSignal();
  #loop: Promise<void> | undefined;

  constructor(o: EwsStreamingOptions) {
    this.#o = o;
  }

  start(): void {
    this.#loop ??= this.#run().catch((e: unknown) => {
      this.#o.logger?.error(
        { event: 'ews_streaming_crashed', folder: this.#o.folder, error: String(e) },
        'EWS streaming loop stopped',
      );
    });
  }

  /**
   * Resolves when an event came since the last call (at once if one is pending), after
   * `intervalMs` (the safety-net sync), or when `signal` aborts.
   */
  waitForNews(intervalMs: number, signal: AbortSignal): Promise<void> {
    return this.#news.wait(intervalMs, signal);
  }

  /** Stops the connection; the subscription is kept (it lapses on the server unless a restart reopens it). */
  async close(): Promise<void> {
    this.#abort.abort();
    await this.#loop;
  }

  #wake(): void {
    this.#news.wake();
  }

  async #run(): Promise<void> {
    const o = this.#o;
    const signal = this.#abort.signal;
    // A function, not the property: the compiler would take `aborted` as still false after the loop test.
    const stopped = () => signal.aborted;
    const minutes = Math.min(
      CONNECTION_TIMEOUT_MINUTES.max,
      Math.max(CONNECTION_TIMEOUT_MINUTES.min, o.connectionMinutes ?? 30),
    );
    const backoff = o.backoff ?? { baseMs: 1000, maxMs: 5 * 60_000 };
    let failures = 0;
    while (!signal.aborted) {
      try {
        let state = await o.state.load();
        if (!state) {
          state = { subscriptionId: await o.api.subscribe(o.folder) };
          await o.state.save(state);
          o.logger?.info({ event: 'ews_streaming_subscribed', folder: o.folder }, 'EWS streaming subscription made');
        }
        // Events of the gap should wait on the server after a clean end, and may be lost after
        // anything else; one SyncFolderItems per connection lifetime (every 30 minutes) is cheap
        // enough to not trust either.
        this.#wake();
        const release = await acquireSlot(o.api.account, connectionLimitFor(o.host), signal);
        if (!release) break;
        let outcome: 'closed' | 'gone' | 'ended' = 'ended';
        try {
          for await (const batch of o.api.events([state.subscriptionId], minutes, {
            signal,
            idleTimeoutMs: o.idleTimeoutMs ?? 180_000,
          })) {
            failures = 0;
            if (batch.error) {
              if (SUBSCRIPTION_GONE.has(batch.error.code)) {
                outcome = 'gone';
                break;
              }
              throw Object.assign(new Error(`GetStreamingEvents: ${batch.error.code} ${batch.error.text}`.trim()), {
                responseCode: batch.error.code,
              });
            }
            const events = batch.notifications.flatMap((n) => n.events);
            if (events.length) {
              const watermark = events.findLast((e) => e.watermark)?.watermark;
              if (watermark) {
                state = { ...state, watermark };
                await o.state.save(state);
              }
              this.#wake();
            }
            if (batch.connectionStatus === 'Closed') outcome = 'closed';
          }
        } finally {
          release();
        }
        if (stopped()) break;
        if (outcome === 'gone') {
          await this.#resubscribe('the server no longer knows the subscription');
          continue;
        }
        if (outcome === 'closed') continue;
        throw Object.assign(new Error('the event stream ended without ConnectionStatus Closed'), {
          code: 'ECONNRESET',
        });
      } catch (e) {
        if (stopped()) break;
        if (isGone(e)) {
          await this.#resubscribe('the server no longer knows the subscription').catch(() => undefined);
          continue;
        }
        failures++;
        const text = e instanceof Error ? e.message : String(e);
        if (failures === 1)
          o.onNotice?.(
            'streaming_error',
            `EWS event stream failed (${text}); reconnecting with backoff and syncing meanwhile`,
          );
        o.logger?.warn(
          { event: 'ews_streaming_error', folder: o.folder, failures, error: text },
          'EWS event stream failed; reconnecting',
        );
        const wait = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(failures - 1, 20));
        await sleep(wait, undefined, { signal }).catch(() => undefined);
      }
    }
  }

  async #resubscribe(why: string): Promise<void> {
    await this.#o.state.forget();
    this.#o.onNotice?.(
      'streaming_subscribed',
      `${why}: subscribing to ${this.#o.folder} again; a sync catches up on what happened meanwhile`,
    );
  }
}

function isGone(e: unknown): boolean {
  const code = isMailbridgeError(e)
    ? e.details['responseCode']
    : (e as { responseCode?: unknown } | undefined)?.responseCode;
  return typeof code === 'string' && SUBSCRIPTION_GONE.has(code);
}

// ---------------------------------------------------------------- per-account connection slots

const slots = new Map<string, { open: number; queue: Array<() => void> }>();

/** A slot for one open connection of `account`, or undefined when `signal` aborted while waiting. */
export async function acquireSlot(
  account: string,
  limit: number,
  signal: AbortSignal,
): Promise<(() => void) | undefined> {
  let s = slots.get(account);
  if (!s) slots.set(account, (s = { open: 0, queue: [] }));
  const entry = s;
  while (entry.open >= limit) {
    if (signal.aborted) return undefined;
    await new Promise<void>((resolve) => {
      const go = () => {
        signal.removeEventListener('abort', go);
        entry.queue = entry.queue.filter((q) => q !== go);
        resolve();
      };
      entry.queue.push(go);
      signal.addEventListener('abort', go, { once: true });
    });
  }
  if (signal.aborted) return undefined;
  entry.open++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    entry.open--;
    entry.queue[0]?.();
    if (entry.open === 0 && entry.queue.length === 0) slots.delete(account);
  };
}

/** Open streaming connections of an account in this process (tests, status). */
export function openStreamingConnections(account: string): number {
  return slots.get(account)?.open ?? 0;
}
