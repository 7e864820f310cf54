import type { RetryPolicy } from '../config/trigger.js';

/** Exponential backoff: base, 2×base, 4×base… capped at max. Attempt numbers start at 1. */
export function backoffDelayMs(policy: Pick<RetryPolicy, 'backoffBaseMs' | 'backoffMaxMs'>, attempt: number): number {
  const exp = Math.min(attempt - 1, 30);
  return Math.min(policy.backoffMaxMs, policy.backoffBaseMs * 2 ** exp);
}

/** Resolves after `ms`, or at once (false) when the signal aborts: a stop never waits out a backoff. */
export function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      resolve(ok);
    };
    const onAbort = () => done(false);
    const timer = setTimeout(() => done(true), ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
