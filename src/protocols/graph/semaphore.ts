/**
 * A counting semaphore, and one per mailbox for the whole process: Exchange allows four
 * concurrent Graph requests per app and mailbox (microsoft.md §5.6) and answers the fifth with
 * 429 ApplicationThrottled, so two Mailbox objects on the same mailbox must share the limit.
 */
export class Semaphore {
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly limit: number) {}

  /** Resolves with a release function once a slot is free; call it exactly once. */
  async acquire(): Promise<() => void> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so `active` stays the same.
      if (next) next();
      else this.active--;
    };
  }

  get inFlight(): number {
    return this.active;
  }
}

const perMailbox = new Map<string, Semaphore>();

/** The process-wide semaphore of one mailbox at one Graph host. */
export function mailboxSemaphore(origin: string, mailbox: string, limit: number): Semaphore {
  const key = `${origin}|${mailbox.toLowerCase()}|${limit}`;
  let s = perMailbox.get(key);
  if (!s) {
    s = new Semaphore(limit);
    perMailbox.set(key, s);
  }
  return s;
}
