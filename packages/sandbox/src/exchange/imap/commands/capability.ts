import { CAPABILITIES, CAPABILITIES_PLAIN } from '../responses.js';
import { ok } from './common.js';
import { ANY, type CommandHandler } from './types.js';

export const capability: CommandHandler = {
  states: ANY,
  async run(s) {
    await s.send(`* CAPABILITY ${s.secure ? CAPABILITIES : CAPABILITIES_PLAIN}\r\n`);
    return ok('CAPABILITY');
  },
};
