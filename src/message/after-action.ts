/**
 * The after-processing action as data (what a trigger or a fetch does with a message it
 * handled); mail/after-action.ts carries it out on a mailbox.
 */
import { ConfigError } from '../errors.js';

/** The after-processing action: leave, mark read, move to a folder, or delete. */
export type AfterAction = { kind: 'leave' } | { kind: 'read' } | { kind: 'move'; folder: string } | { kind: 'delete' };

/** `leave` | `read` | `move:FOLDER` | `delete`, as the CLI and the config take it. */
export function parseAfterAction(text: string): AfterAction {
  if (text === 'leave' || text === 'read' || text === 'delete') return { kind: text };
  if (text.startsWith('move:') && text.length > 'move:'.length)
    return { kind: 'move', folder: text.slice('move:'.length) };
  throw new ConfigError({
    code: 'AFTER_ACTION_INVALID',
    message: `unknown after-processing action "${text}"`,
    hint: 'use leave, read, move:FOLDER (e.g. move:Archive) or delete',
    field: 'after',
  });
}

/** The text form of an after-processing action (`leave`, `read`, `move:FOLDER`, `delete`); the inverse of {@link parseAfterAction}. */
export function formatAfterAction(a: AfterAction): string {
  return a.kind === 'move' ? `move:${a.folder}` : a.kind;
}
