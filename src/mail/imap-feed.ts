import type { ImapFlow } from 'imapflow';
import type { Resource } from '../config/resource.js';
import { connectImap } from '../protocols/imap/connect.js';
import { deleteMessages } from '../protocols/imap/delete.js';
import { toImapProtocolError } from '../protocols/imap/errors.js';
import { fetchSource, fetchSummaries } from '../protocols/imap/fetch.js';
import { setSeen } from '../protocols/imap/flags.js';
import { withFolder } from '../protocols/imap/lock.js';
import { moveMessages } from '../protocols/imap/move.js';
import { runAfterAction } from './after-action.js';
import {
  isMessageGone,
  type ChangeFeed,
  type FeedItem,
  type FeedNotice,
  type FeedRound,
  type OpenFeedOptions,
  type PositionChange,
} from './change-feed.js';

/** How many summaries one UID FETCH asks for: bounds memory on a folder with many new messages. */
const FETCH_BATCH = 200;

/**
 * A change feed over one IMAP connection with the folder selected: new messages are the UIDs
 * above the stored last UID under the same UIDVALIDITY (RFC 3501 §2.3.1.1); news arrive by
 * IDLE (RFC 2177) where the server offers it, else by polling.
 *
 * UIDVALIDITY rule: when the folder's UIDVALIDITY differs from the stored one, UIDs mean
 * nothing any more; the folder is read again from UID 1, and the messages that were already
 * there are flagged `maybeDelivered` (the trigger delivers them only if their Message-ID was not).
 */
export async function openImapFeed(o: OpenFeedOptions): Promise<ChangeFeed> {
  const client = await connectImap({
    resource: o.resource,
    tokens: o.tokens,
    ...(o.logger ? { logger: o.logger } : {}),
  });
  try {
    await client.mailboxOpen(o.folder);
  } catch (e) {
    client.close();
    throw toImapProtocolError(e, o.resource);
  }
  return new ImapFeed(client, o.resource, o.folder, o.idle && client.capabilities.has('IDLE'));
}

class ImapFeed implements ChangeFeed {
  readonly kind = 'imap';
  readonly #client: ImapFlow;
  readonly #resource: Resource;
  readonly folder: string;
  readonly idle: boolean;
  /** Set by an untagged EXISTS (in IDLE or after any command): something may have arrived. */
  #dirty = false;
  #wake: (() => void) | undefined;

  constructor(client: ImapFlow, resource: Resource, folder: string, idle: boolean) {
    this.#client = client;
    this.#resource = resource;
    this.folder = folder;
    this.idle = idle;
    client.on('exists', () => this.#poke());
    client.on('close', () => this.#poke());
  }

  async *changes(
    position: Parameters<ChangeFeed['changes']>[0],
    opts: { start: 'new' | 'all' },
  ): AsyncGenerator<FeedRound> {
    // NOOP: lets the server report new messages (and ends IDLE).
    this.#dirty = false;
    await this.#run(() => this.#client.noop());
    const { uidValidity, uidNext } = this.#state();
    const notices: FeedNotice[] = [];
    let before: PositionChange | undefined;
    let lastUid = position.lastUid ?? 0;
    let dedupeUpTo = position.dedupeUpToUid ?? 0;
    if (position.uidValidity === undefined) {
      lastUid = opts.start === 'new' ? uidNext - 1 : 0;
      dedupeUpTo = 0;
      before = { kind: 'uid', uidValidity, lastUid };
      notices.push({
        kind: 'started',
        message: `watching ${this.folder} (UIDVALIDITY ${uidValidity}) from UID ${lastUid + 1}`,
      });
    } else if (position.uidValidity !== uidValidity) {
      lastUid = 0;
      dedupeUpTo = uidNext - 1;
      before = { kind: 'uid', uidValidity, lastUid, dedupeUpToUid: dedupeUpTo };
      notices.push({
        kind: 'uidvalidity_changed',
        message:
          `UIDVALIDITY of ${this.folder} changed from ${position.uidValidity} to ${uidValidity}: ` +
          `the ${dedupeUpTo > 0 ? 'messages already there' : 'folder'} ` +
          'will be delivered only if their Message-ID was not delivered before',
      });
    }
    const uids = await this.#run(() =>
      withFolder(this.#client, this.folder, async () => {
        // `N:*` also matches the last message when all UIDs are below N: hence the filter.
        const found = await this.#client.search({ uid: `${lastUid + 1}:*` }, { uid: true });
        return (found || []).filter((u) => u > lastUid).sort((a, b) => a - b);
      }),
    );
    if (uids.length === 0) {
      yield { ...(before ? { before } : {}), items: [], notices };
      return;
    }
    for (let i = 0; i < uids.length; i += FETCH_BATCH) {
      const batch = await this.#run(() => fetchSummaries(this.#client, this.folder, uids.slice(i, i + FETCH_BATCH)));
      const items = batch.map((s): FeedItem => ({
        id: String(s.uid),
        key: `${uidValidity}:${s.uid}`,
        source: { kind: 'imap', folder: this.folder, uidValidity, uid: s.uid },
        from: s.from,
        to: [...s.to, ...s.cc],
        ...(s.subject !== undefined ? { subject: s.subject } : {}),
        ...(s.messageId ? { messageId: s.messageId } : {}),
        hasAttachments: s.attachments.some((a) => !a.inline),
        seen: s.flags.includes('\\Seen'),
        flags: s.flags,
        ...(s.internalDate ? { receivedAt: s.internalDate } : {}),
        size: s.size,
        maybeDelivered: s.uid <= dedupeUpTo,
        advance: { kind: 'uid', uidValidity, lastUid: s.uid, ...(dedupeUpTo ? { dedupeUpToUid: dedupeUpTo } : {}) },
      }));
      yield { ...(i === 0 && before ? { before } : {}), items, notices: i === 0 ? notices : [] };
    }
  }

  async raw(id: string): Promise<Buffer | undefined> {
    try {
      return await this.#run(() => fetchSource(this.#client, this.folder, Number(id)));
    } catch (e) {
      if (isMessageGone(e)) return undefined;
      throw e;
    }
  }

  afterAction(ids: readonly string[], action: Parameters<ChangeFeed['afterAction']>[1]): Promise<void> {
    const uids = () => ids.map(Number);
    return runAfterAction(
      {
        markRead: () => this.#run(() => setSeen(this.#client, this.folder, uids(), true)),
        move: (_ids, target) =>
          this.#run(async () => {
            await moveMessages(this.#client, this.folder, uids(), target);
          }),
        delete: () => this.#run(() => deleteMessages(this.#client, this.folder, uids())),
      },
      ids,
      action,
    );
  }

  idOf(source: Parameters<ChangeFeed['idOf']>[0]): string | undefined {
    // Under another UIDVALIDITY the UID names another message, or none.
    return source.kind === 'imap' && source.uidValidity === this.#state().uidValidity ? String(source.uid) : undefined;
  }

  /**
   * Waits until the server reports a new message, the connection closes, `timeoutMs` passes
   * (the safety-net re-scan) or the signal aborts. With IDLE, the server is in IDLE meanwhile;
   * the next command (the NOOP of `changes`) ends it.
   */
  async waitForNews(timeoutMs: number, signal: AbortSignal): Promise<void> {
    if (!this.#client.usable)
      throw toImapProtocolError(
        new Error(`the IMAP connection to ${this.#resource.server.host} closed`),
        this.#resource,
      );
    if (this.#dirty || signal.aborted) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal.addEventListener('abort', done, { once: true });
      this.#wake = done;
      if (this.idle)
        void this.#client.idle().then((r) => {
          if (r === false) done();
        }, done);
    });
  }

  async close(): Promise<void> {
    this.#poke();
    if (this.#client.usable) await this.#client.logout().catch(() => this.#client.close());
    else this.#client.close();
  }

  /** UIDVALIDITY and UIDNEXT as of the last server report. */
  #state(): { uidValidity: string; uidNext: number } {
    const mb = this.#client.mailbox;
    if (!mb) throw toImapProtocolError(new Error(`folder ${this.folder} is no longer selected`), this.#resource);
    return { uidValidity: String(mb.uidValidity), uidNext: mb.uidNext };
  }

  #poke(): void {
    this.#dirty = true;
    this.#wake?.();
  }

  async #run<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (e) {
      throw toImapProtocolError(e, this.#resource);
    }
  }
}
