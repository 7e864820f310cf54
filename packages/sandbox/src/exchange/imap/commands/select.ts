import { PERMANENT_FLAGS } from '../flags.js';
import { TEXT } from '../responses.js';
import { SelectedView } from '../selected.js';
import { astring } from '../wire/parser.js';
import { bad, folderArg, no, ok } from './common.js';
import { AUTHENTICATED, type CommandHandler } from './types.js';

function selectCommand(name: 'SELECT' | 'EXAMINE'): CommandHandler {
  const readOnly = name === 'EXAMINE';
  return {
    states: AUTHENTICATED,
    async run(s, cmd) {
      const mailboxName = astring(cmd.args[0]);
      if (mailboxName === undefined) return bad();
      // Selecting (even failing to) leaves the previous folder (RFC 3501 §6.3.1).
      s.selected?.close();
      s.selected = undefined;
      s.state = 'auth';
      const folder = folderArg(s, mailboxName);
      if (!folder) return no(TEXT.noSuchFolder);
      const view = new SelectedView(folder, readOnly);
      const messages = folder.list();
      const firstUnseen = messages.findIndex((m) => !m.flags.has('\\Seen'));
      const lines = [
        `* ${view.exists} EXISTS`,
        `* ${folder.counts().recent} RECENT`,
        `* FLAGS (${PERMANENT_FLAGS})`,
        `* OK [PERMANENTFLAGS (${readOnly ? '' : `${PERMANENT_FLAGS} \\*`})] Permanent flags`,
        ...(firstUnseen >= 0 ? [`* OK [UNSEEN ${firstUnseen + 1}] Is the first unseen message`] : []),
        `* OK [UIDVALIDITY ${folder.uidValidity}] UIDVALIDITY value`,
        `* OK [UIDNEXT ${folder.uidNext}] The next unique identifier value`,
      ];
      await s.send(`${lines.join('\r\n')}\r\n`);
      s.selected = view;
      s.state = 'selected';
      return ok(name, readOnly ? 'READ-ONLY' : 'READ-WRITE');
    },
  };
}

export const select = selectCommand('SELECT');
export const examine = selectCommand('EXAMINE');
