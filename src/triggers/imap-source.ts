import type { ImapFlow } from 'imapflow';
import type { AccessTokenProvider } from '../auth/token-provider.js';
import type { Resource } from '../config/resource.js';
import type { Logger } from '../log.js';
import type { AfterAction } from '../mail/mailbox.js';
import { connectImap } from '../protocols/imap/connect.js';
import { deleteMessages } from '../protocols/imap/delete.js';
import { toImapProtocolError } from '../protocols/imap/errors.js';
import { fetchSource, fetchSummaries, type ImapMessageSummary } from '../protocols/imap/fetch.js';
import { setSeen } from '../protocols/imap/flags.js';
import { withFolder } from '../protocols/imap/lock.js';
import { moveMessages } from '../protocols/imap/move.js';

/** How many summaries one UID FETCH asks for: bounds memory on a folder with many new messages. */
const FETCH_BATCH = 200;

/**
 * One IMAP connection with the trigger's folder selected: what is new since a UID, the
 * folder's UIDVALIDITY (RFC 3501 §2.3.1.1), message sources, the after-processing actions, and
 * waiting for news with IDLE (RFC 2177) or a plain timer where IDLE is missing.
 */
export class ImapSource {
  readonly #client: ImapFlow;
  readonly #resource: Resource;
  readonly folder: string;
  /** Set by an untagged EXISTS (in IDLE or after any command): something may have arrived. */
  #dirty = false;
  #wake: (() => void) | undefined;

  private constructor(client: ImapFlow, resource: Resource, folder: string) {
    this.#client = client;
    this.#resource = resource;
    this.folder = folder;
    client.on('exists', () => this.#poke());
    client.on('close', () => this.#poke());
  }

  static async open(o: { resource: Resource; tokens: AccessTokenProvider; folder: string; logger?: Logger }): Promise<ImapSource> {
    const client = await connectImap({ resource: o.resource, tokens: o.tokens, ...(o.logger ? { logger: o.logger } : {}) });
    try {
      await client.mailboxOpen(o.folder);
    } catch (e) {
      client.close();
      throw toImapProtocolError(e, o.resource);
    }
    return new ImapSource(client, o.resource, o.folder);
  }

  get usable(): boolean {
    return this.#client.usable;
  }

  get supportsIdle(): boolean {
    return this.#client.capabilities.has('IDLE');
  }

  /** UIDVALIDITY and UIDNEXT as of the last server report (refreshed by `sync`). */
  state(): { uidValidity: string; uidNext: number } {
    const mb = this.#client.mailbox;
    if (!mb) throw toImapProtocolError(new Error(`folder ${this.folder} is no longer selected`), this.#resource);
    return { uidValidity: String(mb.uidValidity), uidNext: Number(mb.uidNext) };
  }

  /** NOOP: lets the server report new messages (and breaks IDLE). */
  async sync(): Promise<void> {
    this.#dirty = false;
    await this.#run(() => this.#client.noop());
  }

  /** UIDs above `afterUid`, ascending. (`N:*` also matches the last message when all UIDs are below N.) */
  async uidsAfter(afterUid: number): Promise<number[]> {
    return this.#run(() => withFolder(this.#client, this.folder, async () => {
      const found = await this.#client.search({ uid: `${afterUid + 1}:*` }, { uid: true });
      return (found || []).filter((u) => u > afterUid).sort((a, b) => a - b);
    }));
  }

  async *summaries(uids: readonly number[]): AsyncGenerator<ImapMessageSummary> {
    for (let i = 0; i < uids.length; i += FETCH_BATCH) {
      const batch = await this.#run(() => fetchSummaries(this.#client, this.folder, uids.slice(i, i + FETCH_BATCH)));
      yield* batch;
    }
  }

  source(uid: number): Promise<Buffer> {
    return this.#run(() => fetchSource(this.#client, this.folder, uid));
  }

  async afterAction(uid: number, action: AfterAction): Promise<void> {
    switch (action.kind) {
      case 'leave': return;
      case 'read': return this.#run(() => setSeen(this.#client, this.folder, [uid], true));
      case 'move': return this.#run(async () => void (await moveMessages(this.#client, this.folder, [uid], action.folder)));
      case 'delete': return this.#run(() => deleteMessages(this.#client, this.folder, [uid]));
    }
  }

  /**
   * Waits until the server reports a new message, the connection closes, `timeoutMs` passes
   * (the safety-net re-scan) or the signal aborts. With `idle`, the server is in IDLE meanwhile;
   * the next command (sync) ends it.
   */
  async waitForNews(timeoutMs: number, idle: boolean, signal: AbortSignal): Promise<void> {
    if (this.#dirty || signal.aborted || !this.#client.usable) return;
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
      // IDLE ends with the next command or the connection: both are handled by the caller.
      if (idle) void this.#client.idle().then((r) => { if (r === false) done(); }, done);
    });
  }

  async close(): Promise<void> {
    this.#poke();
    if (this.#client.usable) await this.#client.logout().catch(() => this.#client.close());
    else this.#client.close();
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
