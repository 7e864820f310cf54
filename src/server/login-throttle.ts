/**
 * Console login throttling: a few free attempts per client, then an exponential wait between
 * attempts (1 s, 2 s, 4 s … up to 15 min) until a success; and a ceiling on failed attempts
 * per minute over all clients, so that guesses spread over many addresses stay slow too. The
 * price of the ceiling is that a flood of wrong passwords also makes the right one wait; a
 * guessed console password is worse. In memory: a restart forgets, which costs an attacker a
 * restart they cannot cause.
 */
export interface LoginThrottle {
  /** How long this client must wait before its next attempt (ms); 0 when it may try now. */
  waitMs(client: string): number;
  failed(client: string): void;
  succeeded(client: string): void;
}

export interface LoginThrottleOptions {
  now?: () => number;
  /** Failed attempts per client before waits begin. */
  freeAttempts?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Failed attempts per minute over every client before everyone waits. */
  globalPerMinute?: number;
}

const MAX_CLIENTS = 10_000;
const FORGET_AFTER_MS = 3600_000;

export function createLoginThrottle(o: LoginThrottleOptions = {}): LoginThrottle {
  const now = o.now ?? Date.now;
  const free = o.freeAttempts ?? 5;
  const base = o.baseDelayMs ?? 1000;
  const max = o.maxDelayMs ?? 15 * 60_000;
  const perMinute = o.globalPerMinute ?? 30;
  const clients = new Map<string, { failures: number; until: number; last: number }>();
  const recent: number[] = [];

  const prune = (t: number): void => {
    while (recent.length > 0 && recent[0]! <= t - 60_000) recent.shift();
    if (clients.size < MAX_CLIENTS) return;
    for (const [k, v] of clients) if (v.last < t - FORGET_AFTER_MS) clients.delete(k);
    // Still full (a flood from many addresses): drop the oldest entries; the global ceiling still holds.
    for (const k of clients.keys()) {
      if (clients.size < MAX_CLIENTS) break;
      clients.delete(k);
    }
  };

  return {
    waitMs(client) {
      const t = now();
      prune(t);
      const own = Math.max(0, (clients.get(client)?.until ?? 0) - t);
      const overall = recent.length >= perMinute ? recent[0]! + 60_000 - t : 0;
      return Math.max(own, overall);
    },
    failed(client) {
      const t = now();
      recent.push(t);
      const c = clients.get(client) ?? { failures: 0, until: 0, last: t };
      c.failures++;
      c.last = t;
      if (c.failures >= free) c.until = t + Math.min(max, base * 2 ** (c.failures - free));
      clients.delete(client);
      clients.set(client, c);
    },
    succeeded(client) {
      clients.delete(client);
    },
  };
}
