import { Readable } from 'node:stream';
import type { AccessTokenProvider } from '../auth/token-provider.js';
import type { Resource } from '../config/resource.js';
import { ConfigError, ProtocolError } from '../errors.js';
import type { Logger } from '../log.js';
import { createEwsClient, type CallOptions, type EwsClient, type EwsClientOptions, type StreamOptions } from '../protocols/ews/client.js';
import { getStreamingEvents, type StreamingBatch } from '../protocols/ews/get-streaming-events.js';
import { subscribeStreaming } from '../protocols/ews/subscribe.js';
import { unsubscribe } from '../protocols/ews/unsubscribe.js';
import { copyItems } from '../protocols/ews/copy-item.js';
import { createItems, mimeMessageXml } from '../protocols/ews/create-item.js';
import { deleteItems } from '../protocols/ews/delete-item.js';
import { ENTITY_FOLDER, ENTITY_PROPERTIES, entityItemXml, entityText, entityUpdates, readEntity } from '../protocols/ews/entities.js';
import { findAllItems } from '../protocols/ews/find-item.js';
import { findFolders, type EwsFolder } from '../protocols/ews/find-folder.js';
import { getAttachments, readAttachmentList } from '../protocols/ews/get-attachment.js';
import { getFolders } from '../protocols/ews/get-folder.js';
import { getItems, getItemsBatched, getMimeSources, mimeOf } from '../protocols/ews/get-item.js';
import { isDistinguished, type DistinguishedFolder, type FolderRef, type ItemRef } from '../protocols/ews/ids.js';
import { readRecipients, readSingle, type EwsItem } from '../protocols/ews/items.js';
import { moveItems } from '../protocols/ews/move-item.js';
import { messageFilterConditions, restrictionXml } from '../protocols/ews/restriction.js';
import { bool, child, int, text } from '../protocols/ews/soap.js';
import { syncFolderItems, type SyncResult } from '../protocols/ews/sync-folder-items.js';
import { flagChange, readStateChange, updateItems } from '../protocols/ews/update-item.js';
import { runAfterAction } from './after-action.js';
import { saveAttachmentStream } from '../message/attachments.js';
import { buildRawMessage } from '../message/compose.js';
import type { EntityBackend, EntityKind, EntityQuery, EntityStore, EntityTypes } from '../message/entities.js';
import { parseAddressList } from '../message/headers.js';
import type { FolderInfo, FolderOption, ListOptions, Mailbox, MessageSummary, SavedAttachment } from './mailbox.js';
import type { SendResult } from '../message/message.js';
import type { MailDraft, MailMessage } from '../message/message.js';
import { parseMessage } from '../message/parse.js';
import { withResourceFrom } from './default-from.js';

export interface EwsMailboxOptions {
  resource: Resource;
  tokens: AccessTokenProvider;
  logger?: Logger;
  /** Throttling and timeout knobs of the EWS client (tests shorten them). */
  client?: Pick<EwsClientOptions, 'busyRetries' | 'maxBackOffMs' | 'timeoutMs'>;
}

/** Incremental sync of one folder (SyncFolderItems): keep `syncState` for the next call. */
export interface EwsSyncPage {
  syncState: string;
  /** False: call again with syncState, more changes are waiting. */
  complete: boolean;
  created: MessageSummary[];
  updated: MessageSummary[];
  deleted: string[];
  readChanged: Array<{ id: string; seen: boolean }>;
}

export interface EwsMailbox extends Mailbox, EntityBackend {
  readonly kind: 'ews';
  /** Changes in a folder since `syncState` (none: the whole folder, as created). */
  sync(opts?: FolderOption & { syncState?: string; max?: number }): Promise<EwsSyncPage>;
  /** Streaming notifications of a folder (mail/ews-streaming.ts). */
  readonly streaming: EwsStreamingApi;
}

/** Subscribe, GetStreamingEvents and Unsubscribe on this mailbox. */
export interface EwsStreamingApi {
  /** Whose connections these are: the endpoint and the mailbox (Exchange limits open streams per user). */
  readonly account: string;
  /** `opts`: a subscription group's affinity headers and cookie (ews-streaming-group.ts). */
  subscribe(folder: string, opts?: Pick<CallOptions, 'headers' | 'onHeaders'>): Promise<string>;
  events(subscriptionIds: readonly string[], minutes: number, opts: StreamOptions): AsyncIterable<StreamingBatch>;
  unsubscribe(subscriptionId: string): Promise<void>;
}

/** What a listing needs of each message (FindItem gives the ids, GetItem these). */
const SUMMARY_PROPERTIES = [
  'item:Subject', 'message:From', 'message:ToRecipients', 'item:DateTimeReceived', 'item:DateTimeSent', 'item:Size',
  'message:IsRead', 'item:Flag', 'item:HasAttachments', 'message:InternetMessageId',
];
/**
 * Message bytes per GetItem of a bulk fetch: the answer carries them as base64 in one XML
 * document (4/3 larger), read whole; two batches are in memory at most (this one and the next).
 */
const MIME_BATCH_BYTES = 8 * 2 ** 20;
/** And ids per GetItem, whatever their size (Exchange Online handles 250 well; see get-item.ts). */
const MIME_BATCH_ITEMS = 100;
const STATE_PROPERTIES = ['message:IsRead', 'item:Flag', 'item:DateTimeReceived', 'item:Size'];

/** Exchange's well-known folders by the names people and IMAP use for them. */
const FOLDER_ALIASES: Record<string, DistinguishedFolder> = {
  'sent items': 'sentitems', sent: 'sentitems', 'deleted items': 'deleteditems', trash: 'deleteditems',
  'junk email': 'junkemail', junk: 'junkemail', spam: 'junkemail', drafts: 'drafts', outbox: 'outbox',
};
const SPECIAL_USE: Partial<Record<DistinguishedFolder, string>> = {
  sentitems: '\\Sent', drafts: '\\Drafts', deleteditems: '\\Trash', junkemail: '\\Junk',
};
const MAIL_FOLDER_CLASS = /^IPF\.Note(\.|$)/i;

interface TreeFolder extends EwsFolder {
  path: string;
  wellKnown?: DistinguishedFolder;
}

/**
 * A Mailbox (kind 'ews') over Exchange Web Services, plus calendar, contacts and tasks. Ids
 * are EWS ItemIds; folders are named as IMAP shows the same mailbox ("INBOX", "Sent Items",
 * "INBOX/Sub"), by distinguished name (inbox, sentitems…) or by EWS FolderId.
 */
export function openEwsMailbox(opts: EwsMailboxOptions): EwsMailbox {
  const client: EwsClient = createEwsClient({ resource: opts.resource, tokens: opts.tokens, ...(opts.logger ? { logger: opts.logger } : {}), ...opts.client });
  let tree: Promise<TreeFolder[]> | undefined;

  /** Folders of another user's mailbox (delegated access to a shared mailbox) must name it. */
  async function distinguished(name: DistinguishedFolder): Promise<FolderRef> {
    const who = await client.principal();
    return { distinguished: name, ...(who.otherMailbox ? { mailbox: who.otherMailbox } : {}) };
  }

  async function loadTree(): Promise<TreeFolder[]> {
    const root = await distinguished('msgfolderroot');
    const known: DistinguishedFolder[] = ['inbox', 'sentitems', 'drafts', 'deleteditems', 'junkemail', 'outbox'];
    const [all, wellKnown, rootFolder] = await Promise.all([
      findFolders(client, root, 'Deep'),
      getFolders(client, await Promise.all(known.map(distinguished)), { tolerateMissing: true }),
      getFolders(client, [root]),
    ]);
    const rootId = rootFolder[0]?.id;
    const byId = new Map(all.map((f) => [f.id, f]));
    const wk = new Map<string, DistinguishedFolder>();
    wellKnown.forEach((f, i) => {
      const name = known[i];
      if (f && name) wk.set(f.id, name);
    });
    const pathOf = (f: EwsFolder, depth = 0): string => {
      // IMAP names the inbox INBOX whatever its display name (RFC 3501 §5.1); the same here.
      const own = wk.get(f.id) === 'inbox' ? 'INBOX' : f.displayName;
      const parent = f.parentId && f.parentId !== rootId ? byId.get(f.parentId) : undefined;
      return parent && depth < 32 ? `${pathOf(parent, depth + 1)}/${own}` : own;
    };
    return all.map((f) => {
      const w = wk.get(f.id);
      return { ...f, path: pathOf(f), ...(w ? { wellKnown: w } : {}) };
    });
  }

  function folderTree(refresh = false): Promise<TreeFolder[]> {
    if (refresh || !tree) {
      tree = loadTree();
      tree.catch(() => {
        tree = undefined;
      });
    }
    return tree;
  }

  /** A folder name (path, display name, distinguished name or FolderId) → the request's folder id. */
  async function folderRef(name: string | undefined): Promise<FolderRef> {
    const n = (name ?? 'INBOX').trim();
    const lower = n.toLowerCase();
    if (lower === 'inbox') return distinguished('inbox');
    if (isDistinguished(lower)) return distinguished(lower);
    for (const refresh of [false, true]) {
      const folders = await folderTree(refresh);
      const hit = folders.find((f) => f.path.toLowerCase() === lower) ?? folders.find((f) => f.id === n) ?? folders.find((f) => f.displayName.toLowerCase() === lower);
      if (hit) return hit.wellKnown ? distinguished(hit.wellKnown) : { id: hit.id };
    }
    const alias = FOLDER_ALIASES[lower];
    if (alias) return distinguished(alias);
    throw new ConfigError({
      code: 'EWS_FOLDER_NOT_FOUND',
      message: `${opts.resource.name} has no folder "${n}"`,
      hint: 'list the folders with `mailbridge folders RESOURCE` and use a path from there (e.g. INBOX, Sent Items, INBOX/Sub)',
      field: 'folder',
    });
  }

  const folderOf = (o?: FolderOption) => o?.folder ?? 'INBOX';
  const refs = (ids: readonly string[]): ItemRef[] => ids.map((id) => ({ id }));

  function toSummary(item: EwsItem, folder: string): MessageSummary {
    const n = item.node;
    const from = readSingle(n, 'From');
    const received = text(n, 'DateTimeReceived') ?? text(n, 'DateTimeSent');
    const messageId = text(n, 'InternetMessageId');
    const subject = text(n, 'Subject');
    return {
      id: item.id,
      folder,
      ...(messageId ? { messageId } : {}),
      ...(subject !== undefined ? { subject } : {}),
      from: from ? [from] : [],
      to: readRecipients(n, 'ToRecipients'),
      ...(received ? { date: new Date(received) } : {}),
      size: int(n, 'Size') ?? 0,
      seen: bool(n, 'IsRead') ?? false,
      flagged: text(child(n, 'Flag'), 'FlagStatus') === 'Flagged',
      hasAttachments: bool(n, 'HasAttachments') ?? false,
    };
  }

  function flagsOf(item: EwsItem): string[] {
    const flags: string[] = [];
    if (bool(item.node, 'IsRead')) flags.push('\\Seen');
    if (text(child(item.node, 'Flag'), 'FlagStatus') === 'Flagged') flags.push('\\Flagged');
    return flags;
  }

  async function oneItem(id: string, properties: string[], mime: boolean): Promise<EwsItem> {
    const [item] = await getItems(client, [{ id }], { mime, properties });
    if (!item) {
      throw new ProtocolError({ code: 'EWS_ITEM_NOT_FOUND', message: `the server returned no item for ${id}`, hint: 'list the folder again and use a current id', details: { protocol: 'ews', family: 103 } });
    }
    return item;
  }

  async function source(id: string): Promise<{ item: EwsItem; raw: Buffer }> {
    const item = await oneItem(id, STATE_PROPERTIES, true);
    const raw = mimeOf(item);
    if (!raw) {
      throw new ProtocolError({ code: 'EWS_NO_MIME', message: `the server returned no MIME content for ${id}`, hint: 'only mail items have a MIME source; check that the id names a message', details: { protocol: 'ews', family: 103 } });
    }
    return { item, raw };
  }

  async function summaries(items: readonly EwsItem[], folder: string): Promise<MessageSummary[]> {
    if (items.length === 0) return [];
    const full = await getItemsBatched(client, items, { properties: SUMMARY_PROPERTIES });
    return full.map((i) => toSummary(i, folder));
  }

  /** Sizes from the last listIds (item:Size), so rawMany can size its GetItem batches. */
  const knownSizes = new Map<string, number>();

  const mailbox: EwsMailbox = {
    resource: opts.resource.name,
    kind: 'ews',

    // A bulk fetch needs ids and sizes only: FindItem gives both (item:Size is a FindItem
    // property), without the GetItem of every summary that list() makes.
    async listIds(o: ListOptions, largerThan: number) {
      if (o.filter?.to !== undefined) {
        // recipients are matched on the summaries (see list)
        return (await mailbox.list(o)).map((m) => ({ id: m.id, large: m.size > largerThan }));
      }
      const restriction = restrictionXml(messageFilterConditions(o.filter ?? {}));
      const found = await findAllItems(client, {
        folder: await folderRef(folderOf(o)),
        shape: { properties: ['item:Size'] },
        ...(restriction ? { restriction } : {}),
        sort: { field: 'item:DateTimeReceived', order: 'Descending' },
      }, o.limit !== undefined ? { limit: o.limit } : {});
      knownSizes.clear();
      return found.reverse().map((i) => {
        const size = int(i.node, 'Size');
        if (size !== undefined) knownSizes.set(i.id, size);
        return { id: i.id, large: (size ?? 0) > largerThan };
      });
    },

    // Many sources per GetItem (up to MIME_BATCH_BYTES of messages, by the sizes listIds saw;
    // one item alone when its size is unknown), the next batch asked for while this one is
    // handed out: one round trip per batch instead of one per message.
    async *rawMany(ids) {
      const batches: string[][] = [];
      let batch: string[] = [];
      let bytes = 0;
      for (const id of ids) {
        const size = knownSizes.get(id) ?? MIME_BATCH_BYTES;
        if (batch.length > 0 && (bytes + size > MIME_BATCH_BYTES || batch.length >= MIME_BATCH_ITEMS)) {
          batches.push(batch);
          batch = [];
          bytes = 0;
        }
        batch.push(id);
        bytes += size;
      }
      if (batch.length > 0) batches.push(batch);
      let next = batches[0] ? getMimeSources(client, batches[0]) : undefined;
      for (let i = 0; next; i++) {
        const current = await next;
        next = batches[i + 1] ? getMimeSources(client, batches[i + 1] as string[]) : undefined;
        // awaited in the next round; a consumer stopping early must not leave it unhandled
        next?.catch(() => undefined);
        yield* current;
      }
    },

    async verify() {
      const [inbox] = await getFolders(client, [await distinguished('inbox')]);
      const who = await client.principal();
      return `EWS at ${client.url} as ${who.mailbox ?? '?'}${who.appOnly ? ' (app-only, impersonating)' : ''}; inbox holds ${inbox?.totalCount ?? '?'} messages`;
    },

    async folders() {
      const all = await folderTree(true);
      return all
        .filter((f) => f.folderClass === undefined || MAIL_FOLDER_CLASS.test(f.folderClass))
        .map((f): FolderInfo => {
          const special = f.wellKnown ? SPECIAL_USE[f.wellKnown] : undefined;
          return {
            path: f.path,
            name: f.displayName,
            ...(special ? { specialUse: special } : {}),
            ...(f.totalCount !== undefined ? { messages: f.totalCount } : {}),
            ...(f.unreadCount !== undefined ? { unseen: f.unreadCount } : {}),
          };
        })
        .sort((a, b) => a.path.localeCompare(b.path));
    },

    async list(o: ListOptions = {}) {
      const folder = folderOf(o);
      const filter = o.filter ?? {};
      // EWS cannot restrict on recipients (ErrorUnsupportedPathForQuery), so `to` is decided
      // on the summaries, like hasAttachments on IMAP; the limit then applies afterwards.
      const { to, ...serverSide } = filter;
      const restriction = restrictionXml(messageFilterConditions(serverSide));
      const ids = await findAllItems(client, {
        folder: await folderRef(folder),
        ...(restriction ? { restriction } : {}),
        sort: { field: 'item:DateTimeReceived', order: 'Descending' },
      }, o.limit !== undefined && to === undefined ? { limit: o.limit } : {});
      let found = (await summaries(ids, folder)).reverse();
      if (to !== undefined) {
        const needle = to.toLowerCase();
        found = found.filter((m) => m.to.some((a) => `${a.name ?? ''} ${a.address ?? ''}`.toLowerCase().includes(needle)));
      }
      return o.limit !== undefined ? found.slice(-o.limit) : found;
    },

    async get(id, o): Promise<MailMessage> {
      const { item, raw } = await source(id);
      const received = text(item.node, 'DateTimeReceived');
      return parseMessage(raw, {
        id, folder: folderOf(o), size: int(item.node, 'Size') ?? raw.length, flags: flagsOf(item),
        ...(received ? { receivedAt: new Date(received) } : {}),
      });
    },

    async raw(id) {
      return Readable.from([(await source(id)).raw]);
    },

    async saveAttachments(id, dir) {
      const item = await oneItem(id, ['item:Attachments', 'item:HasAttachments'], false);
      const list = readAttachmentList(child(item.node, 'Attachments'));
      const saved: SavedAttachment[] = [];
      // One at a time: an attachment can be large and is held in memory while it is decoded.
      for (const [i, meta] of list.entries()) {
        const [content] = await getAttachments(client, [meta.id], { mime: meta.kind === 'item' });
        if (!content) continue;
        const fallback = meta.kind === 'item' ? `attachment-${i + 1}.eml` : `attachment-${i + 1}`;
        const name = meta.kind === 'item' && meta.name && !/\.eml$/i.test(meta.name) ? `${meta.name}.eml` : meta.name ?? fallback;
        const file = await saveAttachmentStream(Readable.from([content.content]), dir, name);
        saved.push({ filename: file.filename, path: file.path, size: file.size, contentType: meta.kind === 'item' ? 'message/rfc822' : meta.contentType ?? 'application/octet-stream' });
      }
      return saved;
    },

    async markRead(ids, read) {
      await updateItems(client, refs(ids).map((r) => readStateChange(r, read)), { message: true });
    },
    async flag(ids, flagged) {
      await updateItems(client, refs(ids).map((r) => flagChange(r, flagged)), { message: true });
    },
    async move(ids, target) {
      await moveItems(client, refs(ids), await folderRef(target));
    },
    async copy(ids, target) {
      await copyItems(client, refs(ids), await folderRef(target));
    },
    async delete(ids) {
      await deleteItems(client, refs(ids), { type: 'HardDelete' });
    },

    afterProcessing: (ids, action, o) => runAfterAction(mailbox, ids, action, o),

    async send(given: MailDraft): Promise<SendResult> {
      const draft = withResourceFrom(given, opts.resource);
      const raw = await buildRawMessage(draft);
      const bcc = parseAddressList('bcc', draft.bcc ?? []).map((a) => a.address);
      const recipients = [
        ...parseAddressList('to', draft.to), ...parseAddressList('cc', draft.cc ?? []),
      ].map((a) => a.address).concat(bcc);
      await createItems(client, {
        items: [mimeMessageXml(withBccHeader(raw, bcc))],
        disposition: 'SendAndSaveCopy',
        savedFolder: await distinguished('sentitems'),
      });
      return { messageId: messageIdOf(raw), accepted: recipients, rejected: [] };
    },

    async sync(o = {}) {
      const folder = folderOf(o);
      const r: SyncResult = await syncFolderItems(client, {
        folder: await folderRef(folder),
        ...(o.syncState ? { syncState: o.syncState } : {}),
        ...(o.max !== undefined ? { max: o.max } : {}),
      });
      const [created, updated] = await Promise.all([summaries(r.created, folder), summaries(r.updated, folder)]);
      return {
        syncState: r.syncState,
        complete: r.includesLastItemInRange,
        created, updated,
        deleted: r.deleted,
        readChanged: r.readFlagChanged.map((c) => ({ id: c.id, seen: c.isRead })),
      };
    },

    entities<K extends EntityKind>(kind: K): EntityStore<K> {
      return entityStore(kind);
    },

    streaming: {
      account: `${client.url}|${(opts.resource.user ?? opts.resource.name).toLowerCase()}`,
      subscribe: async (folder, so) => subscribeStreaming(client, [await folderRef(folder)], so),
      events: (ids, minutes, o) => getStreamingEvents(client, ids, minutes, o),
      unsubscribe: (id) => unsubscribe(client, id),
    },

    async close() {
      client.close();
    },
  };

  function entityStore<K extends EntityKind>(kind: K): EntityStore<K> {
    const shape = { properties: ENTITY_PROPERTIES[kind], bodyType: 'Text' as const };
    const calendar = kind === 'calendar';
    const read = async (id: string): Promise<EntityTypes[K]> => {
      const [item] = await getItems(client, [{ id }], shape);
      if (!item) throw new ProtocolError({ code: 'EWS_ITEM_NOT_FOUND', message: `no ${kind} item ${id}`, hint: `list them with \`mailbridge ${kind} RESOURCE list\``, details: { protocol: 'ews', family: 103 } });
      return readEntity(kind, item);
    };
    return {
      async list(q: EntityQuery = {}) {
        const folder = await distinguished(ENTITY_FOLDER[kind]);
        // Calendar windows go to the server as a CalendarView (occurrences, as Outlook shows
        // them); EWS takes no restriction with it, so text is matched here for every kind.
        const window = calendar && q.from && q.to ? { calendarView: { start: q.from, end: q.to } } : {};
        const ids = await findAllItems(client, { folder, ...window }, q.text === undefined && !calendar && q.limit !== undefined ? { limit: q.limit } : {});
        let out = ids.length ? (await getItemsBatched(client, ids, shape)).map((i) => readEntity(kind, i)) : [];
        if (calendar && (q.from || q.to)) {
          const from = q.from?.getTime() ?? -Infinity;
          const to = q.to?.getTime() ?? Infinity;
          out = out.filter((e) => {
            const ev = e as EntityTypes['calendar'];
            return Date.parse(ev.start) < to && Date.parse(ev.end) > from;
          });
        }
        if (q.text !== undefined) {
          const needle = q.text.toLowerCase();
          out = out.filter((e) => entityText(kind, e).toLowerCase().includes(needle));
        }
        return q.limit !== undefined ? out.slice(0, q.limit) : out;
      },
      get: read,
      async add(input) {
        const [created] = await createItems(client, {
          items: [entityItemXml(kind, input)],
          savedFolder: await distinguished(ENTITY_FOLDER[kind]),
          calendar,
        });
        if (!created) throw new ProtocolError({ code: 'EWS_ERROR', message: `the server created no ${kind} item`, hint: 'retry; if it persists, report the server response', details: { protocol: 'ews', family: 102 } });
        return read(created.id);
      },
      async update(id, patch) {
        // Contacts: the current entries decide which indexed fields a shorter list clears.
        const current = kind === 'contacts' ? await read(id) : undefined;
        const updates = entityUpdates(kind, patch, current);
        if (updates.length === 0) return read(id);
        const [changed] = await updateItems(client, [{ item: { id }, updates }], { calendar });
        return read(changed?.id ?? id);
      },
      async delete(id) {
        await deleteItems(client, [{ id }], { type: 'HardDelete', calendar, task: kind === 'tasks' });
      },
    };
  }

  return mailbox;
}

/**
 * EWS takes the recipients of a MIME send from its headers, Bcc included, and strips the Bcc
 * header before transport (as Exchange does for Outlook). compose.ts leaves Bcc out of the
 * source, so it goes back in here: addresses only, which are ASCII, one per folded line.
 */
function withBccHeader(raw: Buffer, bcc: readonly string[]): Buffer {
  if (bcc.length === 0) return raw;
  return Buffer.concat([Buffer.from(`Bcc: ${bcc.join(',\r\n ')}\r\n`, 'utf8'), raw]);
}

function messageIdOf(raw: Buffer): string {
  const end = raw.indexOf('\r\n\r\n');
  const head = raw.subarray(0, end < 0 ? raw.length : end).toString('latin1');
  return /^Message-ID:\s*(<[^>\r\n]+>)/im.exec(head)?.[1] ?? '';
}
