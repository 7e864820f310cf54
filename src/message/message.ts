/**
 * The message model every backend (IMAP, POP3, EWS, Graph) maps to, and the draft type for
 * sending. Plain data: no protocol objects leak through here.
 */
import type { Readable } from 'node:stream';

/** One mailbox. Groups are flattened into their members when parsed. */
export interface MailAddress {
  /** Display name, decoded (e.g. 山田 太郎). */
  name?: string;
  address: string;
}

/** What is known of an attachment without its bytes: name, type, size, inline or not. */
export interface AttachmentInfo {
  /** Decoded file name as the sender gave it (not yet made safe for a disk: see attachments.ts). */
  filename?: string;
  contentType: string;
  size: number;
  /** Without angle brackets. */
  contentId?: string;
  /** Content-Disposition inline (e.g. an image referenced by cid: from the HTML). */
  inline: boolean;
  /** Hex MD5 of the decoded content when the backend computed it. */
  checksum?: string;
}

/** A message's importance (from its Importance, Priority or X-Priority header): high, normal or low. */
export type Importance = 'high' | 'normal' | 'low';

/** A received message as every backend gives it: headers, addresses, text, HTML and attachment metadata. */
export interface MailMessage {
  /** The backend's id: IMAP UID, POP3 UIDL, EWS ItemId, Graph id (always text). */
  id: string;
  folder?: string;
  messageId?: string;
  subject: string;
  from?: MailAddress;
  sender?: MailAddress;
  to: MailAddress[];
  cc: MailAddress[];
  bcc: MailAddress[];
  replyTo: MailAddress[];
  /** The Date header. */
  date?: Date;
  /** When the server received it (IMAP INTERNALDATE, Graph receivedDateTime). */
  receivedAt?: Date;
  /** Backend flags as given (\\Seen, \\Flagged, keywords). */
  flags: string[];
  seen: boolean;
  flagged: boolean;
  /** Raw size in bytes, when known. */
  size?: number;
  hasAttachments: boolean;
  text?: string;
  html?: string;
  /** Lower-case header names; repeated headers become arrays. Values decoded (RFC 2047). */
  headers: Record<string, string | string[]>;
  attachments: AttachmentInfo[];
  importance?: Importance;
}

/** Where an outgoing attachment's bytes come from. A stream can be read once only. */
export type DraftAttachmentSource = { path: string } | { content: Buffer } | { stream: Readable };

/** An attachment of an outgoing message: its bytes (a path, a Buffer or a stream) and how to label them. */
export type DraftAttachment = DraftAttachmentSource & {
  /** Required for `content`/`stream`; defaults to the base name for `path`. */
  filename?: string;
  /** Guessed from the file name when absent. */
  contentType?: string;
  /** Makes it an inline part referenced from the HTML as `cid:<cid>`. */
  cid?: string;
};

/** A recipient as text (`"Name" <a@b>` or `a@b`) or as a structured address. */
export type AddressInput = string | MailAddress;

/**
 * Charset of outgoing text. `utf-8` (default) is what Outlook and every current mailer read.
 * `iso-2022-jp` is for recipients whose systems still expect it (older Japanese mobile/carrier
 * mail and some corporate gateways); see charset/iso2022jp.ts for what it can carry.
 */
export type DraftEncoding = 'utf-8' | 'iso-2022-jp';

/** An outgoing message, as `Mailbox.send` takes it; check input from outside with `parseMailDraft`. */
export interface MailDraft {
  /** The author. For send-as / a shared mailbox, the shared address (the login user needs SendAs). */
  from: AddressInput;
  /** The login user when sending on behalf of `from` (Exchange "Send on behalf"). */
  sender?: AddressInput;
  to: AddressInput[];
  cc?: AddressInput[];
  bcc?: AddressInput[];
  replyTo?: AddressInput[];
  subject: string;
  text?: string;
  html?: string;
  attachments?: DraftAttachment[];
  priority?: Importance;
  /** Extra headers (e.g. X-Campaign). Names and values are checked for header injection. */
  headers?: Record<string, string>;
  inReplyTo?: string;
  references?: string[];
  encoding?: DraftEncoding;
}

/** What a send returns: the Message-ID and the recipients the server accepted or refused. */
export interface SendResult {
  messageId: string;
  accepted: string[];
  rejected: string[];
}
