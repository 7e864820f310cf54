import { canonicalFlag, flagList } from '../flags.js';
import { atomUpper } from '../wire/parser.js';
import { bad, no, ok, resolveSet, viewOf } from './common.js';
import { SELECTED, type CommandHandler } from './types.js';

/** STORE set (+|-)FLAGS[.SILENT] (flags), answering each changed message's FLAGS unless silent. */
export const store: CommandHandler = {
  states: SELECTED,
  async run(s, cmd, uid) {
    const view = viewOf(s);
    const targets = resolveSet(view, cmd.args[0], uid);
    const item = atomUpper(cmd.args[1]);
    const m = item ? /^([+-]?)FLAGS(\.SILENT)?$/.exec(item) : null;
    if (!m) return bad();
    const listArg = cmd.args[2];
    const raw = listArg?.type === 'list' ? listArg.items : cmd.args.slice(2);
    const flags = raw.map((t) => (t.type === 'atom' ? canonicalFlag(t.value) : undefined));
    if (flags.some((f) => f === undefined)) return bad();
    if (view.readOnly) return no('Command received in Invalid state.');
    const lines: string[] = [];
    for (const t of targets) {
      const current = new Set(t.message.flags);
      let next: Set<string>;
      if (m[1] === '+') next = new Set([...current, ...(flags as string[])]);
      else if (m[1] === '-') next = new Set([...current].filter((f) => !flags.includes(f)));
      else next = new Set(flags as string[]);
      const changed = next.size !== current.size || [...next].some((f) => !current.has(f));
      const updated = changed ? view.folder.setFlags(t.uid, next) : t.message;
      if (!m[2]) lines.push(`* ${t.seq} FETCH (FLAGS (${flagList(updated.flags)})${uid ? ` UID ${t.uid}` : ''})`);
    }
    // This session told the client already (or was asked not to): no second untagged FETCH.
    view.forgetFlags(targets.map((t) => t.uid));
    if (lines.length > 0) await s.send(`${lines.join('\r\n')}\r\n`);
    return ok('STORE');
  },
};
