import {
  HISTORY_KEPT,
  type AttemptEvent,
  type AttemptOutcome,
  type AttemptStore,
  type ResourceAttempts,
} from '../attempts.js';
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
  // History order: `at` has millisecond resolution, so attempts in one millisecond get a counter
  // (as trigger_events' seq, migration 11): strictly increasing within an instance.
  let lastSeq = 0;
  const nextSeq = (at: number): number => (lastSeq = Math.max(at * 1000, lastSeq + 1));
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
      // The history (migration 15): every attempt, the newest HISTORY_KEPT kept.
      await db.run('INSERT INTO resource_events (resource, seq, area, outcome_json, at) VALUES (?, ?, ?, ?, ?)', [
        resource,
        nextSeq(outcome.at),
        area,
        json,
        outcome.at,
      ]);
      await db.run(
        `DELETE FROM resource_events WHERE resource = ? AND seq < (
          SELECT seq FROM resource_events WHERE resource = ? ORDER BY seq DESC LIMIT 1 OFFSET ${HISTORY_KEPT - 1})`,
        [resource, resource],
      );
    },

    async listAttemptHistory(resource, limit = HISTORY_KEPT) {
      const rows = await db.all<{ area: string; outcome_json: string }>(
        `SELECT area, outcome_json FROM resource_events WHERE resource = ? ORDER BY seq DESC LIMIT ${Math.max(1, Math.floor(limit))}`,
        [resource],
      );
      return rows.map((row): AttemptEvent => ({
        ...(JSON.parse(row.outcome_json) as AttemptOutcome),
        area: row.area as AttemptEvent['area'],
      }));
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
