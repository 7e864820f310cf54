import { ok } from './common.js';
import { ANY, SELECTED, type CommandHandler } from './types.js';

/** NOOP: the session flushes the selected folder's updates before the reply. */
export const noop: CommandHandler = { states: ANY, run: async () => ok('NOOP') };

/** CHECK: nothing to checkpoint in the sandbox's store. */
export const check: CommandHandler = { states: SELECTED, run: async () => ok('CHECK') };
