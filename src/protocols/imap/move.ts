import type { ImapFlow } from 'imapflow';
import { ProtocolError } from '../../errors.js';
import { uidSet, withFolder } from './lock.js';

/** UID → new UID in the target folder (RFC 4315 COPYUID), when the server reports it. */
export type UidMap = Map<number, number>;

/** UID MOVE (RFC 6851), or COPY + STORE \Deleted + EXPUNGE where MOVE is missing (imapflow falls back). */
export async function moveMessages(client: ImapFlow, folder: string, uids: readonly number[], target: string): Promise<UidMap> {
  return withFolder(client, folder, async () => {
    const res = await client.messageMove(uidSet(uids), target, { uid: true });
    if (!res) throw targetMissing('move', target);
    return res.uidMap ?? new Map();
  });
}

/** UID COPY: the message stays where it is and a copy lands in `target`. */
export async function copyMessages(client: ImapFlow, folder: string, uids: readonly number[], target: string): Promise<UidMap> {
  return withFolder(client, folder, async () => {
    const res = await client.messageCopy(uidSet(uids), target, { uid: true });
    if (!res) throw targetMissing('copy', target);
    return res.uidMap ?? new Map();
  });
}

function targetMissing(verb: string, target: string): ProtocolError {
  return new ProtocolError({
    code: 'IMAP_FOLDER_NOT_FOUND',
    message: `could not ${verb} to folder "${target}": the server refused (it may not exist)`,
    hint: 'check the name with `mailbridge folders RESOURCE` (folder names are case-sensitive except INBOX)',
    details: { family: 103 },
  });
}
