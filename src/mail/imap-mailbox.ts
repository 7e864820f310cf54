import type { Readable } from 'node:stream';
import type { ImapFlow } from 'imapflow';
import type { AccessTokenProvider } from '../auth/token-provider.js';
import type { Resource } from '../config/resource.js';
import type { Logger } from '../log.js';
import { connectImap, type ImapOAuthMechanism } from '../protocols/imap/connect.js';
import { deleteMessages } from '../protocols/imap/delete.js';
import { toImapProtocolError } from '../protocols/imap/errors.js';
import {
  downloadMessage,
  type ImapDownload,
  fetchListHeaders,
  fetchListing,
  fetchPartHeaders,
  fetchSource,
  fetchSummaries,
  streamSources,
  type ImapListRow,
} from '../protocols/imap/fetch.js';
import { setFlagged, setSeen } from '../protocols/imap/flags.js';
import { listFolders } from '../protocols/imap/folders.js';
import { copyMessages, moveMessages } from '../protocols/imap/move.js';
import { searchUids } from '../protocols/imap/search.js';
import { ConfigError } from '../errors.js';
import { runAfterAction } from './after-action.js';
import { openBigPart, STREAM_PART_ABOVE } from './imap-big-part.js';
import { saveAttachmentStream } from '../message/attachments.js';
import { isEmptyFilter } from '../message/filter.js';
import type { MailMessage, SendResult } from '../message/message.js';
import { parseHeadersOnly, parseMessage, partFilename } from '../message/parse.js';
import {
  unsupported,
  type FolderInfo,
  type FolderOption,
  type ListOptions,
  type Mailbox,
  type MessageSummary,
  type RawSource,
  type SavedAttachment,
} from './mailbox.js';

export interface ImapMailboxOptions {
  resource: Resource;
  tokens: AccessTokenProvider;
  logger?: Logger;
  mechanism?: ImapOAuthMechanism;
}

/**
 * A Mailbox over one IMAP connection, opened on first use and opened again (with a token
 * the provider refreshes if it expired) when the server or the network dropped it.
 */
export function createImapMailbox(opts: ImapMailboxOptions): Mailbox {
  let client: ImapFlow | undefined;
  let connecting: Promise<ImapFlow> | undefined;

  async function session(): Promise<ImapFlow> {
    if (client?.usable) return client;
    client = undefined;
    connecting ??= connectImap(opts).finally(() => {
      connecting = undefined;
    });
    client = await connecting;
    return client;
  }

  /** Runs one operation; any imapflow failure leaves as a typed ProtocolError. */
  async function run<T>(work: (c: ImapFlow) => Promise<T>): Promise<T> {
    const c = await session();
    try {
      return await work(c);
    } catch (e) {
      throw toImapProtocolError(e, opts.resource);
    }
  }

  /**
   * For operations that change nothing: a connection the server closed while idle is only
   * noticed on the next command, so one retry on a fresh login hides that race.
   */
  async function read<T>(work: (c: ImapFlow) => Promise<T>): Promise<T> {
    const c = await session();
    try {
      return await work(c);
    } catch (e) {
      if (c.usable) throw toImapProtocolError(e, opts.resource);
      return run(work);
    }
  }

  const folderOf = (o?: FolderOption) => o?.folder ?? 'INBOX';

  /** One UID FETCH for the whole set; a failure leaves as a typed ProtocolError (the caller redoes the batch). */
  async function* rawMany(ids: readonly string[], o?: FolderOption): AsyncGenerator<RawSource> {
    const c = await session();
    try {
      for await (const m of streamSources(c, folderOf(o), toUids(ids))) yield { id: String(m.uid), source: m.source };
    } catch (e) {
      throw toImapProtocolError(e, opts.resource);
    }
  }

  const mailbox: Mailbox = {
    resource: opts.resource.name,
    kind: 'imap',

    verify: () =>
      read(
        async (c) =>
          `logged in to ${c.host} as ${opts.resource.user ?? '?'}; capabilities ${[...c.capabilities.keys()].filter((k) => /^(IMAP4rev\d|MOVE|UIDPLUS|IDLE)$/.test(k)).join(' ')}`,
      ),

    folders: () =>
      read(async (c) =>
        (await listFolders(c)).map((f): FolderInfo => ({
          path: f.path,
          name: f.name,
          ...(f.specialUse ? { specialUse: f.specialUse } : {}),
          ...(f.messages !== undefined ? { messages: f.messages } : {}),
          ...(f.unseen !== undefined ? { unseen: f.unseen } : {}),
        })),
      ),

    list: (o: ListOptions = {}) =>
      read(async (c) => {
        const folder = folderOf(o);
        const filter = o.filter ?? {};
        // No filter: one FETCH 1:* without a SEARCH round trip first.
        const uids = isEmptyFilter(filter) ? undefined : await searchUids(c, folder, filter);
        // With an attachment filter the limit applies after filtering, so fetch every candidate.
        const wanted =
          uids && o.limit !== undefined && filter.hasAttachments === undefined ? uids.slice(-o.limit) : uids;
        const rows = await fetchListing(c, folder, wanted, o.onProgress);
        // Rows whose envelope text imapflow decoded (Japanese, encoded-words): their raw header
        // lines in one more UID FETCH, decoded as `get` decodes them.
        const raw = await fetchListHeaders(
          c,
          folder,
          rows.filter((m) => m.decodedByImapflow).map((m) => m.uid),
        );
        let found: MessageSummary[] = [];
        for (const m of rows) {
          const h = raw.get(m.uid);
          found.push(h ? await decodedSummary(m, folder, h) : plainSummary(m, folder));
        }
        if (filter.hasAttachments !== undefined)
          found = found.filter((m) => m.hasAttachments === filter.hasAttachments);
        return o.limit !== undefined ? found.slice(-o.limit) : found;
      }),

    get: (id, o) =>
      read(async (c): Promise<MailMessage> => {
        const folder = folderOf(o);
        const uid = toUid(id);
        const source = await fetchSource(c, folder, uid);
        // FETCH after the download: the download itself may have set \Seen on some servers.
        const [s] = await fetchSummaries(c, folder, [uid]);
        return parseMessage(source, {
          id,
          folder,
          size: source.length,
          ...(s ? { flags: s.flags } : {}),
          ...(s?.internalDate ? { receivedAt: s.internalDate } : {}),
        });
      }),

    raw: (id, o) => read(async (c): Promise<Readable> => (await downloadMessage(c, folderOf(o), toUid(id))).content),

    rawMany: (ids, o) => rawMany(ids, o),

    listIds: async (o: ListOptions, largerThan: number) => {
      const filter = o.filter ?? {};
      // "Has attachments" needs BODYSTRUCTURE: the full listing decides it.
      if (filter.hasAttachments !== undefined)
        return (await mailbox.list(o)).map((m) => ({ id: m.id, large: m.size > largerThan }));
      return read(async (c) => {
        const folder = folderOf(o);
        // Two UID SEARCHes the server answers from its index in one line each (RFC 3501
        // §6.4.4, LARGER compares RFC822.SIZE), where `FETCH 1:* (UID RFC822.SIZE)` cost one
        // parsed response per message: 0.2–2 s for 1,000 messages, the fixed cost that kept a
        // short `fetch --raw` behind bare imapflow.
        const uids = await searchUids(c, folder, filter);
        const wanted = o.limit !== undefined ? uids.slice(-o.limit) : uids;
        if (wanted.length === 0) return [];
        const large = new Set(await searchUids(c, folder, { ...filter, larger: largerThan }));
        return wanted.map((uid) => ({ id: String(uid), large: large.has(uid) }));
      });
    },

    saveAttachments: (id, dir, o) =>
      run(async (c) => {
        const folder = folderOf(o);
        const uid = toUid(id);
        const [summary] = await fetchSummaries(c, folder, [uid]);
        if (!summary) return [];
        const saved: SavedAttachment[] = [];
        const headers = await fetchPartHeaders(
          c,
          folder,
          uid,
          summary.attachments.map((a) => a.part),
        );
        for (const [i, part] of summary.attachments.entries()) {
          const header = headers.get(part.part);
          // names decoded as `get` decodes them (raw JIS/Shift_JIS, RFC 2231, encoded-words)
          const decoded = header ? await partFilename(header) : undefined;
          // A big part streams on a connection of its own, decoded as it passes, straight to
          // its file (flat memory, no round trip per 64 KiB); imapflow's download otherwise.
          const big =
            (part.size ?? 0) > STREAM_PART_ABOVE ? await openBigPart(opts, folder, uid, part.part, header) : undefined;
          const dl = big ? undefined : await downloadMessage(c, folder, uid, part.part);
          const filename = decoded ?? dl?.filename ?? part.filename ?? `attachment-${i + 1}`;
          const file = await saveAttachmentStream(big ?? (dl as ImapDownload).content, dir, filename);
          saved.push({
            filename: file.filename,
            path: file.path,
            size: file.size,
            contentType: dl?.contentType ?? part.contentType,
          });
        }
        return saved;
      }),

    markRead: (ids, read, o) => run((c) => setSeen(c, folderOf(o), toUids(ids), read)),
    flag: (ids, flagged, o) => run((c) => setFlagged(c, folderOf(o), toUids(ids), flagged)),
    move: (ids, target, o) => run(async (c) => void (await moveMessages(c, folderOf(o), toUids(ids), target))),
    copy: (ids, target, o) => run(async (c) => void (await copyMessages(c, folderOf(o), toUids(ids), target))),
    delete: (ids, o) => run((c) => deleteMessages(c, folderOf(o), toUids(ids))),

    afterProcessing: (ids, action, o) => runAfterAction(mailbox, ids, action, o),

    uidValidity: (o) =>
      read(async (c) => {
        const status = await c.status(folderOf(o), { uidValidity: true });
        if (!status || status.uidValidity === undefined) {
          throw new ConfigError({
            code: 'IMAP_FOLDER_NOT_FOUND',
            message: `the server gave no UIDVALIDITY for folder ${folderOf(o)}`,
            hint: 'check the folder name with `mailbridge folders RESOURCE`',
            field: 'folder',
          });
        }
        return String(status.uidValidity);
      }),

    send: (): Promise<SendResult> =>
      Promise.reject(
        unsupported('imap', 'send mail', 'send with an smtp resource (`mailbridge send SMTP_RESOURCE ...`)'),
      ),

    async close() {
      const c = client;
      client = undefined;
      if (c?.usable) await c.logout().catch(() => c.close());
      else c?.close();
    },
  };
  return mailbox;
}

/** A listing row as the envelope gave it (printable ASCII: nothing to decode). */
function plainSummary(m: ImapListRow, folder: string): MessageSummary {
  // Built in the order `list --json` has always printed, without a spread per field (once per row).
  const out = { id: String(m.uid), folder } as MessageSummary;
  if (m.messageId) out.messageId = m.messageId;
  if (m.subject !== undefined) out.subject = m.subject;
  out.from = m.from;
  out.to = m.to;
  if (m.date) out.date = m.date;
  out.size = m.size;
  out.seen = m.seen;
  out.flagged = m.flagged;
  out.hasAttachments = m.hasAttachments;
  return out;
}

/**
 * A listing row with its raw header lines: subject and addresses come from them through
 * message/parse.ts (the same decoding as `get`), the envelope's pre-decoded strings only when
 * those are missing.
 */
async function decodedSummary(m: ImapListRow, folder: string, rawHeaders: Buffer): Promise<MessageSummary> {
  // Header lines of plain ASCII without encoded-words hold nothing to decode: the envelope's
  // strings are already what the decoder would give, and a parser setup per row was most of the
  // cost of listing a big folder.
  const h = needsDecoding(rawHeaders) ? await parseHeadersOnly(rawHeaders) : undefined;
  const subject = h && /^subject:/im.test(rawHeaders.toString('latin1')) ? h.subject : m.subject;
  return {
    ...plainSummary(m, folder),
    ...(subject !== undefined ? { subject } : {}),
    from: h?.from ? [h.from] : m.from,
    to: h && h.to.length > 0 ? h.to : m.to,
  };
}

function needsDecoding(raw: Buffer): boolean {
  return raw.includes('=?') || raw.some((b) => b > 0x7e || (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d));
}

function toUid(id: string): number {
  const uid = Number(id);
  if (!/^\d+$/.test(id) || uid < 1 || uid > 0xffffffff) {
    throw new ConfigError({
      code: 'IMAP_UID_INVALID',
      message: `"${id}" is not an IMAP UID`,
      hint: 'use a UID from `mailbridge list RESOURCE` (a whole number)',
      field: 'uid',
    });
  }
  return uid;
}

function toUids(ids: readonly string[]): number[] {
  return ids.map(toUid);
}
