import { ok } from './common.js';
import { AUTHENTICATED, type CommandHandler } from './types.js';

/** IDLE (RFC 2177): pushes the selected folder's EXISTS / EXPUNGE / FETCH FLAGS as they happen until DONE. */
export const idle: CommandHandler = {
  states: AUTHENTICATED,
  async run(s) {
    await s.send('+ IDLE accepted, awaiting DONE command.\r\n');
    let pushing = Promise.resolve();
    const push = () => {
      pushing = pushing.then(() => s.flushUpdates(true)).catch(() => undefined);
    };
    if (s.selected) s.selected.onChange = push;
    push();
    try {
      for (;;) {
        const line = await s.readLine();
        if (line === null) return ok('IDLE');
        if (line.toString('latin1').trim().toUpperCase() === 'DONE') break;
      }
    } finally {
      if (s.selected) s.selected.onChange = undefined;
      await pushing;
    }
    return ok('IDLE');
  },
};
