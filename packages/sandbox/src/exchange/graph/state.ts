import type { EventEmitter } from 'node:events';
import type { ExchangeContext, Folder, SandboxMailbox, StoredMessage, TokenPrincipal } from '../contract.js';
import type { Subscriptions } from './subscriptions.js';
import type { GraphServerEvents, MailboxConcurrency } from './throttle.js';
import type { UploadSessions } from './uploads.js';

/** Everything the Graph routes share for the life of one server. */
export interface GraphState {
  ctx: ExchangeContext;
  /**
   * Old id → new id for messages the endpoint rewrote (an attachment added, importance changed):
   * the store keeps raw MIME immutable, so a rewrite is a new message, but a client holding the
   * old id (a draft it is building) keeps working, as it would at Exchange.
   */
  aliases: Map<string, string>;
  concurrency: MailboxConcurrency;
  events: EventEmitter<GraphServerEvents>;
  uploads: UploadSessions;
  subscriptions: Subscriptions;
}

/** Who is calling and on which mailbox: set by the auth hook on every authenticated route. */
export interface GraphCall {
  mailbox: SandboxMailbox;
  principal: TokenPrincipal;
  /** `https://localhost:PORT/v1.0` as the client addressed us. */
  base: string;
  /** `users('alice%40contoso.onmicrosoft.com')`: the @odata.context path of the mailbox. */
  contextPath: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    graph?: GraphCall;
  }
}

/** The message with this id (following rewrite aliases) anywhere in the mailbox. */
export function findMessage(state: GraphState, mailbox: SandboxMailbox, id: string): { folder: Folder; msg: StoredMessage } | undefined {
  let current = id;
  for (let hops = 0; hops < 32; hops++) {
    for (const folder of mailbox.folders()) {
      const msg = folder.byId(current);
      if (msg) return { folder, msg };
    }
    const next = state.aliases.get(current);
    if (!next) return undefined;
    current = next;
  }
  return undefined;
}

/** A folder by id or well-known name (any case), as Graph accepts both in the URL. */
export function findFolder(mailbox: SandboxMailbox, ref: string): Folder | undefined {
  return mailbox.folder(ref) ?? mailbox.folder(ref.toLowerCase()) ?? mailbox.folders().find((f) => f.id === ref);
}

/**
 * Replace a message by a rewritten copy in the same folder (same flags and receivedAt) and
 * remember the alias; the store has no in-place edit of raw MIME.
 */
export async function rewriteMessage(state: GraphState, folder: Folder, msg: StoredMessage, raw: Buffer): Promise<StoredMessage> {
  const next = await folder.append(raw, { flags: msg.flags, receivedAt: msg.receivedAt });
  folder.expunge([msg.uid]);
  state.aliases.set(msg.id, next.id);
  return next;
}
