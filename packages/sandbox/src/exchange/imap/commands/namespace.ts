import { ok } from './common.js';
import { AUTHENTICATED, type CommandHandler } from './types.js';

/** One personal namespace with "/" as the delimiter; no other users' or shared namespaces. */
export const namespace: CommandHandler = {
  states: AUTHENTICATED,
  async run(s) {
    await s.send('* NAMESPACE (("" "/")) NIL NIL\r\n');
    return ok('NAMESPACE');
  },
};
