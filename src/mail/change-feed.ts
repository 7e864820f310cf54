import type { AccessTokenProvider } from '../auth/token-provider.js';
import type { Resource } from '../config/resource.js';
import { isMailbridgeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { DeliverySource } from '../store/store.js';
import type { AfterAction } from '../message/after-action.js';
import type { EwsStreamingOptions } from './ews-streaming.js';
import type { Address } from './mailbox.js';

/**
 * What a watcher needs of a mailbox, whatever the protocol: the messages new since a stored
 * position, a message's source, and the after-processing action. One implementation per
 * backend (imap-feed, pop3-feed, sync-feed for EWS and Graph); the trigger loop in
 * src/triggers/watcher.ts works over any of them and keeps the position in the store.
 */
export interface ChangeFeed {
  readonly kind: 'imap' | 'pop3' | 'ews' | 'graph';
  readonly folder: string;
  /** IMAP: the server is watched with IDLE (false: polling). Undefined where the protocol has no push. */
  readonly idle?: boolean;
  /**
   * Rounds of messages new since `position`, oldest first. The caller finishes every item of
   * a round (delivered, dead-lettered or skipped) before it asks for the next one.
   */
  changes(position: FeedPosition, opts: { start: 'new' | 'all' }): AsyncIterable<FeedRound>;
  /** The RFC 5322 source; undefined when the message left the folder since it was listed. */
  raw(id: string): Promise<Buffer | undefined>;
  afterAction(ids: readonly string[], action: AfterAction): Promise<void>;
  /** The id `raw`/`afterAction` take for a message recorded from `source`, or undefined if it no longer applies. */
  idOf(source: DeliverySource): string | undefined;
  /**
   * Push feeds only (IMAP): waits until something may have changed (IDLE news, `intervalMs`, the
   * signal); throws when the connection is gone. Without it the caller polls every `intervalMs`.
   */
  waitForNews?(intervalMs: number, signal: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

/** Where a trigger stands in its folder, as last stored (empty: it never ran). */
export interface FeedPosition {
  /** IMAP: the folder's UIDVALIDITY (RFC 3501 §2.3.1.1), the highest UID finished with, the dedupe range. */
  uidValidity?: string;
  lastUid?: number;
  dedupeUpToUid?: number;
  /** EWS: the SyncFolderItems sync state; Graph: the deltaLink. */
  syncState?: string;
  /** POP3: whether the trigger ever ran, and every UIDL it finished with. */
  started?: boolean;
  uidls?: ReadonlySet<string>;
}

/** A move of the stored position: IMAP's UID line, an opaque sync state, or finished POP3 UIDLs. */
export type PositionChange =
  | { kind: 'uid'; uidValidity: string; lastUid: number; dedupeUpToUid?: number }
  | { kind: 'sync'; state: string }
  /** `first`: the trigger's first round (POP3 keeps no other position to say it ran). */
  | { kind: 'uidls'; uidls: readonly string[]; first?: true };

/** Something a person should see in the trigger's history. */
export interface FeedNotice {
  kind: 'started' | 'uidvalidity_changed' | 'sync_reset';
  message: string;
}

export interface FeedRound {
  /** Stored before the items are handled (a first start, a UIDVALIDITY change). */
  before?: PositionChange;
  items: FeedItem[];
  /** Stored once every item is finished with (the sync state that ends this round). */
  after?: PositionChange;
  /** POP3: the UIDLs on the server now; the rest may be forgotten (never reused, RFC 1939 §7). */
  present?: readonly string[];
  notices: FeedNotice[];
}

/** A new message as listed, before its source is fetched. */
export interface FeedItem {
  /** The id `raw` and `afterAction` take (IMAP UID, POP3 UIDL, EWS ItemId, Graph id). */
  id: string;
  /** Unique in the trigger's history: IMAP `UIDVALIDITY:UID`, else the id. */
  key: string;
  source: DeliverySource;
  /** What the listing told (for filters before download); undefined where the protocol cannot tell. */
  from?: Address[];
  to?: Address[];
  subject?: string;
  messageId?: string;
  hasAttachments?: boolean;
  seen?: boolean;
  flags?: string[];
  receivedAt?: Date;
  /** Octets, when the server says (POP3 LIST, IMAP RFC822.SIZE, EWS Size). */
  size?: number;
  /**
   * The message was in the folder when the stored position stopped meaning anything (new
   * UIDVALIDITY, a sync state the server refused): deliver it only if its Message-ID was not.
   */
  maybeDelivered: boolean;
  /** How the position moves past this message alone; undefined: with the round's `after`. */
  advance?: PositionChange;
}

export interface OpenFeedOptions {
  resource: Resource;
  tokens: AccessTokenProvider;
  folder: string;
  /** IMAP: watch with IDLE where the server offers it. */
  idle: boolean;
  /** EWS: wake the sync with streaming notifications (ews-streaming.ts), its subscription kept here. */
  streaming?: Pick<EwsStreamingOptions, 'state' | 'onNotice' | 'backoff' | 'connectionMinutes'> & {
    /** App-only resources: subscriptions per shared connection (default 200, Microsoft's cap); 1: a connection each. */
    groupSize?: number;
  };
  logger?: Logger;
}

/** A message deleted or moved by someone between the listing and the fetch. */
export function isMessageGone(e: unknown): boolean {
  return (
    isMailbridgeError(e) &&
    ['IMAP_MESSAGE_NOT_FOUND', 'POP3_MESSAGE_NOT_FOUND', 'EWS_ITEM_NOT_FOUND', 'GRAPH_ITEM_NOT_FOUND'].includes(e.code)
  );
}

/**
 * A refusal that concerns one message, not the mailbox: its source could not be parsed, or it
 * is larger than a cap allows. The message goes to the dead-letter list and the folder moves on;
 * anything else (network, server, token) is the mailbox's failure and is retried.
 */
export function isMessageRefused(e: unknown): boolean {
  // A cap met while reading one message's source (POP3 RETR, an EWS/Graph MIME download) is that message's.
  return isMailbridgeError(e) && (e.code === 'MIME_MALFORMED' || MESSAGE_CAP.test(e.code));
}

/** The cap errors of the mail protocols (POP3_MESSAGE_TOO_LARGE, EWS_RESPONSE_TOO_LARGE…), not the token endpoint's. */
const MESSAGE_CAP = /^(IMAP|POP3|EWS|GRAPH|MESSAGE)_[A-Z_]*TOO_LARGE$/;
