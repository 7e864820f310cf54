import { ok } from './common.js';
import { ANY, type CommandHandler } from './types.js';

/** ID (RFC 2971): the client's fields are not kept; the server names itself (the sandbox's choice of values). */
export const id: CommandHandler = {
  states: ANY,
  async run(s) {
    await s.send('* ID ("name" "Microsoft.Exchange.Imap4.Imap4Server" "version" "15.20")\r\n');
    return ok('ID');
  },
};
