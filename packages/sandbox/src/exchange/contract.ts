import type { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import type { Subscriptions } from './graph/subscriptions.js';

/**
 * The contract between the Exchange sandbox's one mail store and its protocol endpoints
 * (SMTP, IMAP, POP3, EWS, Graph). Every endpoint reads and writes mail only through these
 * interfaces, so a message sent by any protocol is visible through all the others.
 */

/** Exchange's well-known folders (Graph's names; EWS DistinguishedFolderId uses the same words). */
export const WELL_KNOWN_FOLDERS = ['inbox', 'sentitems', 'drafts', 'deleteditems', 'junkemail', 'archive', 'outbox'] as const;
export type WellKnownFolder = (typeof WELL_KNOWN_FOLDERS)[number];

/** What an endpoint needs to know about a message without reading its body. */
export interface MessageSummary {
  subject: string;
  from?: { name?: string; address: string };
  sender?: { name?: string; address: string };
  to: { name?: string; address: string }[];
  cc: { name?: string; address: string }[];
  bcc: { name?: string; address: string }[];
  replyTo: { name?: string; address: string }[];
  messageId?: string;
  inReplyTo?: string;
  /** The Date header (ms since epoch), when present and valid. */
  sentAt?: number;
  importance: 'low' | 'normal' | 'high';
  hasAttachments: boolean;
  /** The first ~255 characters of the text body (Graph's bodyPreview). */
  preview: string;
}

export interface StoredMessage {
  /** IMAP UID within its folder (ascending, never reused within one uidValidity). */
  uid: number;
  /** Stable opaque id for EWS ItemId / Graph id; a move gives a new id, as at Exchange. */
  id: string;
  /** Exchange's change key / Graph etag: changes on every update. */
  changeKey: string;
  /** When the store received it (IMAP INTERNALDATE, Graph receivedDateTime), ms. */
  receivedAt: number;
  /** Last change (flags, move in), ms. */
  modifiedAt: number;
  /** IMAP system and keyword flags: \Seen, \Flagged, \Answered, \Deleted, \Draft, keywords. */
  flags: ReadonlySet<string>;
  /** Size of the raw RFC 5322 message in bytes. */
  size: number;
  summary: MessageSummary;
}

/** One entry of a folder's change log: Graph delta and EWS SyncFolderItems read it. */
export interface ChangeEntry {
  /** Monotonic per folder (also the IMAP MODSEQ-like counter). */
  seq: number;
  kind: 'created' | 'updated' | 'deleted';
  /** The message id (for deleted: the id it had). */
  id: string;
}

/** Events a folder emits for IDLE, Graph change notifications and triggers. */
export interface FolderEvents {
  exists: [message: StoredMessage];
  flags: [message: StoredMessage];
  expunge: [uid: number, id: string];
}

export interface Folder extends EventEmitter<{ [K in keyof FolderEvents]: FolderEvents[K] }> {
  /** Stable opaque id (EWS FolderId / Graph mailFolder id). */
  readonly id: string;
  /** Display name ("Inbox", "Sent Items"…). */
  readonly name: string;
  /** IMAP path with "/" separators ("INBOX", "Sent Items", "INBOX/Sub"). */
  readonly path: string;
  readonly wellKnown?: WellKnownFolder;
  readonly parentId?: string;
  readonly uidValidity: number;
  readonly uidNext: number;
  /** All messages in UID order. */
  list(): readonly StoredMessage[];
  byUid(uid: number): StoredMessage | undefined;
  byId(id: string): StoredMessage | undefined;
  /** Add a message (delivery, IMAP APPEND, Graph create, EWS CreateItem). */
  append(raw: Buffer, opts?: { flags?: Iterable<string>; receivedAt?: number }): Promise<StoredMessage>;
  /** The raw message. Large messages may be kept on disk: prefer stream() for big ones. */
  read(uid: number): Promise<Buffer>;
  stream(uid: number): Readable;
  /** Replace the flags of a message (IMAP STORE, Graph isRead/flag, EWS UpdateItem). */
  setFlags(uid: number, flags: Iterable<string>): StoredMessage;
  /** Copy into another folder (new uid and id there). */
  copyTo(uid: number, target: Folder): Promise<StoredMessage>;
  /** Move into another folder (new uid and id there, gone here). */
  moveTo(uid: number, target: Folder): Promise<StoredMessage>;
  /** Remove for good (IMAP EXPUNGE, Graph permanentDelete, EWS HardDelete). */
  expunge(uids: Iterable<number>): void;
  /** Changes after `afterSeq` (0: all), oldest first, and the current seq. */
  changesSince(afterSeq: number): { changes: ChangeEntry[]; seq: number };
  /** Unseen count etc. for IMAP STATUS / Graph unreadItemCount. */
  counts(): { total: number; unseen: number; recent: number };
}

/** Calendar events, contacts and tasks: stored as JSON records, enough for EWS and Graph. */
export interface ItemRecord {
  id: string;
  changeKey: string;
  createdAt: number;
  modifiedAt: number;
  /** The fields, in Graph's property names (subject, start, end, body, givenName…). */
  data: Record<string, unknown>;
}

export interface ItemCollection {
  list(): readonly ItemRecord[];
  get(id: string): ItemRecord | undefined;
  create(data: Record<string, unknown>): ItemRecord;
  update(id: string, patch: Record<string, unknown>): ItemRecord | undefined;
  delete(id: string): boolean;
}

export interface SandboxMailbox {
  /** Primary SMTP address, lower case. */
  readonly address: string;
  readonly displayName: string;
  folders(): readonly Folder[];
  /** By id, by well-known name, or by IMAP path (case-insensitive for INBOX). */
  folder(ref: string): Folder | undefined;
  createFolder(name: string, parent?: Folder): Folder;
  deleteFolder(folder: Folder): void;
  renameFolder(folder: Folder, newName: string): void;
  readonly calendar: ItemCollection;
  readonly contacts: ItemCollection;
  readonly tasks: ItemCollection;
}

export interface MailStore {
  mailbox(address: string): SandboxMailbox | undefined;
  mailboxes(): readonly SandboxMailbox[];
  /** Creates the mailbox with the well-known folders if it does not exist. */
  ensureMailbox(address: string, displayName?: string): SandboxMailbox;
  /**
   * Deliver a message as the transport does: into each recipient's Inbox. Unknown
   * recipients are returned in `rejected` (the SMTP endpoint answers 550 5.1.10 for them).
   */
  deliver(raw: Buffer, envelope: { from: string; to: string[] }): Promise<{ accepted: string[]; rejected: string[] }>;
}

/** Who a validated access token speaks for. */
export interface TokenPrincipal {
  /** Delegated: the user's UPN; app-only: undefined. */
  upn?: string;
  oid?: string;
  appId: string;
  tenantId: string;
  audience: string;
  /** Delegated scopes (scp), without resource prefix. */
  scopes: string[];
  /** Application roles (app-only). */
  roles: string[];
  appOnly: boolean;
  expiresAt: number;
}

/** Why a token was refused: each endpoint turns it into its protocol's own failure. */
export type TokenRefusal =
  | 'missing' | 'malformed' | 'bad_signature' | 'expired' | 'wrong_audience' | 'wrong_tenant' | 'insufficient_scope'
  | 'no_mailbox_permission';

export interface TokenCheck {
  /**
   * Validate an access token from the identity emulator: signature (its JWKS), expiry, audience
   * (https://outlook.office365.com for IMAP/POP/SMTP/EWS; https://graph.microsoft.com for Graph),
   * and that it carries one of `anyScope` (delegated) or `anyRole` (app-only). For app-only
   * tokens acting on `mailbox`, the app must hold a mailbox permission for it.
   */
  validate(token: string, need: { audience: 'outlook' | 'graph'; anyScope: string[]; anyRole: string[]; mailbox?: string }):
    Promise<{ ok: true; principal: TokenPrincipal } | { ok: false; reason: TokenRefusal; detail: string }>;
  /** May this principal open `mailbox`? (own mailbox, a FullAccess grant, or an app with a mailbox permission). */
  canAccess(principal: TokenPrincipal, mailbox: string): boolean;
}

/** Exchange Online's tenant switches, read at request time (tests change them live). */
export interface TenantSettings {
  /** Tenant-wide: Set-TransportConfig -SmtpClientAuthenticationDisabled. */
  smtpAuthDisabled: boolean;
  /** Per mailbox (Set-CASMailbox -SmtpClientAuthenticationDisabled): overrides the tenant. */
  mailboxSmtpAuthDisabled: Record<string, boolean>;
  /** EWSEnabled: true, false, or null (null is flipped to false after 2026-10-01). */
  ewsEnabled: boolean | null;
  /** EWSAllowedAppIDs. */
  ewsAllowedAppIds: string[];
  /** Mailbox permissions (FullAccess) granted to users or apps: mailbox → principals (upn or appId). */
  fullAccess: Record<string, string[]>;
  /** Send As rights: mailbox → upns allowed to send as it. */
  sendAs: Record<string, string[]>;
}

/** Faults for tests: applied by the endpoints, per protocol and optionally per mailbox. */
export interface ExchangeFault {
  id: string;
  protocol: 'smtp' | 'imap' | 'pop3' | 'ews' | 'graph';
  mailbox?: string;
  kind: 'throttle' | 'drop_connection' | 'slow' | 'server_error';
  /** slow: delay in ms; drop_connection: after this many bytes of a FETCH/RETR/download. */
  value?: number;
  /** Apply this many times, then stop (default: until removed). */
  times?: number;
}

/** A directory user as Graph's /users and EWS ResolveNames show them. */
export interface DirectoryUser {
  objectId: string;
  userPrincipalName: string;
  displayName: string;
  givenName?: string;
  surname?: string;
}

/** What every endpoint gets from the sandbox core. */
export interface ExchangeContext {
  /** The tenant's users (from the identity seed), by lower-case UPN. */
  directory: ReadonlyMap<string, DirectoryUser>;
  store: MailStore;
  tokens: TokenCheck;
  settings: TenantSettings;
  /** Fault lookup: returns the fault to apply now (and counts it), if any. */
  takeFault(protocol: ExchangeFault['protocol'], mailbox?: string): ExchangeFault | undefined;
  /** The sandbox clock (EWS retirement dates are checked against it). */
  now(): number;
  /** TLS key and certificate (PEM) for localhost/127.0.0.1, signed by the sandbox CA. */
  tls: { key: string; cert: string; ca: string };
  /** The tenant's domain (contoso.onmicrosoft.com). */
  domain: string;
  /** Graph change-notification subscriptions, shared by the Graph endpoint and the admin API. */
  graphSubscriptions?: Subscriptions;
}
