import { Readable } from 'node:stream';
import type { AccessTokenProvider } from '../auth/token-provider.js';
import type { Resource } from '../config/resource.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import { connectPop3, type Pop3Session } from '../protocols/pop3/client.js';
import { runAfterAction } from './after-action.js';
import { isEmptyFilter } from '../message/filter.js';
import { unsupported, type FolderOption, type Mailbox, type MessageSummary } from './mailbox.js';
import { parseMessage } from '../message/parse.js';

export interface Pop3MailboxOptions {
  resource: Resource;
  tokens: AccessTokenProvider;
  logger?: Logger;
}

const USE_IMAP = 'use an imap resource for this mailbox (Exchange Online: outlook.office365.com port 993 with IMAP.AccessAsUser.All)';

/**
 * A Mailbox over POP3 (RFC 1939): one folder, no flags, no search. Messages are addressed by
 * UIDL so a message is never fetched twice by mistake. Each operation is its own session:
 * POP3 locks the mailbox while a session is open, and DELE only takes effect at QUIT.
 */
export function createPop3Mailbox(opts: Pop3MailboxOptions): Mailbox {
  async function session<T>(work: (s: Pop3Session) => Promise<T>): Promise<T> {
    const s = await connectPop3({ resource: opts.resource, tokens: opts.tokens, ...(opts.logger ? { logger: opts.logger } : {}) });
    try {
      const result = await work(s);
      await s.quit();
      return result;
    } finally {
      s.close();
    }
  }

  /** UIDL → message number in this session (numbers change between sessions, UIDLs do not). */
  async function numbers(s: Pop3Session, ids: readonly string[]): Promise<number[]> {
    const byUid = new Map((await s.uidl()).map((u) => [u.uid, u.number]));
    return ids.map((id) => {
      const n = byUid.get(id);
      if (n === undefined) {
        throw new ConfigError({
          code: 'POP3_MESSAGE_NOT_FOUND',
          message: `no message with UIDL ${id} in the mailbox`,
          hint: 'list the mailbox again (`mailbridge list`) and use an id from it; it may have been deleted',
          field: 'uid',
        });
      }
      return n;
    });
  }

  const onlyInbox = (o?: FolderOption) => {
    if (o?.folder !== undefined && o.folder.toUpperCase() !== 'INBOX') throw unsupported('pop3', `open folder ${o.folder} (POP3 has only INBOX)`, USE_IMAP);
  };
  const no = (operation: string, hint = USE_IMAP) => () => Promise.reject(unsupported('pop3', operation, hint));

  const mailbox: Mailbox = {
    resource: opts.resource.name,
    kind: 'pop3',
    verify: () => session(async (s) => `logged in to ${opts.resource.server.host}; ${(await s.stat()).count} messages`),
    folders: async () => [{ path: 'INBOX', name: 'INBOX' }],
    list: async (o = {}) => {
      onlyInbox(o);
      if (!isEmptyFilter(o.filter)) throw unsupported('pop3', 'search or filter messages', USE_IMAP);
      return session(async (s) => {
        const sizes = new Map((await s.list()).map((m) => [m.number, m.size]));
        const all = (await s.uidl()).map((u): MessageSummary => ({ id: u.uid, folder: 'INBOX', from: [], to: [], size: sizes.get(u.number) ?? 0 }));
        return o.limit !== undefined ? all.slice(-o.limit) : all;
      });
    },
    get: async (id, o) => {
      onlyInbox(o);
      const source = await session(async (s) => s.retrieve((await numbers(s, [id]))[0] ?? 0));
      return parseMessage(source, { id, folder: 'INBOX' });
    },
    raw: async (id, o): Promise<Readable> => {
      onlyInbox(o);
      // Held in memory so the session can QUIT cleanly before the caller reads the stream.
      const source = await session(async (s) => s.retrieve((await numbers(s, [id]))[0] ?? 0));
      return Readable.from([source]);
    },
    // A bulk fetch: one session for the whole set (a session per message costs a TCP and TLS
    // handshake, AUTH and a full UIDL listing each); one LIST up front gives every RETR its size cap.
    rawMany: async function* (ids, o) {
      onlyInbox(o);
      const s = await connectPop3({ resource: opts.resource, tokens: opts.tokens, ...(opts.logger ? { logger: opts.logger } : {}) });
      try {
        const byUid = new Map((await s.uidl()).map((u) => [u.uid, u.number]));
        await s.list();
        for (const id of ids) {
          const n = byUid.get(id);
          // Gone since the listing (another client's DELE): missing, as the contract says.
          if (n !== undefined) yield { id, source: await s.retrieve(n) };
        }
        await s.quit();
      } finally {
        s.close();
      }
    },
    listIds: async (o, largerThan) => {
      onlyInbox(o);
      if (!isEmptyFilter(o.filter)) throw unsupported('pop3', 'search or filter messages', USE_IMAP);
      return session(async (s) => {
        const sizes = new Map((await s.list()).map((m) => [m.number, m.size]));
        const all = (await s.uidl()).map((u) => ({ id: u.uid, large: (sizes.get(u.number) ?? 0) > largerThan }));
        return o.limit !== undefined ? all.slice(-o.limit) : all;
      });
    },
    saveAttachments: no('save attachments one by one (use `get --raw` for the whole message)'),
    markRead: no('mark messages read or unread'),
    flag: no('flag messages'),
    move: no('move messages'),
    copy: no('copy messages'),
    delete: async (ids, o) => {
      onlyInbox(o);
      if (ids.length === 0) return;
      await session(async (s) => {
        for (const n of await numbers(s, ids)) await s.delete(n);
      });
    },
    afterProcessing: (ids, action, o) => runAfterAction(mailbox, ids, action, o),
    send: no('send mail', 'send with an smtp resource (or an ews or graph one) for this mailbox'),
    close: async () => undefined,
  };
  return mailbox;
}
