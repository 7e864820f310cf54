import { formatValues, str } from '../wire/formatter.js';
import { astring } from '../wire/parser.js';
import { encodeMailboxName } from '../names.js';
import { TEXT } from '../responses.js';
import { bad, folderArg, no, ok } from './common.js';
import { AUTHENTICATED, type CommandHandler } from './types.js';

export const status: CommandHandler = {
  states: AUTHENTICATED,
  async run(s, cmd) {
    const name = astring(cmd.args[0]);
    const items = cmd.args[1];
    if (name === undefined || items?.type !== 'list') return bad();
    const folder = folderArg(s, name);
    if (!folder) return no(TEXT.noSuchFolder);
    const counts = folder.counts();
    const out: string[] = [];
    for (const item of items.items) {
      const key = item.type === 'atom' ? item.value.toUpperCase() : '';
      switch (key) {
        case 'MESSAGES': out.push(`MESSAGES ${counts.total}`); break;
        case 'RECENT': out.push(`RECENT ${counts.recent}`); break;
        case 'UIDNEXT': out.push(`UIDNEXT ${folder.uidNext}`); break;
        case 'UIDVALIDITY': out.push(`UIDVALIDITY ${folder.uidValidity}`); break;
        case 'UNSEEN': out.push(`UNSEEN ${counts.unseen}`); break;
        default: return bad();
      }
    }
    await s.send(Buffer.concat([Buffer.from('* STATUS '), formatValues([str(encodeMailboxName(folder.path))]), Buffer.from(` (${out.join(' ')})\r\n`)]));
    return ok('STATUS');
  },
};
