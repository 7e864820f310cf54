import type { ImapFlow } from 'imapflow';
import { uidSet, withFolder } from './lock.js';

/** STORE ±FLAGS (\Seen): mark read or unread. */
export async function setSeen(client: ImapFlow, folder: string, uids: readonly number[], seen: boolean): Promise<void> {
  await setFlag(client, folder, uids, '\\Seen', seen);
}

/** STORE ±FLAGS (\Flagged): Outlook shows it as the follow-up flag. */
export async function setFlagged(client: ImapFlow, folder: string, uids: readonly number[], flagged: boolean): Promise<void> {
  await setFlag(client, folder, uids, '\\Flagged', flagged);
}

async function setFlag(client: ImapFlow, folder: string, uids: readonly number[], flag: string, on: boolean): Promise<void> {
  await withFolder(client, folder, async () => {
    const range = uidSet(uids);
    if (on) await client.messageFlagsAdd(range, [flag], { uid: true });
    else await client.messageFlagsRemove(range, [flag], { uid: true });
  });
}
