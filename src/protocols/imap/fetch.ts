import type { Readable } from 'node:stream';
import type {
  FetchMessageObject,
  FetchQueryObject,
  ImapFlow,
  MessageAddressObject,
  MessageStructureObject,
} from 'imapflow';
import { ProtocolError } from '../../errors.js';
import { uidSet, withFolder } from './lock.js';

export interface ImapAddress {
  name?: string;
  address?: string;
}

/** A body part the user would call an attachment, with its IMAP part number for download. */
export interface ImapAttachmentPart {
  part: string;
  filename?: string;
  contentType: string;
  /** Encoded size on the server (base64 is about 4/3 of the file). */
  size?: number;
  inline: boolean;
}

export interface ImapMessageSummary {
  uid: number;
  messageId?: string;
  subject?: string;
  from: ImapAddress[];
  to: ImapAddress[];
  cc: ImapAddress[];
  date?: Date;
  internalDate?: Date;
  size: number;
  flags: string[];
  attachments: ImapAttachmentPart[];
  /**
   * The raw Subject/From/To/Cc lines: the envelope's strings come decoded by imapflow's own
   * tables, so the mail layer decodes these instead (Japanese mail, see message/parse.ts).
   */
  rawHeaders?: Buffer;
}

/** Header fields a listing shows, fetched raw next to the envelope. */
const LISTED_HEADERS = ['subject', 'from', 'to', 'cc'];

/**
 * UID FETCH of envelope, flags, size and BODYSTRUCTURE: everything a listing shows, no bodies.
 * `uids` undefined: the whole folder in one `FETCH 1:*` (no SEARCH round trip first).
 */
export async function fetchSummaries(
  client: ImapFlow,
  folder: string,
  uids: readonly number[] | undefined,
  onRow?: (done: number, total: number) => void,
): Promise<ImapMessageSummary[]> {
  const query = {
    uid: true,
    envelope: true,
    flags: true,
    size: true,
    bodyStructure: true,
    internalDate: true,
    headers: LISTED_HEADERS,
  };
  return fetchRows(client, folder, uids, query, toSummary, onRow);
}

/**
 * One FETCH of `query` over `uids` (undefined: `1:*`, without a SEARCH round trip first), a row
 * per message in UID order.
 */
async function fetchRows<T extends { uid: number }>(
  client: ImapFlow,
  folder: string,
  uids: readonly number[] | undefined,
  query: FetchQueryObject,
  toRow: (msg: FetchMessageObject) => T,
  onRow?: (done: number, total: number) => void,
): Promise<T[]> {
  if (uids?.length === 0) return [];
  return withFolder(client, folder, async () => {
    if (!uids && client.mailbox && client.mailbox.exists === 0) return [];
    const out: T[] = [];
    const range = uids ? uidSet(uids) : '1:*';
    const total = uids ? uids.length : client.mailbox ? client.mailbox.exists : 0;
    let sorted = true;
    let last = 0;
    for await (const msg of client.fetch(range, query, { uid: uids !== undefined })) {
      const row = toRow(msg);
      if (row.uid < last) sorted = false;
      last = row.uid;
      out.push(row);
      onRow?.(out.length, Math.max(total, out.length));
    }
    // A FETCH answers in sequence order, which is UID order (RFC 3501 §2.3.1.1): sorting is
    // only for a server that answers otherwise.
    return sorted ? out : out.sort((a, b) => a.uid - b.uid);
  });
}

/** One row of a folder listing, as imapflow decoded the envelope (see fetchListing). */
export interface ImapListRow {
  uid: number;
  messageId?: string;
  subject?: string;
  from: ImapAddress[];
  to: ImapAddress[];
  /** The envelope's Date header, or INTERNALDATE when that is missing or unreadable. */
  date?: Date;
  size: number;
  seen: boolean;
  flagged: boolean;
  hasAttachments: boolean;
  /**
   * The envelope's subject or an address holds text other than printable ASCII (or an
   * encoded-word imapflow left undecoded): imapflow decoded it with libmime's tables, which
   * differ from ours for Japanese mail, so the caller re-reads the raw header lines.
   */
  decodedByImapflow: boolean;
}

/**
 * A folder listing: `FETCH 1:*` (or a UID FETCH of `uids`) of exactly UID, FLAGS, RFC822.SIZE,
 * ENVELOPE and BODYSTRUCTURE, the items a bare imapflow listing asks for, plus INTERNALDATE for
 * mail without a readable Date header (~5 % more client CPU per row; a second FETCH for those
 * rows would cost more where many lack it). The raw header lines are left to fetchListHeaders for
 * the rows that need them: in the bulk FETCH they cost imapflow ~30 % more CPU per row (the
 * header section's name is compiled and its literal copied per row). Rows come back in UID order.
 */
export async function fetchListing(
  client: ImapFlow,
  folder: string,
  uids: readonly number[] | undefined,
  onRow?: (done: number, total: number) => void,
): Promise<ImapListRow[]> {
  const query = { uid: true, envelope: true, flags: true, size: true, bodyStructure: true, internalDate: true };
  return fetchRows(client, folder, uids, query, toListRow, onRow);
}

/** Characters a listing can show as the envelope has them: printable ASCII, no encoded-word left. */
const NOT_PLAIN = /[^\t\x20-\x7e]|=\?/;

/** One object per row and no spreads: this runs once per message of a listing. */
function toListRow(msg: FetchMessageObject): ImapListRow {
  const env = msg.envelope;
  const subject = env?.subject;
  const from = addresses(env?.from);
  const to = addresses(env?.to);
  const flags = msg.flags;
  const row: ImapListRow = {
    uid: msg.uid,
    from,
    to,
    size: msg.size ?? 0,
    seen: flags?.has('\\Seen') ?? false,
    flagged: flags?.has('\\Flagged') ?? false,
    hasAttachments: msg.bodyStructure ? hasAttachment(msg.bodyStructure) : false,
    decodedByImapflow: (subject !== undefined && NOT_PLAIN.test(subject)) || notPlain(from) || notPlain(to),
  };
  if (env?.messageId) row.messageId = env.messageId;
  if (subject !== undefined) row.subject = subject;
  const date = validDate(env?.date) ?? validDate(msg.internalDate);
  if (date) row.date = date;
  return row;
}

function notPlain(list: readonly ImapAddress[]): boolean {
  for (const a of list)
    if ((a.name !== undefined && NOT_PLAIN.test(a.name)) || (a.address !== undefined && NOT_PLAIN.test(a.address)))
      return true;
  return false;
}

function validDate(d: Date | string | undefined): Date | undefined {
  if (d === undefined || d === '') return undefined;
  const date = d instanceof Date ? d : new Date(d);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/**
 * The raw Subject/From/To/Cc lines of some listed rows (those whose envelope text imapflow
 * decoded), so the mail layer decodes them as `get` does: one UID FETCH for all of them; a
 * message expunged meanwhile is simply missing.
 */
export async function fetchListHeaders(
  client: ImapFlow,
  folder: string,
  uids: readonly number[],
): Promise<Map<number, Buffer>> {
  const out = new Map<number, Buffer>();
  if (uids.length === 0) return out;
  return withFolder(client, folder, async () => {
    for await (const msg of client.fetch(uidSet(uids), { uid: true, headers: LISTED_HEADERS }, { uid: true }))
      if (msg.headers) out.set(msg.uid, msg.headers);
    return out;
  });
}

function toSummary(msg: FetchMessageObject): ImapMessageSummary {
  const env = msg.envelope;
  const date = env?.date ? new Date(env.date) : undefined;
  const internalDate = msg.internalDate ? new Date(msg.internalDate) : undefined;
  return {
    uid: msg.uid,
    ...(env?.messageId ? { messageId: env.messageId } : {}),
    ...(env?.subject !== undefined ? { subject: env.subject } : {}),
    from: addresses(env?.from),
    to: addresses(env?.to),
    cc: addresses(env?.cc),
    ...(date && !Number.isNaN(date.getTime()) ? { date } : {}),
    ...(internalDate ? { internalDate } : {}),
    size: msg.size ?? 0,
    flags: [...(msg.flags ?? [])],
    attachments: msg.bodyStructure ? attachmentParts(msg.bodyStructure) : [],
    ...(msg.headers ? { rawHeaders: msg.headers } : {}),
  };
}

function addresses(list: MessageAddressObject[] | undefined): ImapAddress[] {
  if (!list) return [];
  return list.map((a) => {
    const out: ImapAddress = {};
    if (a.name) out.name = a.name;
    if (a.address) out.address = a.address;
    return out;
  });
}

/**
 * The leaf parts that are attachments: an explicit `attachment` disposition, an attached
 * message, or a named non-text part (Outlook sends inline images and some files that way).
 */
export function attachmentParts(node: MessageStructureObject): ImapAttachmentPart[] {
  if (node.childNodes && node.childNodes.length > 0 && node.type.startsWith('multipart/')) {
    return node.childNodes.flatMap(attachmentParts);
  }
  const filename = node.dispositionParameters?.filename ?? node.parameters?.name;
  const disposition = node.disposition?.toLowerCase();
  const isAttachment =
    disposition === 'attachment' ||
    node.type === 'message/rfc822' ||
    (filename !== undefined && !node.type.startsWith('text/') && node.type !== 'multipart/alternative');
  if (!isAttachment || node.part === undefined) return [];
  return [
    {
      part: node.part,
      ...(filename !== undefined ? { filename } : {}),
      contentType: node.type,
      ...(node.size !== undefined ? { size: node.size } : {}),
      inline: disposition === 'inline',
    },
  ];
}

/** attachmentParts(node).some((a) => !a.inline), without building the list (one per listed row). */
export function hasAttachment(node: MessageStructureObject): boolean {
  if (node.childNodes && node.childNodes.length > 0 && node.type.startsWith('multipart/')) {
    for (const child of node.childNodes) if (hasAttachment(child)) return true;
    return false;
  }
  const filename = node.dispositionParameters?.filename ?? node.parameters?.name;
  const disposition = node.disposition?.toLowerCase();
  if (disposition === 'inline' || node.part === undefined) return false;
  return (
    disposition === 'attachment' ||
    node.type === 'message/rfc822' ||
    (filename !== undefined && !node.type.startsWith('text/') && node.type !== 'multipart/alternative')
  );
}

export interface ImapDownload {
  content: Readable;
  filename?: string;
  contentType?: string;
  expectedSize?: number;
}

/**
 * Streams the whole RFC 5322 source (no part) or one decoded body part. The folder lock is
 * held until the stream ends or fails, so the caller must consume or destroy it.
 */
export async function downloadMessage(
  client: ImapFlow,
  folder: string,
  uid: number,
  part?: string,
): Promise<ImapDownload> {
  const lock = await client.getMailboxLock(folder);
  let released = false;
  const release = () => {
    if (!released) {
      released = true;
      lock.release();
    }
  };
  try {
    // decodeText false: bytes stay as sent, so a saved .txt attachment is the sender's file.
    const dl = await client.download(String(uid), part, { uid: true, decodeText: false });
    if (!dl.content) {
      throw new ProtocolError({
        code: 'IMAP_MESSAGE_NOT_FOUND',
        message: part
          ? `message UID ${uid} in ${folder} has no part ${part}`
          : `no message with UID ${uid} in ${folder}`,
        hint: 'list the folder again (`mailbridge list`) and use a UID from it; UIDs change when a message is moved',
        details: { family: 103 },
      });
    }
    dl.content.once('close', release);
    dl.content.once('end', release);
    dl.content.once('error', release);
    return {
      content: dl.content,
      ...(dl.meta.filename ? { filename: dl.meta.filename } : {}),
      ...(dl.meta.contentType ? { contentType: dl.meta.contentType } : {}),
      ...(dl.meta.expectedSize !== undefined ? { expectedSize: dl.meta.expectedSize } : {}),
    };
  } catch (e) {
    release();
    throw e;
  }
}

/** Fetches one message's source into memory (for parsing); use downloadMessage for big ones. */
export async function fetchSource(client: ImapFlow, folder: string, uid: number): Promise<Buffer> {
  const dl = await downloadMessage(client, folder, uid);
  const chunks: Buffer[] = [];
  for await (const chunk of dl.content) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

/**
 * The raw MIME headers (BODY.PEEK[part.MIME]) of some body parts, so the mail layer can decode
 * attachment names itself instead of taking imapflow's decoding of them.
 */
export async function fetchPartHeaders(
  client: ImapFlow,
  folder: string,
  uid: number,
  parts: readonly string[],
): Promise<Map<string, Buffer>> {
  if (parts.length === 0) return new Map();
  return withFolder(client, folder, async () => {
    const query = { uid: true, bodyParts: parts.map((p) => `${p}.MIME`) };
    const msg = await client.fetchOne(String(uid), query, { uid: true });
    const out = new Map<string, Buffer>();
    for (const p of parts) {
      const header = msg ? (msg.bodyParts?.get(`${p}.mime`) ?? msg.bodyParts?.get(`${p}.MIME`)) : undefined;
      if (header) out.set(p, header);
    }
    return out;
  });
}

/** One message of a batch: its UID and its whole RFC 5322 source. */
export interface ImapSource {
  uid: number;
  source: Buffer;
}

/**
 * The sources of many messages in ONE `UID FETCH <set> (UID BODY.PEEK[])`: the server streams
 * them back to back, without a round trip per message (a per-message fetch spent most of its
 * time waiting). Each source arrives whole in memory, so callers keep big messages for
 * downloadMessage. Messages expunged meanwhile are simply missing.
 * The folder lock is held while the caller iterates: run no other command on this client
 * inside the loop (imapflow would queue it behind the FETCH and both would wait).
 */
export async function* streamSources(
  client: ImapFlow,
  folder: string,
  uids: readonly number[],
): AsyncGenerator<ImapSource> {
  if (uids.length === 0) return;
  const lock = await client.getMailboxLock(folder);
  // imapflow's fetch iterator waits for its next message without noticing that the connection
  // closed under it (a server killed mid-FETCH): the wait would never end. Each step is failed
  // by the connection's 'close', which then ends the batch with an error the caller maps and
  // retries. Not Promise.race against one long-lived "closed" promise: every race leaves a
  // reaction on that promise holding the step's result, so each message's source stayed
  // reachable until the batch ended (30 MB of garbage per batch of 200, and a GC load five
  // times bare imapflow's in `fetch --raw`).
  const dropped = () => Object.assign(new Error('Connection closed during FETCH'), { code: 'CONNECTION_DROPPED' });
  const conn = { closed: false };
  let failStep: ((e: Error) => void) | undefined;
  const onClose = () => {
    conn.closed = true;
    failStep?.(dropped());
  };
  client.once('close', onClose);
  const messages = client.fetch(uidSet(uids), { uid: true, source: true }, { uid: true })[Symbol.asyncIterator]();
  try {
    for (;;) {
      if (conn.closed) throw dropped();
      const next = await new Promise<IteratorResult<FetchMessageObject>>((resolve, reject) => {
        failStep = reject;
        messages.next().then(resolve, reject);
      });
      failStep = undefined;
      if (next.done) break;
      if (next.value.source) yield { uid: next.value.uid, source: next.value.source };
    }
  } finally {
    failStep = undefined;
    client.off('close', onClose);
    lock.release();
  }
}
