import { ok } from './common.js';
import { ANY, type CommandHandler } from './types.js';

export const logout: CommandHandler = {
  states: ANY,
  async run(s) {
    await s.send('* BYE Microsoft Exchange Server IMAP4 server signing off.\r\n');
    s.selected?.close();
    s.selected = undefined;
    s.end();
    return ok('LOGOUT');
  },
};
