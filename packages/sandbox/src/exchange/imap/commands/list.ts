import type { Folder, WellKnownFolder } from '../../contract.js';
import { decodeMailboxName, encodeMailboxName, imapFolders } from '../names.js';
import { formatValues, str } from '../wire/formatter.js';
import { astring } from '../wire/parser.js';
import { bad, mailboxOf, ok } from './common.js';
import { AUTHENTICATED, type CommandHandler } from './types.js';

/** RFC 6154 special-use attributes for Exchange's well-known folders. */
const SPECIAL_USE: Partial<Record<WellKnownFolder, string>> = {
  sentitems: '\\Sent',
  drafts: '\\Drafts',
  deleteditems: '\\Trash',
  junkemail: '\\Junk',
  archive: '\\Archive',
};

function listCommand(name: 'LIST' | 'LSUB'): CommandHandler {
  return {
    states: AUTHENTICATED,
    async run(s, cmd) {
      const reference = astring(cmd.args[0]);
      const pattern = astring(cmd.args[1]);
      if (reference === undefined || pattern === undefined) return bad();
      if (pattern === '') {
        // The hierarchy delimiter query (RFC 3501 §6.3.8).
        await s.send(`* ${name} (\\Noselect \\HasChildren) "/" ""\r\n`);
        return ok(name);
      }
      const matcher = patternRegExp(decodeMailboxName(reference + pattern));
      const folders = imapFolders(mailboxOf(s));
      const lines: Buffer[] = [];
      for (const f of folders) {
        if (!matcher.test(f.path)) continue;
        const attrs = [hasChildren(f, folders) ? '\\HasChildren' : '\\HasNoChildren'];
        const special = f.wellKnown ? SPECIAL_USE[f.wellKnown] : undefined;
        if (special) attrs.push(special);
        lines.push(Buffer.concat([Buffer.from(`* ${name} (${attrs.join(' ')}) "/" `), formatValues([str(encodeMailboxName(f.path))]), Buffer.from('\r\n')]));
      }
      if (lines.length > 0) await s.send(Buffer.concat(lines));
      return ok(name);
    },
  };
}

export const list = listCommand('LIST');
/** Every folder counts as subscribed, as at Exchange Online. */
export const lsub = listCommand('LSUB');

function hasChildren(f: Folder, all: readonly Folder[]): boolean {
  return all.some((o) => o.parentId === f.id);
}

/** `*` matches anything, `%` anything but the delimiter; INBOX matches in any case. */
export function patternRegExp(pattern: string): RegExp {
  const body = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '%' ? '[^/]*' : c.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  const inbox = /^inbox/i.test(pattern) ? `(?:INBOX|inbox|Inbox)${body.slice(5)}` : body;
  return new RegExp(`^${inbox}$`, /^inbox/i.test(pattern) ? 'i' : '');
}
