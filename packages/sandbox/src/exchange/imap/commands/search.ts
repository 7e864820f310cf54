import { BadCharsetError, parseSearch } from '../search/criteria.js';
import { matches } from '../search/evaluate.js';
import { ok, viewOf } from './common.js';
import { SELECTED, type CommandHandler } from './types.js';

/** SEARCH / UID SEARCH: answers `* SEARCH n...` with sequence numbers or UIDs. */
export const search: CommandHandler = {
  states: SELECTED,
  async run(s, cmd, uid) {
    const view = viewOf(s);
    let key;
    try {
      key = parseSearch(cmd.args);
    } catch (e) {
      if (e instanceof BadCharsetError) return { status: 'NO', code: 'BADCHARSET (UTF-8)', text: 'The specified charset is not supported.' };
      throw e;
    }
    const scope = { folder: view.folder, meta: s.shared.meta, maxUid: view.uids[view.uids.length - 1] ?? 0, exists: view.uids.length };
    const found: number[] = [];
    // A copy: the view may change while a body search awaits reads.
    const uids = [...view.uids];
    for (const [i, u] of uids.entries()) {
      const message = view.folder.byUid(u);
      if (message && (await matches(key, { seq: i + 1, uid: u, message }, scope))) found.push(uid ? u : i + 1);
    }
    await s.send(`* SEARCH${found.map((n) => ` ${n}`).join('')}\r\n`);
    return ok('SEARCH');
  },
};
