import { TEXT } from '../responses.js';
import { NOT_AUTHENTICATED, type CommandHandler } from './types.js';

/** Basic authentication is off in Exchange Online (since October 2022): LOGIN always fails, as there. */
export const login: CommandHandler = {
  states: NOT_AUTHENTICATED,
  run: async () => ({ status: 'NO', text: TEXT.loginFailed }),
};
