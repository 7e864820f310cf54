import type { AttemptArea, AttemptOutcome, ResourceAttempts } from './attempts.js';

/**
 * The SQL of the attempt table (migration 9), the same text for SQLite and PostgreSQL with
 * numbered parameters turned into `?` for SQLite by the caller. A success clears the failure and
 * moves last_success_at; a failure keeps last_success_at. An older attempt that finishes after a
 * newer one was recorded does not overwrite it.
 */
export const UPSERT_ATTEMPT = `INSERT INTO resource_attempts (resource, area, last_json, failure_json, last_success_at, updated_at)
  VALUES ($1, $2, $3, $4, $5, $6)
  ON CONFLICT (resource, area) DO UPDATE SET last_json = excluded.last_json, failure_json = excluded.failure_json,
    last_success_at = COALESCE(excluded.last_success_at, resource_attempts.last_success_at), updated_at = excluded.updated_at
  WHERE resource_attempts.updated_at <= excluded.updated_at`;

export const SELECT_ATTEMPTS =
  'SELECT area, last_json, failure_json, last_success_at FROM resource_attempts WHERE resource = $1 ORDER BY area DESC';

/** The parameters of UPSERT_ATTEMPT for one outcome. */
export function attemptParams(resource: string, area: AttemptArea, o: AttemptOutcome): (string | number | null)[] {
  const json = JSON.stringify(o);
  return [resource, area, json, o.ok ? null : json, o.ok ? o.at : null, o.at];
}

export interface AttemptRow {
  area: string;
  last_json: string;
  failure_json: string | null;
  last_success_at: number | string | null;
}

export function attemptFromRow(row: AttemptRow): ResourceAttempts {
  return {
    area: row.area as AttemptArea,
    last: JSON.parse(row.last_json) as AttemptOutcome,
    ...(row.failure_json ? { failure: JSON.parse(row.failure_json) as AttemptOutcome } : {}),
    ...(row.last_success_at !== null ? { lastSuccessAt: Number(row.last_success_at) } : {}),
  };
}
