import type { Folder } from '../../contract.js';
import { TEXT } from '../responses.js';
import { astring } from '../wire/parser.js';
import { formatSequenceSet } from '../wire/sequence.js';
import { NON_MAIL_WRITE, bad, folderArg, no, ok, resolveSet, viewOf } from './common.js';
import { isNonMail } from '../non-mail.js';
import { SELECTED, type CommandHandler } from './types.js';

/** COPY set mailbox, answering COPYUID (RFC 4315). */
export const copy: CommandHandler = {
  states: SELECTED,
  async run(s, cmd, uid) {
    const view = viewOf(s);
    const targets = resolveSet(view, cmd.args[0], uid);
    const name = astring(cmd.args[1]);
    if (name === undefined) return bad();
    const target = folderArg(s, name);
    if (!target) return no(TEXT.noSuchFolder, 'TRYCREATE');
    if (isNonMail(target)) return no(NON_MAIL_WRITE);
    const pairs = await transfer(view.folder, target, targets.map((t) => t.uid), 'copy');
    return ok('COPY', copyUid(target, pairs));
  },
};

/** MOVE set mailbox (RFC 6851): COPYUID untagged first, then the EXPUNGEs, then OK. */
export const move: CommandHandler = {
  states: SELECTED,
  async run(s, cmd, uid) {
    const view = viewOf(s);
    const targets = resolveSet(view, cmd.args[0], uid);
    const name = astring(cmd.args[1]);
    if (name === undefined) return bad();
    const target = folderArg(s, name);
    if (!target) return no(TEXT.noSuchFolder, 'TRYCREATE');
    if (isNonMail(target)) return no(NON_MAIL_WRITE);
    if (view.readOnly) return no(TEXT.invalidState);
    const pairs = await transfer(view.folder, target, targets.map((t) => t.uid), 'move');
    const code = copyUid(target, pairs);
    if (code) await s.send(`* OK [${code}] Moved.\r\n`);
    await s.flushUpdates(true);
    return ok('MOVE');
  },
};

async function transfer(source: Folder, target: Folder, uids: number[], how: 'copy' | 'move'): Promise<[number, number][]> {
  const pairs: [number, number][] = [];
  for (const u of uids) {
    const stored = how === 'copy' ? await source.copyTo(u, target) : await source.moveTo(u, target);
    pairs.push([u, stored.uid]);
  }
  return pairs;
}

function copyUid(target: Folder, pairs: [number, number][]): string | undefined {
  if (pairs.length === 0) return undefined;
  return `COPYUID ${target.uidValidity} ${formatSequenceSet(pairs.map((p) => p[0]))} ${formatSequenceSet(pairs.map((p) => p[1]))}`;
}
