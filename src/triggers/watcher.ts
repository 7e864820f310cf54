import type { TokenManager } from '../auth/token-manager.js';
import type { Resource } from '../config/resource.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import { openMailbox } from '../mail/open.js';
import { parseMessage } from '../mail/parse.js';
import type { Store } from '../store/store.js';
import { backoffDelayMs, sleep } from './backoff.js';
import { checkTriggerFitsResource, type TriggerDefinition } from './definition.js';
import type { TriggerHandler } from './deliver.js';
import { dispatchWithRetry, type DispatchContext } from './dispatch.js';
import { evaluateFilter, viewOfParsed } from './filter.js';
import { ImapSource } from './imap-source.js';
import { normalizeMessageId } from './message-id.js';
import { describeError, reasonToPause } from './pause.js';

export type WatcherState = 'starting' | 'running' | 'retrying' | 'paused' | 'stopped';

export interface WatcherStatus {
  trigger: string;
  state: WatcherState;
  /** IMAP: whether the server is being watched with IDLE (false = polling). */
  idle?: boolean;
  pauseReason?: string;
  lastError?: string;
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
}

/**
 * Watches one trigger's folder and delivers each new message at least once:
 * filter → deliver (with retries) → record delivery + advance checkpoint (one transaction) →
 * after-processing action. The action never runs before the record, so a crash anywhere
 * leaves the message where it was and a restart delivers it again rather than losing it.
 *
 * UIDVALIDITY rule: when the folder's UIDVALIDITY differs from the checkpoint's, UIDs mean
 * nothing any more. The watcher records a `uidvalidity_changed` event and re-reads the folder
 * from UID 1, but the messages that were already there when the change was seen are delivered
 * only if their Message-ID is not among the trigger's delivered Message-IDs (kept 90 days);
 * messages without a Message-ID are delivered (they cannot be told apart: at least once wins).
 * Messages arriving after the change are delivered normally.
 *
 * Failures of the mailbox itself (network, server, token refresh hiccups) retry with
 * exponential backoff; failures only a person can fix (revoked/expired grant, consent,
 * invalid client, bad configuration) pause the trigger with the reason and stop the loop.
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
      this.#o.logger?.error({ event: 'trigger_watcher_crashed', trigger: this.name, error: describeError(e) }, 'trigger watcher stopped');
    });
  }

  /** Stops after the current step; a delivery in flight finishes, a backoff wait does not. */
  async stop(): Promise<void> {
    // The connection closes when the loop has left it (finally in #watchImap): closing it here
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
        if (resource.kind === 'imap') await this.#watchImap(resource, ctx, () => { failures = 0; });
        else await this.#watchPop3(resource, ctx, () => { failures = 0; });
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

  // --- IMAP ---

  async #watchImap(resource: Resource, ctx: DispatchContext, connected: () => void): Promise<void> {
    const def = this.#o.definition;
    const signal = this.#abort.signal;
    const src = await ImapSource.open({
      resource, tokens: this.#o.tokens.provider(resource.name), folder: def.folder,
      ...(this.#o.logger ? { logger: this.#o.logger } : {}),
    });
    try {
      const idle = def.mode === 'idle' && src.supportsIdle;
      this.#status.idle = idle;
      this.#status.state = 'running';
      connected();
      while (!signal.aborted) {
        await src.sync();
        await this.#scanImap(src, ctx);
        this.#status.lastScanAt = Date.now();
        if (signal.aborted) return;
        if (!src.usable) throw new Error(`the IMAP connection to ${resource.server.host} closed`);
        await src.waitForNews(def.pollIntervalSeconds * 1000, idle, signal);
      }
    } finally {
      await src.close().catch(() => undefined);
    }
  }

  async #scanImap(src: ImapSource, ctx: DispatchContext): Promise<void> {
    const def = this.#o.definition;
    const store = this.#o.store;
    const signal = this.#abort.signal;
    const { uidValidity, uidNext } = src.state();
    let cp = await store.getTriggerCheckpoint(def.name);
    if (cp?.uidValidity === undefined) {
      const lastUid = def.start === 'new' ? uidNext - 1 : 0;
      await store.putTriggerCheckpoint(def.name, { uidValidity, lastUid });
      await store.addTriggerEvent(def.name, 'started', `watching ${def.folder} (UIDVALIDITY ${uidValidity}) from UID ${lastUid + 1}`);
      cp = await store.getTriggerCheckpoint(def.name);
    } else if (cp.uidValidity !== uidValidity) {
      await store.putTriggerCheckpoint(def.name, { uidValidity, lastUid: 0, dedupeUpToUid: uidNext - 1 });
      await store.addTriggerEvent(def.name, 'uidvalidity_changed',
        `UIDVALIDITY of ${def.folder} changed from ${cp.uidValidity} to ${uidValidity}: the ${uidNext - 1 > 0 ? 'messages already there' : 'folder'} ` +
        'will be delivered only if their Message-ID was not delivered before');
      cp = await store.getTriggerCheckpoint(def.name);
    }
    const lastUid = cp?.lastUid ?? 0;
    const dedupeUpTo = cp?.dedupeUpToUid ?? 0;
    const uids = await src.uidsAfter(lastUid);
    const skip = (uid: number) => store.putTriggerCheckpoint(def.name, { uidValidity, lastUid: uid, ...(dedupeUpTo ? { dedupeUpToUid: dedupeUpTo } : {}) });
    for await (const s of src.summaries(uids)) {
      if (signal.aborted) return;
      const seen = s.flags.includes('\\Seen');
      const early = evaluateFilter(def.filters, {
        from: s.from, to: [...s.to, ...s.cc], ...(s.subject !== undefined ? { subject: s.subject } : {}),
        hasAttachments: s.attachments.some((a) => !a.inline), seen,
      });
      if (early === 'no-match') {
        await skip(s.uid);
        continue;
      }
      const messageId = normalizeMessageId(s.messageId);
      if (s.uid <= dedupeUpTo && messageId && (await store.wasMessageIdDelivered(def.name, messageId))) {
        await store.addTriggerEvent(def.name, 'duplicate_skipped', `UID ${s.uid} (Message-ID ${messageId}) was delivered before the UIDVALIDITY change`);
        await skip(s.uid);
        continue;
      }
      const raw = await src.source(s.uid);
      const message = await parseMessage(raw, { id: String(s.uid), folder: def.folder, flags: s.flags, size: raw.length,
        ...(s.internalDate ? { receivedAt: s.internalDate } : {}) });
      if (early === 'need-message' && evaluateFilter(def.filters, viewOfParsed(message, seen)) !== 'match') {
        await skip(s.uid);
        continue;
      }
      const messageKey = `${uidValidity}:${s.uid}`;
      const done = await store.findDelivery(def.name, messageKey);
      if (done && done.status !== 'failed') {
        // Recorded but the checkpoint write was lost? Cannot happen (one transaction); keep the checkpoint honest anyway.
        await skip(s.uid);
        continue;
      }
      const result = await dispatchWithRetry(ctx, {
        messageKey, message, raw,
        source: { kind: 'imap', folder: def.folder, uidValidity, uid: s.uid },
        advance: { imap: { uidValidity, uid: s.uid } },
      });
      if (result.kind === 'stopped') return;
      if (result.kind === 'dead') {
        this.#status.dead++;
        continue;
      }
      this.#status.delivered++;
      await this.#afterAction(result.record.id, () => src.afterAction(s.uid, def.afterAction));
    }
  }

  // --- POP3 ---

  async #watchPop3(resource: Resource, ctx: DispatchContext, connected: () => void): Promise<void> {
    const def = this.#o.definition;
    const signal = this.#abort.signal;
    const mailbox = await openMailbox({ resource, store: this.#o.store, tokens: this.#o.tokens, ...(this.#o.logger ? { logger: this.#o.logger } : {}) });
    try {
      while (!signal.aborted) {
        await this.#scanPop3(mailbox, ctx);
        this.#status.state = 'running';
        this.#status.lastScanAt = Date.now();
        connected();
        await sleep(def.pollIntervalSeconds * 1000, signal);
      }
    } finally {
      await mailbox.close();
    }
  }

  async #scanPop3(mailbox: Awaited<ReturnType<typeof openMailbox>>, ctx: DispatchContext): Promise<void> {
    const def = this.#o.definition;
    const store = this.#o.store;
    const signal = this.#abort.signal;
    const listed = (await mailbox.list()).map((m) => m.id);
    const started = await store.getTriggerCheckpoint(def.name);
    if (!started) {
      if (def.start === 'new') await store.addTriggerUidls(def.name, listed);
      await store.putTriggerCheckpoint(def.name, {});
      await store.addTriggerEvent(def.name, 'started', `watching the POP3 mailbox (${listed.length} message(s) there, ${def.start === 'new' ? 'not delivered' : 'to deliver'})`);
    }
    await store.pruneTriggerUidls(def.name, listed);
    const known = new Set(await store.listTriggerUidls(def.name));
    for (const uidl of listed) {
      if (signal.aborted) return;
      if (known.has(uidl)) continue;
      const raw = await streamToBuffer(await mailbox.raw(uidl));
      const message = await parseMessage(raw, { id: uidl, folder: 'INBOX', size: raw.length });
      if (evaluateFilter(def.filters, viewOfParsed(message)) !== 'match') {
        await store.addTriggerUidls(def.name, [uidl]);
        continue;
      }
      const result = await dispatchWithRetry(ctx, { messageKey: uidl, message, raw, source: { kind: 'pop3', uidl }, advance: { uidl } });
      if (result.kind === 'stopped') return;
      if (result.kind === 'dead') {
        this.#status.dead++;
        continue;
      }
      this.#status.delivered++;
      await this.#afterAction(result.record.id, () => mailbox.afterProcessing([uidl], def.afterAction));
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

async function streamToBuffer(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
  return Buffer.concat(chunks);
}
