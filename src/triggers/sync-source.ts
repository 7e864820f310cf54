import type { AccessTokenProvider } from '../auth/token-provider.js';
import type { Resource } from '../config/resource.js';
import { isMailbridgeError } from '../errors.js';
import type { Logger } from '../log.js';
import { openEwsMailbox, type EwsMailbox } from '../mail/ews-mailbox.js';
import { openGraphMailbox, type GraphMailbox } from '../mail/graph-mailbox.js';
import type { AfterAction, MessageSummary } from '../mail/mailbox.js';

/** SyncFolderItems changes per page: small enough that a page's work is soon durable. */
const EWS_PAGE = 100;

/** One round of changes since an opaque server state (EWS sync state, Graph deltaLink). */
export interface SyncRound {
  /** Messages that appeared in the folder (Graph: also changed ones; the caller dedupes by id). */
  items: MessageSummary[];
  /** The state to store once every item of the round is finished with. */
  state: string;
  /** More changes wait: ask again with `state` at once. */
  more: boolean;
  /** The stored state was refused and this round lists the whole folder again. */
  restarted: boolean;
}

/**
 * A folder watched by incremental sync: EWS SyncFolderItems or Graph delta. Both give an
 * opaque state that is the trigger's checkpoint, and both answer an unknown state by making
 * the caller start over (EWS ErrorInvalidSyncStateData, Graph 410): `restarted` says so.
 */
export interface SyncSource {
  readonly kind: 'ews' | 'graph';
  readonly folder: string;
  round(state: string | undefined): Promise<SyncRound>;
  raw(id: string): Promise<Buffer>;
  afterAction(id: string, action: AfterAction): Promise<void>;
  close(): Promise<void>;
}

export async function openSyncSource(o: { resource: Resource; tokens: AccessTokenProvider; folder: string; logger?: Logger }): Promise<SyncSource> {
  const common = { resource: o.resource, tokens: o.tokens, ...(o.logger ? { logger: o.logger } : {}) };
  if (o.resource.kind === 'ews') return ewsSource(openEwsMailbox(common), o.folder);
  return graphSource(await openGraphMailbox(common), o.folder);
}

function ewsSource(mb: EwsMailbox, folder: string): SyncSource {
  const page = async (syncState: string | undefined) => mb.sync({ folder, max: EWS_PAGE, ...(syncState ? { syncState } : {}) });
  return {
    kind: 'ews',
    folder,
    async round(state) {
      let restarted = false;
      let r;
      try {
        r = await page(state);
      } catch (e) {
        if (!state || !isInvalidSyncState(e)) throw e;
        r = await page(undefined);
        restarted = true;
      }
      return { items: r.created, state: r.syncState, more: !r.complete, restarted };
    },
    raw: (id) => readAll(mb.raw(id, { folder })),
    afterAction: (id, action) => mb.afterProcessing([id], action, { folder }),
    close: () => mb.close(),
  };
}

function graphSource(mb: GraphMailbox, folder: string): SyncSource {
  return {
    kind: 'graph',
    folder,
    async round(state) {
      // messagesDelta already answers a 410 with a full round, flagged `restarted`.
      const r = await mb.delta({ folder, ...(state ? { deltaLink: state } : {}) });
      return { items: r.changed, state: r.deltaLink, more: false, restarted: r.restarted };
    },
    raw: (id) => readAll(mb.raw(id, { folder })),
    afterAction: (id, action) => mb.afterProcessing([id], action, { folder }),
    close: () => mb.close(),
  };
}

function isInvalidSyncState(e: unknown): boolean {
  if (!isMailbridgeError(e)) return false;
  return e.details?.['responseCode'] === 'ErrorInvalidSyncStateData' || e.message.includes('ErrorInvalidSyncStateData');
}

/** A message deleted or moved by someone between the listing and the fetch. */
export function isGoneError(e: unknown): boolean {
  return isMailbridgeError(e) && (e.code === 'EWS_ITEM_NOT_FOUND' || e.code === 'GRAPH_ITEM_NOT_FOUND');
}

async function readAll(stream: Promise<AsyncIterable<unknown>>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of await stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
  return Buffer.concat(chunks);
}
