/**
 * The last attempt with a resource, per area, and its last failure: what the console shows as
 * the resource's state "as of the last attempt, with its time". A success clears the area's
 * failure; a failure is kept (AADSTS code, message, fix) until the next success, so a refused
 * consent or refresh does not leave a bare "Missing" behind.
 */
export type AttemptArea = 'token' | 'mail';

/** What was tried: a consent (Connect), a token refresh, a check of the grant, a mail server round. */
export type AttemptAction = 'connect' | 'consent' | 'refresh' | 'check' | 'test';

/** One attempt: what was tried, when, and (for a failure) the typed error's code, message and fix. */
export interface AttemptOutcome {
  action: AttemptAction;
  ok: boolean;
  /** ms since epoch. */
  at: number;
  /** The typed error of a failure (code, message and fix; never a token or a secret). */
  code?: string;
  message?: string;
  hint?: string;
  /** A refresh that returned a new refresh token (the old one is replaced: a rotation). */
  rotated?: boolean;
}

/** One entry of a resource's history: an attempt in an area. */
export interface AttemptEvent extends AttemptOutcome {
  area: AttemptArea;
}

/** How many entries of its history a resource keeps (the newest). */
export const HISTORY_KEPT = 200;

/** A resource's attempts in one area: the last one, and the last failure until a success. */
export interface ResourceAttempts {
  area: AttemptArea;
  last: AttemptOutcome;
  /** The last failure, until a success clears it. */
  failure?: AttemptOutcome;
  /** When the area last succeeded (ms since epoch). */
  lastSuccessAt?: number;
}

/** What every Store provides for it (declaration merged into Store in store.ts). */
export interface AttemptStore {
  /** Records an attempt: a success clears the area's failure, a failure replaces it. */
  recordAttempt(resource: string, area: AttemptArea, outcome: AttemptOutcome): Promise<void>;
  /** The areas with attempts of a resource (none yet: empty). */
  listAttempts(resource: string): Promise<ResourceAttempts[]>;
  /** Every recorded attempt of a resource, newest first (at most `limit`, and HISTORY_KEPT are kept). */
  listAttemptHistory(resource: string, limit?: number): Promise<AttemptEvent[]>;
}
