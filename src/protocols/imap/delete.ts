import type { ImapFlow } from 'imapflow';
import { uidSet, withFolder } from './lock.js';

/**
 * STORE +FLAGS (\Deleted) then UID EXPUNGE (RFC 4315) so only these messages go, not others
 * another client marked deleted; imapflow falls back to EXPUNGE without UIDPLUS.
 */
export async function deleteMessages(client: ImapFlow, folder: string, uids: readonly number[]): Promise<void> {
  await withFolder(client, folder, async () => {
    await client.messageDelete(uidSet(uids), { uid: true });
  });
}
