import type { AfterAction } from '../message/after-action.js';
import type { FolderOption, Mailbox } from './mailbox.js';

/** The verbs an after-processing action is made of; a backend that lacks one refuses it itself. */
export type AfterActionVerbs = Pick<Mailbox, 'markRead' | 'move' | 'delete'>;

/**
 * The integration platform's after-processing step (leave, mark read, move, delete) on
 * messages already handled: the one implementation every backend and the trigger feeds use.
 */
export function runAfterAction(
  verbs: AfterActionVerbs,
  ids: readonly string[],
  action: AfterAction,
  opts?: FolderOption,
): Promise<void> {
  if (ids.length === 0) return Promise.resolve();
  switch (action.kind) {
    case 'leave':
      return Promise.resolve();
    case 'read':
      return verbs.markRead(ids, true, opts);
    case 'move':
      return verbs.move(ids, action.folder, opts);
    case 'delete':
      return verbs.delete(ids, opts);
  }
}
