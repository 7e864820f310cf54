import type { AttemptOutcome, AttemptStore, ResourceAttempts } from '../attempts.js';
import type { SqlContext } from './context.js';

interface AttemptRow {
  area: string;
  last_json: string;
  failure_json: string | null;
  last_success_at: number | string | null;
}

/**
 * The last attempt with each resource per area, and its last failure until the next success
 * (migration 9). One upsert: a success clears the failure and moves last_success_at, a failure
 * keeps last_success_at; an older attempt finishing after a newer one does not overwrite it.
 */
export function sqlAttemptStore({ db }: SqlContext): AttemptStore {
  return {
    async recordAttempt(resource, area, outcome) {
      const json = JSON.stringify(outcome);
      await db.run(
        `INSERT INTO resource_attempts (resource, area, last_json, failure_json, last_success_at, updated_at)
          VALUES (?, ?, ?, ?, ?, ?)
          ON CONFLICT (resource, area) DO UPDATE SET last_json = excluded.last_json, failure_json = excluded.failure_json,
            last_success_at = COALESCE(excluded.last_success_at, resource_attempts.last_success_at),
            updated_at = excluded.updated_at
          WHERE resource_attempts.updated_at <= excluded.updated_at`,
        [resource, area, json, outcome.ok ? null : json, outcome.ok ? outcome.at : null, outcome.at],
      );
    },

    async listAttempts(resource) {
      const rows = await db.all<AttemptRow>(
        'SELECT area, last_json, failure_json, last_success_at FROM resource_attempts WHERE resource = ? ORDER BY area DESC',
        [resource],
      );
      return rows.map((row): ResourceAttempts => ({
        area: row.area as ResourceAttempts['area'],
        last: JSON.parse(row.last_json) as AttemptOutcome,
        ...(row.failure_json ? { failure: JSON.parse(row.failure_json) as AttemptOutcome } : {}),
        ...(row.last_success_at !== null ? { lastSuccessAt: Number(row.last_success_at) } : {}),
      }));
    },
  };
}
