import type { ImapFlow, SearchObject } from 'imapflow';
import { withFolder } from './lock.js';

/**
 * What IMAP SEARCH (RFC 3501 §6.4.4) can decide on the server. "Has attachments" is not a
 * SEARCH key; list.ts decides it from BODYSTRUCTURE instead.
 */
export interface ImapSearchCriteria {
  unseen?: boolean;
  /** Internal date on or after this day (SEARCH SINCE compares dates, not times). */
  since?: Date;
  /** Internal date before this day. */
  before?: Date;
  from?: string;
  to?: string;
  subject?: string;
  /** Size in octets, strictly larger / smaller (RFC 3501 LARGER / SMALLER). */
  larger?: number;
  smaller?: number;
}

/** Criteria → imapflow's search object; no criteria means ALL. */
export function toSearchObject(c: ImapSearchCriteria): SearchObject {
  const q: SearchObject = {};
  if (c.unseen !== undefined) q.seen = !c.unseen;
  if (c.since) q.since = c.since;
  if (c.before) q.before = c.before;
  if (c.from) q.from = c.from;
  if (c.to) q.to = c.to;
  if (c.subject) q.subject = c.subject;
  if (c.larger !== undefined) q.larger = c.larger;
  if (c.smaller !== undefined) q.smaller = c.smaller;
  return Object.keys(q).length === 0 ? { all: true } : q;
}

/** UID SEARCH in `folder`, ascending UIDs. */
export async function searchUids(client: ImapFlow, folder: string, c: ImapSearchCriteria): Promise<number[]> {
  return withFolder(client, folder, async () => {
    const uids = await client.search(toSearchObject(c), { uid: true });
    return (uids || []).slice().sort((a, b) => a - b);
  });
}
