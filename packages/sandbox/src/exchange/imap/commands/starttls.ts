import { TEXT } from '../responses.js';
import { NOT_AUTHENTICATED, type CommandHandler } from './types.js';

export const starttls: CommandHandler = {
  states: NOT_AUTHENTICATED,
  async run(s, cmd) {
    if (s.secure) return { status: 'BAD', text: TEXT.invalidState };
    // Bytes pipelined after STARTTLS were sent in the clear: refuse rather than act on them (CVE-2011-0411 class).
    if (s.pipelined > 0) return { status: 'BAD', text: TEXT.argumentError };
    await s.send(`${cmd.tag} OK Begin TLS negotiation now.\r\n`);
    s.startTls();
    return { status: 'OK', text: '', silent: true };
  },
};
