import { randomBytes } from 'node:crypto';

/**
 * Console sessions, in memory: a restart logs everybody out, which is fine for a console
 * a person opens now and then, and keeps no session secret on disk.
 */
export interface Sessions {
  create(): string;
  valid(id: string | undefined): boolean;
  destroy(id: string | undefined): void;
}

export const SESSION_COOKIE = 'mb_session';
export const SESSION_TTL_MS = 12 * 3600_000;

export function createSessions(now: () => number = Date.now): Sessions {
  const live = new Map<string, number>();
  return {
    create() {
      const id = randomBytes(32).toString('base64url');
      live.set(id, now() + SESSION_TTL_MS);
      return id;
    },
    valid(id) {
      if (!id) return false;
      const until = live.get(id);
      if (until === undefined) return false;
      if (until <= now()) {
        live.delete(id);
        return false;
      }
      return true;
    },
    destroy(id) {
      if (id) live.delete(id);
    },
  };
}
