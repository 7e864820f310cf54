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

/**
 * UIDs as an IMAP sequence set with runs joined (`1:50,52,60:61`), refusing an empty set that
 * imapflow would turn into `*`. Runs keep one command for a whole batch short (a 10,000-UID
 * MOVE is a few bytes, not 60 KB of command line).
 */
export function uidSet(uids: readonly number[]): string {
  if (uids.length === 0) throw new RangeError('no message UIDs given');
  const sorted = [...new Set(uids)].sort((a, b) => a - b);
  const parts: string[] = [];
  let start = sorted[0] as number;
  let prev = start;
  for (const uid of sorted.slice(1)) {
    if (uid === prev + 1) {
      prev = uid;
      continue;
    }
    parts.push(start === prev ? String(start) : `${start}:${prev}`);
    start = prev = uid;
  }
  parts.push(start === prev ? String(start) : `${start}:${prev}`);
  return parts.join(',');
}
