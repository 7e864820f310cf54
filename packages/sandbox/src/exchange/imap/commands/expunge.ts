import type { SelectedView } from '../selected.js';
import type { ImapSession } from '../session.js';
import { TEXT } from '../responses.js';
import { no, ok, resolveSet, viewOf } from './common.js';
import { SELECTED, type CommandHandler } from './types.js';

/** EXPUNGE, and UID EXPUNGE set (RFC 4315): removes \Deleted messages; the EXPUNGEs follow from the folder's events. */
export const expunge: CommandHandler = {
  states: SELECTED,
  async run(s, cmd, uid) {
    const view = viewOf(s);
    if (view.readOnly) return no(TEXT.invalidState);
    const only = uid ? new Set(resolveSet(view, cmd.args[0], true).map((t) => t.uid)) : undefined;
    removeDeleted(view, only);
    return ok('EXPUNGE');
  },
};

export function removeDeleted(view: SelectedView, only?: Set<number>): void {
  const doomed = view.folder.list().filter((m) => m.flags.has('\\Deleted') && (!only || only.has(m.uid))).map((m) => m.uid);
  if (doomed.length > 0) view.folder.expunge(doomed);
}

/** CLOSE: expunge silently (unless read-only) and leave the folder. */
export const close: CommandHandler = {
  states: SELECTED,
  async run(s) {
    const view = viewOf(s);
    if (!view.readOnly) removeDeleted(view);
    deselect(s);
    return { ...ok('CLOSE'), noUpdates: true };
  },
};

/** UNSELECT (RFC 3691): leave without expunging. */
export const unselect: CommandHandler = {
  states: SELECTED,
  async run(s) {
    deselect(s);
    return ok('UNSELECT');
  },
};

function deselect(s: ImapSession): void {
  s.selected?.close();
  s.selected = undefined;
  s.state = 'auth';
}
