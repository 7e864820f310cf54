import type { TokenManager } from '../auth/token-manager.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import type { DeliveryRecord, Store, TriggerRecord } from '../store/store.js';
import type { TriggerHandler } from './deliver.js';
import { describeError } from './pause.js';
import { replayDelivery } from './replay.js';
import { TriggerWatcher, type WatcherStatus } from './watcher.js';

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
}

export interface TriggerRunnerStatus extends WatcherStatus {
  resource: string;
}

/** Marks pauses the runner may lift by itself once the resource's token is Available again. */
const TOKEN_PAUSE_PREFIX = 'refresh token status';

/** Runs every enabled trigger of a store in this process, one watcher each. */
export class TriggerRunner {
  readonly #o: TriggerRunnerOptions;
  readonly #handlers: Map<string, TriggerHandler>;
  readonly #watchers = new Map<string, { watcher: TriggerWatcher; updatedAt: number; resource: string }>();
  #paused = new Map<string, TriggerRecord>();
  #timer: NodeJS.Timeout | undefined;
  #syncing: Promise<void> | undefined;
  #started = false;

  constructor(o: TriggerRunnerOptions) {
    this.#o = o;
    this.#handlers = new Map(Object.entries(o.handlers ?? {}));
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    await this.sync();
    this.#timer = setInterval(() => void this.sync().catch((e: unknown) => {
      this.#o.logger?.warn({ event: 'trigger_sync_failed', error: describeError(e) }, 'could not read the triggers from the store');
    }), this.#o.syncIntervalMs ?? 30_000);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#started = false;
    clearInterval(this.#timer);
    await this.#syncing;
    const all = [...this.#watchers.values()];
    this.#watchers.clear();
    await Promise.all(all.map((w) => w.watcher.stop()));
  }

  status(): TriggerRunnerStatus[] {
    const out: TriggerRunnerStatus[] = [...this.#watchers.values()].map((w) => ({ ...w.watcher.status(), resource: w.resource }));
    for (const t of this.#paused.values()) {
      if (this.#watchers.has(t.definition.name)) continue;
      out.push({ trigger: t.definition.name, resource: t.definition.resource, state: 'paused', delivered: 0, dead: 0,
        ...(t.pauseReason ? { pauseReason: t.pauseReason } : {}) });
    }
    return out.sort((a, b) => a.trigger.localeCompare(b.trigger));
  }

  /** Brings the running watchers in line with the store (one sync at a time). */
  sync(): Promise<void> {
    this.#syncing ??= this.#sync().finally(() => { this.#syncing = undefined; });
    return this.#syncing;
  }

  async pause(name: string, reason = 'paused by a person'): Promise<void> {
    await this.#require(name);
    await this.#o.store.setTriggerPaused(name, true, reason);
    await this.#o.store.addTriggerEvent(name, 'paused', reason);
    await this.sync();
  }

  async resume(name: string): Promise<void> {
    await this.#require(name);
    await this.#o.store.setTriggerPaused(name, false);
    await this.#o.store.addTriggerEvent(name, 'resumed', 'resumed by a person');
    await this.sync();
  }

  replay(deliveryId: string): Promise<DeliveryRecord> {
    return replayDelivery({ store: this.#o.store, tokens: this.#o.tokens, handlers: this.#handlers,
      ...(this.#o.logger ? { logger: this.#o.logger } : {}) }, deliveryId);
  }

  async #sync(): Promise<void> {
    const triggers = await this.#o.store.listTriggers();
    const byName = new Map(triggers.map((t) => [t.definition.name, t]));
    this.#paused = new Map();
    for (const [name, w] of [...this.#watchers]) {
      const t = byName.get(name);
      const ended = w.watcher.status().state === 'paused' || w.watcher.status().state === 'stopped';
      if (!t || t.paused || t.updatedAt !== w.updatedAt || ended) {
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
      if (this.#watchers.has(name)) continue;
      const current = t.paused ? await this.#o.store.getTrigger(name) : t;
      if (!current) continue;
      const watcher = new TriggerWatcher({
        store: this.#o.store, tokens: this.#o.tokens, definition: current.definition, handlers: this.#handlers,
        ...(this.#o.logger ? { logger: this.#o.logger } : {}),
      });
      this.#watchers.set(name, { watcher, updatedAt: current.updatedAt, resource: current.definition.resource });
      watcher.start();
    }
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
