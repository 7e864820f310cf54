import type { ImapFlow } from 'imapflow';

export interface ImapFolder {
  path: string;
  name: string;
  delimiter: string;
  /** RFC 6154 special use (`\Sent`, `\Trash`…), or `\Inbox` for INBOX. */
  specialUse?: string;
  messages?: number;
  unseen?: number;
}

/** LIST with STATUS (RFC 5819 when offered, else one STATUS per folder, which imapflow does). */
export async function listFolders(client: ImapFlow): Promise<ImapFolder[]> {
  const folders = await client.list({ statusQuery: { messages: true, unseen: true } });
  return folders
    .filter((f) => !f.flags.has('\\Noselect') && !f.flags.has('\\NonExistent'))
    .map((f) => ({
      path: f.path,
      name: f.name,
      delimiter: f.delimiter,
      ...(f.specialUse ? { specialUse: f.specialUse } : {}),
      ...(f.status?.messages !== undefined ? { messages: f.status.messages } : {}),
      ...(f.status?.unseen !== undefined ? { unseen: f.status.unseen } : {}),
    }));
}

/** CREATE, for a move target that does not exist yet. Returns false when it already existed. */
export async function createFolder(client: ImapFlow, path: string): Promise<boolean> {
  const res = await client.mailboxCreate(path);
  return res.created;
}
