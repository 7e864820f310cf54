import type { Readable } from 'node:stream';
import { assertTokenFitsProtocol, decodeAccessTokenClaims } from '../auth/claims.js';
import type { TokenManager } from '../auth/token-manager.js';
import type { AccessTokenProvider } from '../auth/token-provider.js';
import type { Resource } from '../config/resource.js';
import { ConfigError, UnsupportedError } from '../errors.js';
import type { Logger } from '../log.js';
import { isDownloadable, listAttachments, saveAttachment } from '../protocols/graph/attachments.js';
import { createContact, deleteContact, getContact, listContacts, updateContact } from '../protocols/graph/contacts.js';
import { messagesDelta } from '../protocols/graph/delta.js';
import { createEvent, deleteEvent, getEvent, listEvents, updateEvent } from '../protocols/graph/events.js';
import { conditionsToGraph, messageFilterToGraph, type FilterCondition, type GraphQuery } from '../protocols/graph/filter.js';
import { getMailFolder, listMailFolders, WELL_KNOWN_FOLDER_NAMES, type FolderNode } from '../protocols/graph/folders.js';
import { createGraphHttp, type GraphHttp } from '../protocols/graph/http.js';
import {
  copyMessage, deleteMessage, getMessage, getMessageMime, listMessages, moveMessage, updateMessage,
} from '../protocols/graph/messages.js';
import type { GraphMessage, GraphRecipient } from '../protocols/graph/schemas.js';
import { sendMessage } from '../protocols/graph/send-mail.js';
import { mailboxPrefix } from '../protocols/graph/target.js';
import { createTask, defaultTaskListId, deleteTask, getTask, listTasks, updateTask } from '../protocols/graph/todo.js';
import { withSendAsParties } from '../protocols/errors.js';
import { tlsOptionsFor } from '../protocols/tls.js';
import { runAfterAction } from './after-action.js';
import { withResourceFrom } from './default-from.js';
import type { EntityBackend, EntityKind, EntityStore } from '../message/entities.js';
import {
  type Address, type FolderInfo, type FolderOption, type ListOptions, type Mailbox, type MessageSummary, type SavedAttachment,
} from './mailbox.js';
import type { MailMessage } from '../message/message.js';
import type { OpenMailboxOptions } from './open.js';
import { parseMessage } from '../message/parse.js';

/** The same options as the IMAP backend's opener. */
export interface GraphMailboxOptions {
  resource: Resource;
  tokens: AccessTokenProvider;
  logger?: Logger;
  /** Requests in flight per mailbox (default 4, Exchange's limit); tests may lower it. */
  maxConcurrent?: number;
}

/** One delta round of a folder, as summaries (see protocols/graph/delta.ts). */
export interface GraphDeltaRound {
  changed: MessageSummary[];
  removed: string[];
  /** Store it and pass it to the next round. */
  deltaLink: string;
  restarted: boolean;
}

/** The Graph Mailbox: the facade, calendar/contacts/tasks, and what only Graph has. */
export interface GraphMailbox extends Mailbox, EntityBackend {
  readonly kind: 'graph';
  /** Incremental sync of a folder: without `deltaLink` a full round. */
  delta(opts?: FolderOption & { deltaLink?: string; pageSize?: number }): Promise<GraphDeltaRound>;
  /** List with the Exchange connector's conditions (=, !=, <, <=, >, >=, between, like). */
  listWhere(conditions: readonly FilterCondition[], opts?: FolderOption & { limit?: number }): Promise<MessageSummary[]>;
}

/** Facade special-use names for Exchange's well-known folders. */
const SPECIAL_USE: Record<string, string> = {
  inbox: '\\Inbox', sentitems: '\\Sent', drafts: '\\Drafts', deleteditems: '\\Trash', junkemail: '\\Junk', archive: '\\Archive',
};

/**
 * A Mailbox over Microsoft Graph v1.0 for one resource. `/me` for a delegated token on the
 * user's own mailbox, `/users/{user}` for an app-only token (decided from the token's claims
 * on first use) or another mailbox. Message ids are Graph ids; folders are named by path
 * ("Inbox/Projects"), well-known name (inbox, sentitems…), INBOX, or Graph id.
 */
export async function openGraphMailbox(opts: GraphMailboxOptions): Promise<GraphMailbox> {
  const { resource } = opts;
  if (resource.kind !== 'graph') {
    throw new ConfigError({ code: 'CONFIG_INVALID', field: 'kind', message: `resource ${resource.name} is a ${resource.kind} resource, not graph`, hint: 'open it with its own backend' });
  }
  const baseUrl = resource.server.host;
  const url = new URL(baseUrl);
  const tls = url.protocol === 'https:' ? await tlsOptionsFor({ ...resource, server: { ...resource.server, host: url.hostname } }) : undefined;
  const http: GraphHttp = createGraphHttp({
    baseUrl, tokens: opts.tokens, mailbox: resource.user ?? resource.name,
    ...(tls ? { tls } : {}), ...(resource.proxy ? { proxy: resource.proxy } : {}),
    ...(opts.logger ? { logger: opts.logger } : {}), ...(opts.maxConcurrent ? { maxConcurrent: opts.maxConcurrent } : {}),
  });

  let prefixPromise: Promise<string> | undefined;
  /** `/me` or `/users/{id}`, from the first token's claims. */
  function prefix(): Promise<string> {
    prefixPromise ??= (async () => {
      const claims = decodeAccessTokenClaims(await opts.tokens.getAccessToken());
      assertTokenFitsProtocol(claims, 'graph', resource.user);
      const appOnly = claims.jwt && claims.scp.length === 0 && claims.roles.length > 0;
      if (appOnly && !resource.user) {
        throw new ConfigError({ code: 'CONFIG_INVALID', field: 'user', message: `${resource.name}: an app-only token needs the mailbox to act on`, hint: 'set the resource\'s user to the mailbox address (--user)' });
      }
      return mailboxPrefix({ appOnly, ...(resource.user ? { user: resource.user } : {}), ...(claims.user ? { tokenUser: claims.user } : {}) });
    })();
    prefixPromise.catch(() => { prefixPromise = undefined; });
    return prefixPromise;
  }

  let folderCache: FolderNode[] | undefined;
  async function folderTree(p: string, refresh = false): Promise<FolderNode[]> {
    if (!folderCache || refresh) folderCache = await listMailFolders(http, p);
    return folderCache;
  }

  /** A folder name as the facade takes it → what Graph accepts in a URL or destinationId. */
  async function folderId(ref: string | undefined): Promise<string> {
    const name = (ref ?? 'inbox').trim();
    const lower = name.toLowerCase();
    if ((WELL_KNOWN_FOLDER_NAMES as readonly string[]).includes(lower)) return lower;
    const p = await prefix();
    const match = (nodes: FolderNode[]) => nodes.find((n) => n.path.toLowerCase() === lower) ?? nodes.find((n) => n.folder.displayName.toLowerCase() === lower) ?? nodes.find((n) => n.folder.id === name);
    const found = match(await folderTree(p)) ?? match(await folderTree(p, true));
    if (found) return found.folder.id;
    // Long opaque strings are Graph ids; anything else is a name that does not exist.
    if (name.length >= 40 && !name.includes('/')) return name;
    throw new ConfigError({
      code: 'GRAPH_FOLDER_NOT_FOUND', field: 'folder', message: `no folder "${name}" in ${resource.user ?? resource.name}`,
      hint: 'see the folders with `mailbridge folders RESOURCE`; nested folders are written Parent/Child',
    });
  }

  const folderLabel = (o?: FolderOption) => o?.folder ?? 'INBOX';

  const each = async (ids: readonly string[], work: (p: string, id: string) => Promise<unknown>) => {
    const p = await prefix();
    // All at once: the per-mailbox semaphore keeps at most 4 in flight.
    await Promise.all(ids.map((id) => work(p, id)));
  };

  function listWith(q: GraphQuery, o: FolderOption & { limit?: number }): Promise<MessageSummary[]> {
    return (async () => {
      const p = await prefix();
      const found = await listMessages(http, p, {
        folderId: await folderId(o.folder), orderby: q.orderby, ...(q.filter ? { filter: q.filter } : {}), ...(o.limit !== undefined ? { limit: o.limit } : {}),
      });
      // Graph gives newest first; the facade lists newest last.
      return found.reverse().map((m) => toSummary(m, folderLabel(o)));
    })();
  }

  function entityStore<K extends EntityKind>(kind: K): EntityStore<K> {
    let taskList: Promise<string> | undefined;
    const listId = async (p: string) => {
      taskList ??= defaultTaskListId(http, p);
      taskList.catch(() => { taskList = undefined; });
      return taskList;
    };
    // One switch, typed per kind: each branch builds the store of its kind.
    const stores: { [Q in EntityKind]: () => EntityStore<Q> } = {
      calendar: () => ({
        list: async (q) => listEvents(http, await prefix(), q),
        get: async (id) => getEvent(http, await prefix(), id),
        add: async (input) => createEvent(http, await prefix(), input),
        update: async (id, patch) => updateEvent(http, await prefix(), id, patch),
        delete: async (id) => deleteEvent(http, await prefix(), id),
      }),
      contacts: () => ({
        list: async (q) => listContacts(http, await prefix(), q),
        get: async (id) => getContact(http, await prefix(), id),
        add: async (input) => createContact(http, await prefix(), input),
        update: async (id, patch) => updateContact(http, await prefix(), id, patch),
        delete: async (id) => deleteContact(http, await prefix(), id),
      }),
      tasks: () => ({
        list: async (q) => { const p = await prefix(); return listTasks(http, p, await listId(p), q); },
        get: async (id) => { const p = await prefix(); return getTask(http, p, await listId(p), id); },
        add: async (input) => { const p = await prefix(); return createTask(http, p, await listId(p), input); },
        update: async (id, patch) => { const p = await prefix(); return updateTask(http, p, await listId(p), id, patch); },
        delete: async (id) => { const p = await prefix(); return deleteTask(http, p, await listId(p), id); },
      }),
    };
    return stores[kind]() as EntityStore<K>;
  }

  const mailbox: GraphMailbox = {
    resource: resource.name,
    kind: 'graph',

    async verify() {
      const p = await prefix();
      const inbox = await getMailFolder(http, p, 'inbox');
      return `reached ${p === '/me' ? 'the signed-in user\'s mailbox' : decodeURIComponent(p.slice('/users/'.length))} through Microsoft Graph at ${url.host}; Inbox holds ${inbox.totalItemCount ?? '?'} messages (${inbox.unreadItemCount ?? '?'} unread)`;
    },

    async folders() {
      const p = await prefix();
      const tree = await folderTree(p, true);
      // Graph v1.0 has no well-known name on a folder: ask which ids the names stand for.
      const known = await Promise.all(WELL_KNOWN_FOLDER_NAMES.map(async (n) => [n, (await getMailFolder(http, p, n).catch(() => undefined))?.id] as const));
      const use = new Map(known.filter(([n, id]) => id && SPECIAL_USE[n]).map(([n, id]) => [id as string, SPECIAL_USE[n] as string]));
      return tree.map(({ folder, path }): FolderInfo => ({
        path,
        name: folder.displayName,
        ...(use.has(folder.id) ? { specialUse: use.get(folder.id) as string } : {}),
        ...(folder.totalItemCount != null ? { messages: folder.totalItemCount } : {}),
        ...(folder.unreadItemCount != null ? { unseen: folder.unreadItemCount } : {}),
      }));
    },

    // async: a filter Graph cannot express rejects the promise rather than throwing at the call.
    list: async (o: ListOptions = {}) => listWith(messageFilterToGraph(o.filter), o),

    listWhere: (conditions, o = {}) => listWith(conditionsToGraph(conditions), o),

    async get(id, o): Promise<MailMessage> {
      const p = await prefix();
      const [meta, raw] = await Promise.all([
        getMessage(http, p, id, ['id', 'isRead', 'flag', 'receivedDateTime']),
        getMessageMime(http, p, id).then(readAll),
      ]);
      const flags = flagsOf(meta);
      return parseMessage(raw, {
        id, folder: folderLabel(o), flags, size: raw.length,
        ...(meta.receivedDateTime ? { receivedAt: new Date(meta.receivedDateTime) } : {}),
      });
    },

    raw: async (id): Promise<Readable> => getMessageMime(http, await prefix(), id),

    // Each `$value` is a request of its own: a bulk fetch keeps as many in flight as the
    // per-mailbox limit allows (Exchange Online's 4 concurrent requests per mailbox).
    rawConcurrency: opts.maxConcurrent ?? 4,

    // What a bulk fetch needs: the ids alone, 1,000 a page (the page limit of $top) instead of
    // the summaries' 100. Graph's message has no size: none counts as large (every source is
    // streamed by `raw` anyway).
    async listIds(o: ListOptions) {
      const q = messageFilterToGraph(o.filter);
      const found = await listMessages(http, await prefix(), {
        folderId: await folderId(o.folder), orderby: q.orderby, select: ['id'], top: 1000,
        ...(q.filter ? { filter: q.filter } : {}), ...(o.limit !== undefined ? { limit: o.limit } : {}),
      });
      return found.reverse().map((m) => ({ id: m.id, large: false }));
    },

    async saveAttachments(id, dir): Promise<SavedAttachment[]> {
      const p = await prefix();
      const saved: SavedAttachment[] = [];
      const attachments = (await listAttachments(http, p, id)).filter(isDownloadable);
      for (const [i, a] of attachments.entries()) {
        const file = await saveAttachment(http, p, id, a, dir, `attachment-${i + 1}`);
        saved.push({ filename: file.filename, path: file.path, size: file.size, contentType: a.contentType ?? 'application/octet-stream' });
      }
      return saved;
    },

    markRead: (ids, read) => each(ids, (p, id) => updateMessage(http, p, id, { isRead: read })),
    flag: (ids, flagged) => each(ids, (p, id) => updateMessage(http, p, id, { flag: { flagStatus: flagged ? 'flagged' : 'notFlagged' } })),
    async move(ids, target) {
      const dest = await folderId(target);
      await each(ids, (p, id) => moveMessage(http, p, id, dest));
    },
    async copy(ids, target) {
      const dest = await folderId(target);
      await each(ids, (p, id) => copyMessage(http, p, id, dest));
    },
    delete: (ids) => each(ids, (p, id) => deleteMessage(http, p, id)),

    afterProcessing: (ids, action, o) => runAfterAction(mailbox, ids, action, o),

    send: async (given) => {
      const draft = withResourceFrom(given, resource);
      try {
        return await sendMessage(http, await prefix(), draft);
      } catch (e) {
        throw withSendAsParties(e, draft.from, resource.user);
      }
    },

    async delta(o = {}) {
      const p = await prefix();
      const r = await messagesDelta(http, p, {
        folderId: await folderId(o.folder), select: DELTA_SELECT,
        ...(o.deltaLink ? { deltaLink: o.deltaLink } : {}), ...(o.pageSize ? { pageSize: o.pageSize } : {}),
      });
      return { changed: r.changed.map((m) => toSummary(m, folderLabel(o))), removed: r.removed, deltaLink: r.deltaLink, restarted: r.restarted };
    },

    entities: entityStore,

    async close() {
      http.close();
    },
  };
  return mailbox;
}

const DELTA_SELECT = ['id', 'subject', 'from', 'toRecipients', 'receivedDateTime', 'isRead', 'flag', 'hasAttachments', 'internetMessageId'];

async function readAll(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
  return Buffer.concat(chunks);
}

function flagsOf(m: GraphMessage): string[] {
  return [...(m.isRead ? ['\\Seen'] : []), ...(m.flag?.flagStatus === 'flagged' ? ['\\Flagged'] : [])];
}

function address(r: GraphRecipient): Address {
  return { ...(r.emailAddress.name ? { name: r.emailAddress.name } : {}), ...(r.emailAddress.address ? { address: r.emailAddress.address } : {}) };
}

function toSummary(m: GraphMessage, folder: string): MessageSummary {
  const date = m.receivedDateTime ?? m.sentDateTime;
  return {
    id: m.id,
    folder,
    ...(m.internetMessageId ? { messageId: m.internetMessageId.replace(/^<|>$/g, '') } : {}),
    ...(m.subject != null ? { subject: m.subject } : {}),
    from: m.from ? [address(m.from)] : [],
    to: (m.toRecipients ?? []).map(address),
    ...(date ? { date: new Date(date) } : {}),
    // Graph's message resource has no size; 0 means unknown here.
    size: 0,
    seen: m.isRead ?? false,
    flagged: m.flag?.flagStatus === 'flagged',
    ...(m.hasAttachments != null ? { hasAttachments: m.hasAttachments } : {}),
  };
}

/**
 * Opens a graph resource by name (CLI, REST): the resource from the store, the token
 * manager's provider for it. Other kinds are refused, naming the backend that serves them.
 */
export async function openGraphResource(o: OpenMailboxOptions): Promise<GraphMailbox> {
  const resource = typeof o.resource === 'string' ? await o.store.getResource(o.resource) : o.resource;
  if (!resource) {
    throw new ConfigError({ code: 'RESOURCE_NOT_FOUND', field: 'resource', message: `no resource named "${String(o.resource)}"`, hint: 'list them with `mailbridge resource list`' });
  }
  if (resource.kind !== 'graph') {
    throw new UnsupportedError({
      code: 'MAIL_KIND_UNSUPPORTED', field: 'kind', message: `resource ${resource.name} is a ${resource.kind} resource, not graph`,
      hint: resource.kind === 'ews' ? 'open it with the EWS backend' : 'calendar, contacts and tasks need a graph or ews resource',
    });
  }
  const tokens: TokenManager = o.tokens;
  return openGraphMailbox({ resource, tokens: tokens.provider(resource.name), ...(o.logger ? { logger: o.logger } : {}) });
}
