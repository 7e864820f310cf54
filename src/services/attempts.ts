import { isMailbridgeError } from '../errors.js';
import type { Logger } from '../log.js';
import type { AttemptAction, AttemptArea, AttemptOutcome } from '../store/attempts.js';
import type { Store } from '../store/store.js';

/**
 * Records an attempt with a resource (store/attempts.ts): `error` undefined is a success.
 * `error` is a typed error, or its JSON form (code, message, hint) as a probe reports it.
 * Bookkeeping never fails the work it describes: a store error here is logged and dropped.
 */
export async function recordAttempt(
  o: { store: Store; logger?: Logger | undefined; now?: () => number },
  resource: string,
  area: AttemptArea,
  action: AttemptAction,
  error?: unknown,
  extra: { rotated?: boolean } = {},
): Promise<void> {
  const outcome: AttemptOutcome = {
    action,
    ok: error === undefined,
    at: (o.now ?? Date.now)(),
    ...(extra.rotated ? { rotated: true } : {}),
  };
  if (error !== undefined) {
    const typed = isMailbridgeError(error) ? error : isErrorLike(error) ? error : undefined;
    if (typed) Object.assign(outcome, { code: typed.code, message: typed.message, hint: typed.hint });
    else
      Object.assign(outcome, {
        code: 'INTERNAL',
        message: error instanceof Error ? error.message : 'an unexpected failure',
        hint: 'see the service log',
      });
  }
  try {
    await o.store.recordAttempt(resource, area, outcome);
  } catch (e) {
    o.logger?.warn(
      { event: 'attempt_not_recorded', resource, area, error: e instanceof Error ? e.message : String(e) },
      'could not record the attempt',
    );
  }
}

function isErrorLike(e: unknown): e is { code: string; message: string; hint: string } {
  const o = e as { code?: unknown; message?: unknown; hint?: unknown } | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.code === 'string' &&
    typeof o.message === 'string' &&
    typeof o.hint === 'string'
  );
}
