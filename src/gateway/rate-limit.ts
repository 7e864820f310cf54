/**
 * A sliding-window counter per key (a user, a source address): at most `limit` events within
 * `windowMs`. In memory, per process: it protects this listener against a client that loops
 * (a misconfigured printer retrying a wrong password, a script sending in a tight loop).
 */
export class SlidingWindowLimiter {
  readonly #events = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts one event for `key`; false (and not counted) when the key is over its limit. */
  take(key: string): boolean {
    if (this.limit <= 0) return true;
    const recent = this.#recent(key);
    if (recent.length >= this.limit) return false;
    recent.push(this.now());
    this.#events.set(key, recent);
    return true;
  }

  /** Counts an event without a check (failures are counted after they happen). */
  note(key: string): void {
    const recent = this.#recent(key);
    recent.push(this.now());
    this.#events.set(key, recent);
  }

  /** Is `key` at or over its limit now? */
  blocked(key: string): boolean {
    return this.limit > 0 && this.#recent(key).length >= this.limit;
  }

  #recent(key: string): number[] {
    const t = this.now();
    const list = (this.#events.get(key) ?? []).filter((s) => t - s < this.windowMs);
    if (list.length === 0) this.#events.delete(key);
    if (this.#events.size > 100_000) this.#events.clear(); // a flood of distinct keys cannot grow memory without bound
    return list;
  }
}
