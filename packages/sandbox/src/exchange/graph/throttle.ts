import { EventEmitter } from 'node:events';

/** Outlook's per app + mailbox limit (microsoft.md §5.6): four requests in flight, the fifth refused. */
export const MAILBOX_CONCURRENCY = 4;

export interface GraphServerEvents {
  /** A request passed auth and the concurrency gate (tests await it instead of sleeping). */
  admitted: [info: { appId: string; mailbox: string; inFlight: number }];
}

export class MailboxConcurrency {
  private readonly inFlight = new Map<string, number>();
  constructor(private readonly events: EventEmitter<GraphServerEvents>, private readonly limit = MAILBOX_CONCURRENCY) {}

  /** Take a slot, or return undefined when the app already has `limit` requests on this mailbox. */
  acquire(appId: string, mailbox: string): (() => void) | undefined {
    const key = `${appId}\u0000${mailbox}`;
    const n = this.inFlight.get(key) ?? 0;
    if (n >= this.limit) return undefined;
    this.inFlight.set(key, n + 1);
    let released = false;
    this.events.emit('admitted', { appId, mailbox, inFlight: n + 1 });
    return () => {
      if (released) return;
      released = true;
      const left = (this.inFlight.get(key) ?? 1) - 1;
      if (left <= 0) this.inFlight.delete(key);
      else this.inFlight.set(key, left);
    };
  }
}
