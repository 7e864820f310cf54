import type { Folder, SandboxMailbox, StoredMessage } from '../../contract.js';
import { findFolder } from '../names.js';
import { completed, TEXT } from '../responses.js';
import type { SelectedView } from '../selected.js';
import type { ImapSession } from '../session.js';
import { ImapSyntaxError, type ImapToken } from '../wire/parser.js';
import { inSequenceSet, parseSequenceSet, SequenceSetError } from '../wire/sequence.js';
import type { CommandResult } from './types.js';

export const ok = (name: string, code?: string): CommandResult => ({ status: 'OK', text: completed(name), ...(code ? { code } : {}) });
export const bad = (): CommandResult => ({ status: 'BAD', text: TEXT.argumentError });
export const no = (text: string, code?: string): CommandResult => ({ status: 'NO', text, ...(code ? { code } : {}) });

/** The logged-in mailbox; the state checks make it present in the authenticated states. */
export function mailboxOf(s: ImapSession): SandboxMailbox {
  if (!s.mailbox) throw new ImapSyntaxError(TEXT.invalidState);
  return s.mailbox;
}

export function viewOf(s: ImapSession): SelectedView {
  if (!s.selected) throw new ImapSyntaxError(TEXT.invalidState);
  return s.selected;
}

/** Our wording for a write into Calendar, Contacts… over IMAP (Exchange's own text is not documented). */
export const NON_MAIL_WRITE = 'Messages cannot be stored in a non-mail folder.';

export function folderArg(s: ImapSession, name: string): Folder | undefined {
  return findFolder(mailboxOf(s), name);
}

export interface Target {
  seq: number;
  uid: number;
  message: StoredMessage;
}

/** The messages a sequence set (or UID set) names in the session's view, in sequence order. */
export function resolveSet(view: SelectedView, token: ImapToken | undefined, uid: boolean): Target[] {
  if (token?.type !== 'atom') throw new ImapSyntaxError(TEXT.argumentError);
  let ranges;
  try {
    ranges = parseSequenceSet(token.value);
  } catch (e) {
    if (e instanceof SequenceSetError) throw new ImapSyntaxError(TEXT.argumentError);
    throw e;
  }
  const out: Target[] = [];
  const star = uid ? (view.uids[view.uids.length - 1] ?? 0) : view.uids.length;
  view.uids.forEach((u, i) => {
    if (!inSequenceSet(ranges, uid ? u : i + 1, star)) return;
    // Removed by another session and not yet reported: skip it, as Exchange does.
    const message = view.folder.byUid(u);
    if (message) out.push({ seq: i + 1, uid: u, message });
  });
  return out;
}
