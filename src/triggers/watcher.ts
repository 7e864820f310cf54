import type { TokenManager } from '../auth/token-manager.js';
import type { Resource } from '../config/resource.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import { openMailbox } from '../mail/open.js';
import { parseMessage } from '../mail/parse.js';
import type { MessageSummary } from '../mail/mailbox.js';
import type { DeliveryRecord, Store } from '../store/store.js';
import { backoffDelayMs, sleep } from './backoff.js';
import { checkTriggerFitsResource, type TriggerDefinition } from './definition.js';
import type { TriggerHandler } from './deliver.js';
import { dispatchWithRetry, type DispatchContext } from './dispatch.js';
import { evaluateFilter, viewOfParsed } from './filter.js';
import { ImapSource } from './imap-source.js';
import { isGoneError, openSyncSource, type SyncSource } from './sync-source.js';
import { normalizeMessageId } from './message-id.js';
import { describeError, reasonToPause } from './pause.js';

/**
 * How many of the newest deliveries are checked for a missing after-processing action on
 * (re)connect: a crash leaves at most the one in flight, so a short window is plenty.
 */
const PENDING_AFTER_ACTION_LOOKBACK = 50;

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
        const connected = () => { failures = 0; };
        if (resource.kind === 'imap') await this.#watchImap(resource, ctx, connected);
        else if (resource.kind === 'ews' || resource.kind === 'graph') await this.#watchSync(resource, ctx, connected);
        else await this.#watchPop3(resource, ctx, connected);
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
      const { uidValidity } = src.state();
      await this.#finishPendingAfterActions((d) => (d.source.kind === 'imap' && d.source.uidValidity === uidValidity
        ? () => src.afterAction((d.source as { uid: number }).uid, def.afterAction) : undefined));
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

  // --- EWS (SyncFolderItems) and Graph (delta) ---

  async #watchSync(resource: Resource, ctx: DispatchContext, connected: () => void): Promise<void> {
    const def = this.#o.definition;
    const signal = this.#abort.signal;
    const src = await openSyncSource({
      resource, tokens: this.#o.tokens.provider(resource.name), folder: def.folder,
      ...(this.#o.logger ? { logger: this.#o.logger } : {}),
    });
    try {
      await this.#finishPendingAfterActions((d) => (d.source.kind === src.kind ? () => src.afterAction((d.source as { id: string }).id, def.afterAction) : undefined));
      while (!signal.aborted) {
        await this.#scanSync(src, ctx);
        this.#status.state = 'running';
        this.#status.lastScanAt = Date.now();
        connected();
        await sleep(def.pollIntervalSeconds * 1000, signal);
      }
    } finally {
      await src.close().catch(() => undefined);
    }
  }

  /**
   * Rounds of changes until the server has no more. The stored sync state moves past a page
   * only once each of its messages was delivered, dead-lettered or filtered out, so a crash
   * mid-page reads the page again: messages already recorded (by id) are skipped, the rest
   * delivered. Two listings of the whole folder keep their state until they are complete: the
   * first one under `start: new` (nothing in it is delivered) and the one after the server
   * refused the stored state (what is in it is delivered only if its Message-ID was not).
   */
  async #scanSync(src: SyncSource, ctx: DispatchContext): Promise<void> {
    const def = this.#o.definition;
    const store = this.#o.store;
    const signal = this.#abort.signal;
    const cp = await store.getTriggerCheckpoint(def.name);
    let state = cp?.syncState;
    const skipAll = state === undefined && def.start === 'new';
    let dedupe = false;
    let seen = 0;
    for (;;) {
      const r = await src.round(state);
      if (r.restarted && !dedupe) {
        dedupe = true;
        await store.addTriggerEvent(def.name, 'sync_reset', `the server no longer knew the sync state of ${def.folder}: re-reading the folder; ` +
          'messages already there are delivered only if their Message-ID was not delivered before');
      }
      seen += r.items.length;
      if (!skipAll) {
        for (const s of r.items) {
          if (signal.aborted) return;
          if ((await this.#syncItem(src, ctx, s, dedupe)) === 'stopped') return;
        }
      }
      state = r.state;
      if (!r.more || !(skipAll || dedupe)) await store.putTriggerCheckpoint(def.name, { syncState: state });
      if (!r.more || signal.aborted) break;
    }
    if (cp?.syncState === undefined) {
      await store.addTriggerEvent(def.name, 'started', `watching ${def.folder} by ${src.kind === 'ews' ? 'EWS SyncFolderItems' : 'Graph delta'} ` +
        `(${seen} message(s) there, ${def.start === 'new' ? 'not delivered' : 'delivered'})`);
    }
  }

  async #syncItem(src: SyncSource, ctx: DispatchContext, s: MessageSummary, dedupe: boolean): Promise<'stopped' | 'done'> {
    const def = this.#o.definition;
    const store = this.#o.store;
    const early = evaluateFilter(def.filters, {
      from: s.from, to: s.to, ...(s.subject !== undefined ? { subject: s.subject } : {}),
      ...(s.hasAttachments !== undefined ? { hasAttachments: s.hasAttachments } : {}),
      ...(s.seen !== undefined ? { seen: s.seen } : {}),
    });
    if (early === 'no-match') return 'done';
    // Graph reports changed messages too (read, flagged, after-action "read"): one delivery per id.
    const done = await store.findDelivery(def.name, s.id);
    if (done && done.status !== 'failed') return 'done';
    const messageId = normalizeMessageId(s.messageId);
    if (dedupe && messageId && (await store.wasMessageIdDelivered(def.name, messageId))) {
      await store.addTriggerEvent(def.name, 'duplicate_skipped', `message ${s.id} (Message-ID ${messageId}) was delivered before the sync state was reset`);
      return 'done';
    }
    let raw: Buffer;
    try {
      raw = await src.raw(s.id);
    } catch (e) {
      if (!isGoneError(e)) throw e;
      // Deleted or moved away since the listing: its new place (if any) reports it anew.
      await store.addTriggerEvent(def.name, 'message_gone', `message ${s.id} left ${def.folder} before it could be fetched`);
      return 'done';
    }
    const message = await parseMessage(raw, { id: s.id, folder: def.folder, flags: s.seen ? ['\\Seen'] : [], size: raw.length,
      ...(s.date ? { receivedAt: s.date } : {}) });
    if (early === 'need-message' && evaluateFilter(def.filters, viewOfParsed(message, s.seen)) !== 'match') return 'done';
    const result = await dispatchWithRetry(ctx, { messageKey: s.id, message, raw, source: { kind: src.kind, folder: def.folder, id: s.id } });
    if (result.kind === 'stopped') return 'stopped';
    if (result.kind === 'dead') {
      this.#status.dead++;
      return 'done';
    }
    this.#status.delivered++;
    await this.#afterAction(result.record.id, () => src.afterAction(s.id, def.afterAction));
    return 'done';
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
   * A crash between recording a delivery and its after-processing action leaves the message
   * delivered but not yet read, moved or deleted. On (re)connecting, the recent deliveries
   * without a noted action get it now (running it twice is harmless: the second finds the
   * message gone or already read). `runFor` says how, or undefined where it no longer applies.
   */
  async #finishPendingAfterActions(runFor: (d: DeliveryRecord) => (() => Promise<void>) | undefined): Promise<void> {
    if (this.#o.definition.afterAction.kind === 'leave') return;
    const recent = await this.#o.store.listDeliveries(this.name, { status: 'delivered', limit: PENDING_AFTER_ACTION_LOOKBACK });
    for (const d of recent) {
      if (d.afterAction !== undefined || this.#abort.signal.aborted) continue;
      const run = runFor(d);
      if (run) await this.#afterAction(d.id, run);
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
