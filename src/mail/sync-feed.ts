import { isMailbridgeError } from '../errors.js';
import {
  isMessageGone,
  type ChangeFeed,
  type FeedItem,
  type FeedNotice,
  type FeedPosition,
  type FeedRound,
  type OpenFeedOptions,
} from './change-feed.js';
import { ewsEndpoint } from '../protocols/ews/client.js';
import { openEwsMailbox, type EwsMailbox } from './ews-mailbox.js';
import { EwsStreamingWatch } from './ews-streaming.js';
import { GroupedStreamingWatch, groupableResource, streamingGroupKey } from './ews-streaming-group.js';
import { openGraphMailbox, type GraphMailbox } from './graph-mailbox.js';
import type { MessageSummary } from './mailbox.js';

/** SyncFolderItems changes per page: small enough that a page's work is soon durable. */
const EWS_PAGE = 100;

/** One page of changes since an opaque server state. */
interface SyncPage {
  /** Messages that appeared in the folder (Graph: also changed ones; the trigger dedupes by id). */
  items: MessageSummary[];
  state: string;
  /** More changes wait: ask again with `state` at once. */
  more: boolean;
  /** The given state was refused and this page starts listing the whole folder again. */
  restarted: boolean;
}

/**
 * A change feed by incremental sync: EWS SyncFolderItems or Graph delta. Both give an opaque
 * state that is the trigger's position, and both answer an unknown state by making the caller
 * start over (EWS ErrorInvalidSyncStateData, Graph 410 Gone).
 *
 * The state moves past a page only once each of its messages was finished with, so a crash
 * mid-page reads the page again. Two listings of the whole folder keep their state until they
 * are complete: the first one under `start: new` (nothing in it is delivered) and the one after
 * the server refused the stored state (its messages are flagged `maybeDelivered`).
 * https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/syncfolderitems-operation
 * https://learn.microsoft.com/en-us/graph/delta-query-messages
 */
export async function openSyncFeed(o: OpenFeedOptions): Promise<ChangeFeed> {
  const common = { resource: o.resource, tokens: o.tokens, ...(o.logger ? { logger: o.logger } : {}) };
  const kind = o.resource.kind === 'ews' ? 'ews' : 'graph';
  const mailbox: EwsMailbox | GraphMailbox = kind === 'ews' ? openEwsMailbox(common) : await openGraphMailbox(common);
  const folder = o.folder;
  const page = mailbox.kind === 'ews' ? ewsPages(mailbox, folder) : graphPages(mailbox, folder);

  async function* changes(position: FeedPosition, opts: { start: 'new' | 'all' }): AsyncGenerator<FeedRound> {
    let state = position.syncState;
    const skipAll = state === undefined && opts.start === 'new';
    let dedupe = false;
    let seen = 0;
    for (;;) {
      const r = await page(state);
      const notices: FeedNotice[] = [];
      if (r.restarted && !dedupe) {
        dedupe = true;
        notices.push({
          kind: 'sync_reset',
          message:
            `the server no longer knew the sync state of ${folder}: re-reading the folder; ` +
            'messages already there are delivered only if their Message-ID was not delivered before',
        });
      }
      seen += r.items.length;
      state = r.state;
      if (!r.more && position.syncState === undefined) {
        notices.push({
          kind: 'started',
          message:
            `watching ${folder} by ${kind === 'ews' ? 'EWS SyncFolderItems' : 'Graph delta'} ` +
            `(${seen} message(s) there, ${opts.start === 'new' ? 'not delivered' : 'delivered'})`,
        });
      }
      const storable = !r.more || !(skipAll || dedupe);
      const items = skipAll ? [] : r.items.map((s) => toItem(s, dedupe));
      yield { items, ...(storable ? { after: { kind: 'sync', state } } : {}), notices };
      if (!r.more) return;
    }
  }

  function toItem(s: MessageSummary, maybeDelivered: boolean): FeedItem {
    return {
      id: s.id,
      key: s.id,
      source: { kind, folder, id: s.id },
      from: s.from,
      to: s.to,
      ...(s.subject !== undefined ? { subject: s.subject } : {}),
      ...(s.messageId ? { messageId: s.messageId } : {}),
      ...(s.hasAttachments !== undefined ? { hasAttachments: s.hasAttachments } : {}),
      ...(s.seen !== undefined ? { seen: s.seen } : {}),
      flags: s.seen ? ['\\Seen'] : [],
      ...(s.date ? { receivedAt: s.date } : {}),
      // Graph's message resource has no size (0): unknown.
      ...(s.size > 0 ? { size: s.size } : {}),
      maybeDelivered,
    };
  }

  // Streaming notifications only wake the sync below; SyncFolderItems stays the truth. App-only
  // resources share connections in subscription groups (ews-streaming-group.ts); a delegated
  // token speaks for one user, so each of those keeps its own connection.
  let streaming: EwsStreamingWatch | GroupedStreamingWatch | undefined;
  if (mailbox.kind === 'ews' && o.streaming) {
    const { groupSize, ...rest } = o.streaming;
    const watch = { ...rest, api: mailbox.streaming, folder, host: ewsEndpoint(o.resource).hostname, ...(o.logger ? { logger: o.logger } : {}) };
    streaming = groupableResource(o.resource) && (groupSize ?? 2) > 1
      ? new GroupedStreamingWatch({ ...watch, groupKey: streamingGroupKey(o.resource), mailbox: o.resource.user ?? '', ...(groupSize ? { groupSize } : {}) })
      : new EwsStreamingWatch(watch);
  }
  streaming?.start();

  return {
    kind,
    folder,
    changes,
    ...(streaming ? { waitForNews: (ms: number, signal: AbortSignal) => streaming.waitForNews(ms, signal) } : {}),
    async raw(id) {
      try {
        const chunks: Buffer[] = [];
        for await (const c of await mailbox.raw(id, { folder }))
          chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
        return Buffer.concat(chunks);
      } catch (e) {
        if (isMessageGone(e)) return undefined;
        throw e;
      }
    },
    afterAction: (ids, action) => mailbox.afterProcessing(ids, action, { folder }),
    idOf: (source) => (source.kind === kind ? source.id : undefined),
    close: async () => {
      await streaming?.close();
      await mailbox.close();
    },
  };
}

function ewsPages(mb: EwsMailbox, folder: string): (state: string | undefined) => Promise<SyncPage> {
  const sync = (syncState: string | undefined) =>
    mb.sync({ folder, max: EWS_PAGE, ...(syncState ? { syncState } : {}) });
  return async (state) => {
    let restarted = false;
    let r;
    try {
      r = await sync(state);
    } catch (e) {
      if (!state || !isInvalidSyncState(e)) throw e;
      r = await sync(undefined);
      restarted = true;
    }
    return { items: r.created, state: r.syncState, more: !r.complete, restarted };
  };
}

function graphPages(mb: GraphMailbox, folder: string): (state: string | undefined) => Promise<SyncPage> {
  // messagesDelta already answers a 410 with a full round, flagged `restarted`.
  return async (state) => {
    const r = await mb.delta({ folder, ...(state ? { deltaLink: state } : {}) });
    return { items: r.changed, state: r.deltaLink, more: false, restarted: r.restarted };
  };
}

function isInvalidSyncState(e: unknown): boolean {
  if (!isMailbridgeError(e)) return false;
  return e.details['responseCode'] === 'ErrorInvalidSyncStateData' || e.message.includes('ErrorInvalidSyncStateData');
}
