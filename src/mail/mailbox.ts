import type { Readable } from 'node:stream';
import { UnsupportedError } from '../errors.js';
import type { AfterAction } from '../message/after-action.js';
import type { MessageFilter } from '../message/filter.js';
import type { MailDraft, MailMessage, SendResult } from '../message/message.js';

/**
 * The one mail facade the CLI, the REST API and triggers use, whatever the protocol behind
 * it. IMAP backs every operation; POP3 has one folder and no flags, so it backs only INBOX
 * list/get/raw/delete; an SMTP resource only sends.
 */
export interface Mailbox {
  readonly resource: string;
  readonly kind: 'imap' | 'pop3' | 'smtp' | 'ews' | 'graph';
  /** Connects and logs in (refreshing the token once if refused); says what it found. */
  verify(): Promise<string>;
  /** The folders (IMAP, EWS, Graph; POP3 has only INBOX). */
  folders(): Promise<FolderInfo[]>;
  /** Newest last; `limit` keeps the newest N. */
  list(opts?: ListOptions): Promise<MessageSummary[]>;
  /** The message parsed (headers, text, HTML, attachments). */
  get(id: string, opts?: FolderOption): Promise<MailMessage>;
  /** The RFC 5322 source as sent, for a .eml file. The stream must be consumed or destroyed. */
  raw(id: string, opts?: FolderOption): Promise<Readable>;
  /**
   * The sources of many messages in one round trip (IMAP: one `UID FETCH` for the whole set),
   * each whole in memory, in the server's order; ids no longer there are missing. Only for
   * messages of bounded size (a bulk fetch streams big ones through `raw`). Backends without
   * it are read one message at a time.
   */
  rawMany?(ids: readonly string[], opts?: FolderOption): AsyncIterable<RawSource>;
  /**
   * What a bulk fetch needs to know of the matching messages (newest last): their ids, and which
   * are larger than `largerThan` octets (those are streamed one at a time, never whole in
   * memory), without the headers, structure or even the size of each message. Backends
   * without it use `list`.
   */
  listIds?(opts: ListOptions, largerThan: number): Promise<Array<{ id: string; large: boolean }>>;
  /**
   * How many `raw` calls a bulk fetch may have in flight at once (default 1): more only where
   * each is an independent request (Graph's `$value`), never on one connection's command queue.
   */
  readonly rawConcurrency?: number;
  /** Streams each attachment to `dir` (temp file then rename: never half a file). */
  saveAttachments(id: string, dir: string, opts?: FolderOption): Promise<SavedAttachment[]>;
  /** Sets or clears the read flag (not POP3). */
  markRead(ids: readonly string[], read: boolean, opts?: FolderOption): Promise<void>;
  /** Sets or clears the flagged state (not POP3). */
  flag(ids: readonly string[], flagged: boolean, opts?: FolderOption): Promise<void>;
  /** Moves messages to the folder `target` (not POP3). */
  move(ids: readonly string[], target: string, opts?: FolderOption): Promise<void>;
  /** Copies messages to the folder `target` (not POP3). */
  copy(ids: readonly string[], target: string, opts?: FolderOption): Promise<void>;
  /** Deletes for good (IMAP: \Deleted + UID EXPUNGE; POP3: DELE + QUIT). */
  delete(ids: readonly string[], opts?: FolderOption): Promise<void>;
  /** The integration platform's after-processing step for messages already handled. */
  afterProcessing(ids: readonly string[], action: AfterAction, opts?: FolderOption): Promise<void>;
  /**
   * Sends a message (smtp, ews and graph resources).
   * @throws UnsupportedError `MAIL_OPERATION_UNSUPPORTED` on a receive-only resource.
   */
  send(draft: MailDraft): Promise<SendResult>;
  /**
   * IMAP only: the folder's UIDVALIDITY (RFC 3501 §2.3.1.1). Ids remembered under another
   * value name other messages (the folder was recreated), so a resumed fetch must start over.
   */
  uidValidity?(opts?: FolderOption): Promise<string>;
  /** Logs out and closes the connection; the mailbox is unusable after. */
  close(): Promise<void>;
}

/** Which folder an operation works on. */
export interface FolderOption {
  /** Default INBOX. */
  folder?: string;
}

/** One folder of a mailbox, with its counts where the server gives them. */
export interface FolderInfo {
  path: string;
  name: string;
  specialUse?: string;
  messages?: number;
  unseen?: number;
}

/** A mail address with its display name. */
export interface Address {
  name?: string;
  address?: string;
}

/** What a message list shows of one message (no body). */
export interface MessageSummary {
  /** IMAP: the UID (as text); POP3: the UIDL. Stable across sessions, unlike sequence numbers. */
  id: string;
  folder: string;
  messageId?: string;
  subject?: string;
  from: Address[];
  to: Address[];
  date?: Date;
  size: number;
  /** Undefined where the protocol has no flags (POP3). */
  seen?: boolean;
  flagged?: boolean;
  /** Undefined where the protocol cannot tell without downloading (POP3). */
  hasAttachments?: boolean;
}

/** One message of a {@link Mailbox.rawMany} batch. */
export interface RawSource {
  id: string;
  source: Buffer;
}

/** An attachment written to disk by {@link Mailbox.saveAttachments}. */
export interface SavedAttachment {
  filename: string;
  path: string;
  size: number;
  contentType: string;
}

/** Options of {@link Mailbox.list}: a filter and the newest N. */
export interface ListOptions extends FolderOption {
  filter?: MessageFilter;
  limit?: number;
  /**
   * Rows received so far of `total`, for a progress display on a big folder (IMAP calls it
   * as the rows stream in; other backends may call it once at the end or not at all).
   */
  onProgress?: (done: number, total: number) => void;
}

/** The error a backend throws for an operation its protocol cannot do. */
export function unsupported(kind: string, operation: string, fix: string): UnsupportedError {
  return new UnsupportedError({
    code: 'MAIL_OPERATION_UNSUPPORTED',
    message: `${kind.toUpperCase()} cannot ${operation}`,
    hint: fix,
    details: { protocol: kind, operation },
  });
}
