import type { SectionSpec } from './mime/sections.js';
import { TEXT } from './responses.js';
import { ImapSyntaxError, tokenizeText, type ImapToken } from './wire/parser.js';

/** One FETCH data item (RFC 3501 §6.4.5). */
export type FetchItem =
  | { kind: 'FLAGS' | 'UID' | 'INTERNALDATE' | 'RFC822.SIZE' | 'ENVELOPE' | 'BODYSTRUCTURE' | 'BODY' }
  | {
      kind: 'SECTION';
      section: SectionSpec;
      peek: boolean;
      partial?: { start: number; length?: number };
      /** RFC822, RFC822.HEADER and RFC822.TEXT answer under their own names. */
      alias?: 'RFC822' | 'RFC822.HEADER' | 'RFC822.TEXT';
    };

const MACROS: Record<string, string[]> = {
  ALL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE'],
  FAST: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'],
  FULL: ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODY'],
};

const SIMPLE = new Set(['FLAGS', 'UID', 'INTERNALDATE', 'RFC822.SIZE', 'ENVELOPE', 'BODYSTRUCTURE', 'BODY']);

/** The items of `FETCH set items`: one atom, a macro, or a parenthesised list. */
export function parseFetchItems(arg: ImapToken | undefined): FetchItem[] {
  if (!arg) throw new ImapSyntaxError(TEXT.argumentError);
  const atoms = arg.type === 'list' ? arg.items : [arg];
  const out: FetchItem[] = [];
  for (const t of atoms) {
    if (t.type !== 'atom') throw new ImapSyntaxError(TEXT.argumentError);
    const macro = arg.type === 'atom' ? MACROS[t.value.toUpperCase()] : undefined;
    if (macro) {
      for (const m of macro) out.push({ kind: m } as FetchItem);
      continue;
    }
    out.push(parseItem(t.value));
  }
  return out;
}

function parseItem(text: string): FetchItem {
  const upper = text.toUpperCase();
  if (SIMPLE.has(upper)) return { kind: upper } as FetchItem;
  if (upper === 'RFC822') return { kind: 'SECTION', section: { path: [], kind: '' }, peek: false, alias: 'RFC822' };
  if (upper === 'RFC822.HEADER') return { kind: 'SECTION', section: { path: [], kind: 'HEADER' }, peek: true, alias: 'RFC822.HEADER' };
  if (upper === 'RFC822.TEXT') return { kind: 'SECTION', section: { path: [], kind: 'TEXT' }, peek: false, alias: 'RFC822.TEXT' };
  const m = /^BODY(\.PEEK)?\[(.*)\](?:<(\d+)(?:\.(\d+))?>)?$/is.exec(text);
  if (!m) throw new ImapSyntaxError(TEXT.argumentError);
  const partial = m[3] !== undefined ? { start: Number(m[3]), ...(m[4] !== undefined ? { length: Number(m[4]) } : {}) } : undefined;
  return { kind: 'SECTION', section: parseSection(m[2] ?? ''), peek: m[1] !== undefined, ...(partial ? { partial } : {}) };
}

/** "1.2.HEADER.FIELDS (From To)" → path [1, 2], kind, fields. */
export function parseSection(text: string): SectionSpec {
  if (text.trim() === '') return { path: [], kind: '' };
  const tokens = tokenizeText(text);
  const head = tokens[0];
  if (head?.type !== 'atom') throw new ImapSyntaxError(TEXT.argumentError);
  const parts = head.value.split('.');
  const path: number[] = [];
  while (parts.length > 0 && /^\d+$/.test(parts[0] as string)) {
    const n = Number(parts.shift());
    if (n === 0) throw new ImapSyntaxError(TEXT.argumentError);
    path.push(n);
  }
  const kind = parts.join('.').toUpperCase();
  if (kind === '' && tokens.length === 1) return { path, kind: '' };
  if (kind === 'HEADER' || kind === 'TEXT') return { path, kind };
  if (kind === 'MIME' && path.length > 0) return { path, kind };
  if (kind === 'HEADER.FIELDS' || kind === 'HEADER.FIELDS.NOT') {
    const list = tokens[1];
    if (list?.type !== 'list' || list.items.length === 0) throw new ImapSyntaxError(TEXT.argumentError);
    const fields = list.items.map((f) => (f.type === 'atom' ? f.value : f.type === 'string' ? f.value.toString('latin1') : ''));
    if (fields.some((f) => f === '')) throw new ImapSyntaxError(TEXT.argumentError);
    return { path, kind, fields };
  }
  throw new ImapSyntaxError(TEXT.argumentError);
}
