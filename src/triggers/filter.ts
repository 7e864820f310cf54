import type { MailAddress } from '../message/message.js';
import type { ParsedMessage } from '../message/parse.js';
import type { TriggerFilter } from '../config/trigger.js';

/** What the filters look at, from an IMAP summary (before download) or a parsed message. */
export interface FilterView {
  from: { name?: string; address?: string }[];
  to: { name?: string; address?: string }[];
  subject?: string;
  /** Undefined when the backend cannot tell without downloading. */
  hasAttachments?: boolean;
  /** Undefined where the protocol has no flags (POP3) or before the message is parsed. */
  seen?: boolean;
  importance?: ParsedMessage['importance'];
}

export type FilterVerdict = 'match' | 'no-match' | 'need-message';

/**
 * Decides the filters on what is known. `need-message` means every known field matched but
 * one filter needs the parsed message (importance from headers, attachments under POP3).
 */
export function evaluateFilter(f: TriggerFilter, v: FilterView): FilterVerdict {
  if (f.from && !v.from.some((a) => contains(a, f.from ?? ''))) return 'no-match';
  if (f.to && !v.to.some((a) => contains(a, f.to ?? ''))) return 'no-match';
  if (f.subjectContains && !(v.subject ?? '').toLowerCase().includes(f.subjectContains.toLowerCase())) return 'no-match';
  if (f.unread !== undefined && v.seen !== undefined && v.seen === f.unread) return 'no-match';
  let unknown = false;
  if (f.hasAttachments !== undefined) {
    if (v.hasAttachments === undefined) unknown = true;
    else if (v.hasAttachments !== f.hasAttachments) return 'no-match';
  }
  if (f.importance !== undefined) {
    if (v.importance === undefined) unknown = true;
    else if (v.importance !== f.importance) return 'no-match';
  }
  return unknown ? 'need-message' : 'match';
}

/**
 * The parsed message as a filter view (importance defaults to normal, as Outlook shows it).
 * `seen` comes from the server's flags when it has them (IMAP), never from the raw message.
 */
export function viewOfParsed(m: ParsedMessage, seen?: boolean): FilterView {
  return {
    from: m.from ? [m.from] : [],
    to: [...m.to, ...m.cc],
    subject: m.subject,
    hasAttachments: m.attachments.some((a) => !a.inline),
    ...(seen !== undefined ? { seen } : {}),
    importance: m.importance ?? 'normal',
  };
}

function contains(a: { name?: string; address?: string } | MailAddress, needle: string): boolean {
  const n = needle.toLowerCase();
  return (a.address ?? '').toLowerCase().includes(n) || (a.name ?? '').toLowerCase().includes(n);
}
