import type { Readable } from 'node:stream';
import type { Folder, StoredMessage } from '../../contract.js';
import { parseFetchItems, type FetchItem } from '../fetch-items.js';
import { flagList } from '../flags.js';
import type { MessageMeta } from '../meta.js';
import { filterHeader, sectionName, sectionRange } from '../mime/sections.js';
import type { ImapSession } from '../session.js';
import { formatValues, internalDate, type ImapValue } from '../wire/formatter.js';
import { ok, resolveSet, viewOf, type Target } from './common.js';
import { SELECTED, type CommandHandler } from './types.js';

/** A piece of a FETCH response: bytes, or a slice of the message streamed from the store. */
type Segment = Buffer | { stream: () => Readable; skip: number; length: number };

/**
 * FETCH / UID FETCH. BODY[] (whole message, with or without a partial) is streamed from the
 * store with backpressure, so a 25 MB message never sits in memory twice and a slow reader
 * holds nothing but the socket's buffer; other sections are cut from the message's bytes.
 * A non-PEEK body fetch sets \Seen and reports the new FLAGS in the same response.
 */
export const fetch: CommandHandler = {
  states: SELECTED,
  async run(s, cmd, uid) {
    const view = viewOf(s);
    const targets = resolveSet(view, cmd.args[0], uid);
    const items = parseFetchItems(cmd.args[1]);
    if (uid && !items.some((i) => i.kind === 'UID')) items.unshift({ kind: 'UID' });
    const setsSeen = !view.readOnly && items.some((i) => i.kind === 'SECTION' && !i.peek);
    for (const t of targets) {
      let message = t.message;
      const list = [...items];
      if (setsSeen && !message.flags.has('\\Seen')) {
        message = view.folder.setFlags(t.uid, [...message.flags, '\\Seen']);
        if (!list.some((i) => i.kind === 'FLAGS')) list.push({ kind: 'FLAGS' });
      }
      const segments = await render(s, view.folder, { ...t, message }, list);
      for (const seg of segments) {
        if (Buffer.isBuffer(seg)) await s.send(seg);
        else await sendStream(s, seg);
      }
      if (setsSeen) view.forgetFlags([t.uid]);
    }
    return ok('FETCH');
  },
};

async function render(s: ImapSession, folder: Folder, t: Target, items: FetchItem[]): Promise<Segment[]> {
  const m: StoredMessage = t.message;
  const needsMeta = items.some((i) => i.kind === 'ENVELOPE' || i.kind === 'BODYSTRUCTURE' || i.kind === 'BODY' || (i.kind === 'SECTION' && !isWhole(i)));
  const meta = needsMeta ? await s.shared.meta.get(folder, m) : undefined;
  let raw: Buffer | undefined;
  const bytes = async () => (raw ??= await folder.read(t.uid));
  const out: Segment[] = [Buffer.from(`* ${t.seq} FETCH (`)];
  let first = true;
  const add = (name: string, value: ImapValue | Buffer) => {
    out.push(Buffer.from(`${first ? '' : ' '}${name} `));
    out.push(Buffer.isBuffer(value) ? value : formatValues([value]));
    first = false;
  };
  for (const item of items) {
    switch (item.kind) {
      case 'UID': add('UID', t.uid); break;
      case 'FLAGS': add('FLAGS', Buffer.from(`(${flagList(m.flags)})`)); break;
      case 'INTERNALDATE': add('INTERNALDATE', { quoted: internalDate(m.receivedAt) }); break;
      case 'RFC822.SIZE': add('RFC822.SIZE', m.size); break;
      case 'ENVELOPE': add('ENVELOPE', (meta as MessageMeta).envelope); break;
      case 'BODYSTRUCTURE': add('BODYSTRUCTURE', (meta as MessageMeta).bodyStructure); break;
      case 'BODY': add('BODY', (meta as MessageMeta).body); break;
      case 'SECTION': {
        const origin = item.partial ? `<${item.partial.start}>` : '';
        const name = item.alias ?? `BODY[${sectionName(item.section)}]${origin}`;
        if (isWhole(item)) {
          const skip = Math.min(item.partial?.start ?? 0, m.size);
          const length = Math.min(item.partial?.length ?? Infinity, m.size - skip);
          out.push(Buffer.from(`${first ? '' : ' '}${name} {${length}}\r\n`));
          out.push({ stream: () => folder.stream(t.uid), skip, length });
          first = false;
          break;
        }
        const root = (meta as MessageMeta).root;
        const range = sectionRange(root, item.section);
        let data: Buffer;
        if (!range) data = Buffer.alloc(0);
        else if ('filtered' in range) data = filterHeader(await bytes(), range.node, item.section.fields ?? [], item.section.kind === 'HEADER.FIELDS.NOT');
        else data = (await bytes()).subarray(range.start, range.end);
        if (item.partial) data = data.subarray(item.partial.start, item.partial.length !== undefined ? item.partial.start + item.partial.length : undefined);
        add(name, Buffer.concat([Buffer.from(`{${data.length}}\r\n`), data]));
        break;
      }
    }
  }
  out.push(Buffer.from(')\r\n'));
  return out;
}

function isWhole(item: FetchItem): boolean {
  return item.kind === 'SECTION' && item.section.kind === '' && item.section.path.length === 0;
}

/** Sends `length` bytes of the message from offset `skip`, a chunk at a time, waiting for the socket to drain. */
async function sendStream(s: ImapSession, seg: { stream: () => Readable; skip: number; length: number }): Promise<void> {
  if (seg.length <= 0) return;
  const stream = seg.stream();
  let pos = 0;
  let sent = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      const start = Math.max(0, seg.skip - pos);
      pos += chunk.length;
      if (start >= chunk.length) continue;
      const piece = chunk.subarray(start, start + (seg.length - sent));
      await s.send(piece);
      sent += piece.length;
      if (sent >= seg.length) break;
    }
  } finally {
    stream.destroy();
  }
  // The store had fewer bytes than the size it reported: keep the literal's promise with padding.
  if (sent < seg.length) await s.send(Buffer.alloc(seg.length - sent, 0x20));
}
