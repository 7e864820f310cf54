import type { Folder } from '../../contract.js';
import { decodeMailboxName } from '../names.js';
import { TEXT } from '../responses.js';
import { astring } from '../wire/parser.js';
import { NON_MAIL_WRITE, bad, folderArg, mailboxOf, no, ok } from './common.js';
import { isNonMail } from '../non-mail.js';
import { AUTHENTICATED, type CommandHandler } from './types.js';

/** CREATE "A/B/C": missing parents are created too (RFC 3501 §6.3.3). */
export const create: CommandHandler = {
  states: AUTHENTICATED,
  async run(s, cmd) {
    const raw = astring(cmd.args[0]);
    if (raw === undefined) return bad();
    const path = decodeMailboxName(raw).replace(/\/+$/, '');
    if (path === '' || /^inbox$/i.test(path)) return no('Mailbox already exists.');
    if (folderArg(s, raw)) return no('Mailbox already exists.');
    const mailbox = mailboxOf(s);
    let parent: Folder | undefined;
    let walked = '';
    for (const segment of path.split('/')) {
      if (segment === '') return bad();
      walked = walked ? `${walked}/${segment}` : segment;
      parent = folderArg(s, walked) ?? mailbox.createFolder(segment, parent);
      if (isNonMail(parent)) return no(NON_MAIL_WRITE);
    }
    return ok('CREATE');
  },
};

/** DELETE: Exchange's well-known folders cannot be deleted. */
export const del: CommandHandler = {
  states: AUTHENTICATED,
  async run(s, cmd) {
    const raw = astring(cmd.args[0]);
    if (raw === undefined) return bad();
    const folder = folderArg(s, raw);
    if (!folder) return no(TEXT.noSuchFolder);
    if (folder.wellKnown || isNonMail(folder)) return no('Special mailbox cannot be deleted.');
    if (s.selected?.folder === folder) {
      s.selected.close();
      s.selected = undefined;
      s.state = 'auth';
    }
    mailboxOf(s).deleteFolder(folder);
    return ok('DELETE');
  },
};

/** RENAME within the same parent (the store renames in place; moving between parents is not offered). */
export const rename: CommandHandler = {
  states: AUTHENTICATED,
  async run(s, cmd) {
    const from = astring(cmd.args[0]);
    const to = astring(cmd.args[1]);
    if (from === undefined || to === undefined) return bad();
    const folder = folderArg(s, from);
    if (!folder) return no(TEXT.noSuchFolder);
    if (folderArg(s, to)) return no('Mailbox already exists.');
    if (isNonMail(folder)) return no(NON_MAIL_WRITE);
    const target = decodeMailboxName(to).replace(/\/+$/, '');
    const slash = target.lastIndexOf('/');
    const parentPath = slash >= 0 ? target.slice(0, slash) : '';
    const currentParent = folder.path.includes('/') ? folder.path.slice(0, folder.path.lastIndexOf('/')) : '';
    if (parentPath.toLowerCase() !== currentParent.toLowerCase() || folder.wellKnown === 'inbox') {
      return no('The folder cannot be moved to another parent by RENAME in the sandbox.');
    }
    mailboxOf(s).renameFolder(folder, target.slice(slash + 1));
    return ok('RENAME');
  },
};

/** Every folder is subscribed at Exchange Online; SUBSCRIBE and UNSUBSCRIBE change nothing. */
export const subscribe: CommandHandler = { states: AUTHENTICATED, run: async () => ok('SUBSCRIBE') };
export const unsubscribe: CommandHandler = { states: AUTHENTICATED, run: async () => ok('UNSUBSCRIBE') };
