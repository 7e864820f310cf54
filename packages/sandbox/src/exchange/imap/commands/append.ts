import { canonicalFlag } from '../flags.js';
import { TEXT } from '../responses.js';
import { parseInternalDate } from '../wire/formatter.js';
import { astring } from '../wire/parser.js';
import { NON_MAIL_WRITE, bad, folderArg, no, ok } from './common.js';
import { isNonMail } from '../non-mail.js';
import { AUTHENTICATED, type CommandHandler } from './types.js';

/** APPEND mailbox [(flags)] [date-time] literal, answering APPENDUID (RFC 4315). */
export const append: CommandHandler = {
  states: AUTHENTICATED,
  async run(s, cmd) {
    const [mailboxArg, ...rest] = cmd.args;
    const name = astring(mailboxArg);
    const message = rest[rest.length - 1];
    if (name === undefined || message?.type !== 'string' || rest.length > 3) return bad();
    let flags: string[] = [];
    let receivedAt: number | undefined;
    for (const opt of rest.slice(0, -1)) {
      if (opt.type === 'list') {
        const parsed = opt.items.map((f) => (f.type === 'atom' ? canonicalFlag(f.value) : undefined));
        if (parsed.some((f) => f === undefined)) return bad();
        flags = parsed as string[];
      } else if (opt.type === 'string') {
        receivedAt = parseInternalDate(opt.value.toString('latin1'));
        if (receivedAt === undefined) return bad();
      } else {
        return bad();
      }
    }
    const folder = folderArg(s, name);
    if (!folder) return no(TEXT.noSuchFolder, 'TRYCREATE');
    if (isNonMail(folder)) return no(NON_MAIL_WRITE);
    if (message.value.length === 0) return bad();
    const stored = await folder.append(message.value, { flags, ...(receivedAt !== undefined ? { receivedAt } : {}) });
    return ok('APPEND', `APPENDUID ${folder.uidValidity} ${stored.uid}`);
  },
};
