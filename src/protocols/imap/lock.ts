import type { ImapFlow } from 'imapflow';

/**
 * Runs `work` with `folder` selected. imapflow serialises mailbox use through locks; holding
 * one keeps another caller from selecting a different folder under our UIDs.
 */
export async function withFolder<T>(client: ImapFlow, folder: string, work: () => Promise<T>): Promise<T> {
  const lock = await client.getMailboxLock(folder);
  try {
    return await work();
  } finally {
    lock.release();
  }
}

/** UIDs as an IMAP sequence set (`1,5,9`), refusing an empty set that imapflow would turn into `*`. */
export function uidSet(uids: readonly number[]): string {
  if (uids.length === 0) throw new RangeError('no message UIDs given');
  return uids.join(',');
}
