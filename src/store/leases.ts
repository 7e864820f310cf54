import type { Resource } from '../config/resource.js';

/**
 * Pure parts of mailbox leasing, shared by the SQLite and PostgreSQL stores and the runner.
 * The stores do the locking; this decides which free leases to take.
 */

/** What a per-mailbox connection limit counts: one server account (host + user, case-insensitive). */
export function mailboxKey(resource: Pick<Resource, 'server' | 'user'> | undefined, fallback: string): string {
  if (!resource?.user) return `resource:${fallback}`;
  return `${resource.server.host.toLowerCase()}/${resource.user.toLowerCase()}`;
}

/**
 * Picks up to `room` leases from `free` (in order) so that no mailbox goes over `limit` live
 * leases, counting those already live (`liveByMailbox`) and those picked here.
 */
export function chooseLeases(
  free: readonly { name: string; mailbox: string }[], liveByMailbox: ReadonlyMap<string, number>, room: number, limit: number,
): string[] {
  const counts = new Map(liveByMailbox);
  const picked: string[] = [];
  for (const f of free) {
    if (picked.length >= room) break;
    const n = counts.get(f.mailbox) ?? 0;
    if (n >= limit) continue;
    counts.set(f.mailbox, n + 1);
    picked.push(f.name);
  }
  return picked;
}

/** An instance's fair share: at most ceil(total / live instances), at least 1 while there is work. */
export function fairShare(total: number, liveInstances: number): number {
  if (total <= 0) return 0;
  return Math.ceil(total / Math.max(1, liveInstances));
}
