import { EventEmitter } from 'node:events';
import { Readable } from 'node:stream';
import type { ChangeEntry, Folder, FolderEvents, SandboxMailbox, StoredMessage } from '../contract.js';

/**
 * The non-mail folders Exchange Online also shows over IMAP (Calendar, Contacts, Journal, Notes,
 * Tasks): listed like any folder and selectable, but always empty, since their items are not
 * messages. Clients have to skip them by name or emptiness; the sandbox shows them so clients
 * meet what they will meet. Writes (APPEND, COPY/MOVE into them) are refused.
 * https://learn.microsoft.com/exchange/clients-and-mobile-in-exchange-online/pop3-and-imap4/pop3-and-imap4
 * (IMAP4 clients see the mailbox's folders; only mail is available to them)
 */
export const NON_MAIL_FOLDERS = ['Calendar', 'Contacts', 'Journal', 'Notes', 'Tasks'] as const;

export class NonMailWriteError extends Error {}

class EmptyFolder extends EventEmitter<{ [K in keyof FolderEvents]: FolderEvents[K] }> implements Folder {
  readonly uidValidity = 1;
  readonly uidNext = 1;
  constructor(
    readonly id: string,
    readonly name: string,
  ) {
    super();
  }
  get path(): string {
    return this.name;
  }
  list(): readonly StoredMessage[] {
    return [];
  }
  byUid(): StoredMessage | undefined {
    return undefined;
  }
  byId(): StoredMessage | undefined {
    return undefined;
  }
  append(): Promise<StoredMessage> {
    return Promise.reject(new NonMailWriteError(`${this.name} is not a mail folder`));
  }
  read(): Promise<Buffer> {
    return Promise.reject(new NonMailWriteError(`${this.name} holds no messages`));
  }
  stream(): Readable {
    return Readable.from([]);
  }
  setFlags(): StoredMessage {
    throw new NonMailWriteError(`${this.name} holds no messages`);
  }
  copyTo(): Promise<StoredMessage> {
    return this.append();
  }
  moveTo(): Promise<StoredMessage> {
    return this.append();
  }
  expunge(): void {}
  changesSince(): { changes: ChangeEntry[]; seq: number } {
    return { changes: [], seq: 0 };
  }
  counts(): { total: number; unseen: number; recent: number } {
    return { total: 0, unseen: 0, recent: 0 };
  }
}

const cache = new WeakMap<SandboxMailbox, Folder[]>();

/** The mailbox's non-mail folders (the same objects for the life of the mailbox). */
export function nonMailFolders(mailbox: SandboxMailbox): readonly Folder[] {
  let list = cache.get(mailbox);
  if (!list) {
    list = NON_MAIL_FOLDERS.map((name) => new EmptyFolder(`#nonmail-${name.toLowerCase()}`, name));
    cache.set(mailbox, list);
  }
  return list;
}

export function isNonMail(folder: Folder): boolean {
  return folder instanceof EmptyFolder;
}
