import { TEXT } from '../responses.js';
import { parseSearchDate } from '../wire/formatter.js';
import { ImapSyntaxError, type ImapToken } from '../wire/parser.js';
import { parseSequenceSet, SequenceSetError, type SequenceRange } from '../wire/sequence.js';

/** A SEARCH key (RFC 3501 §6.4.4) as a tree. */
export type SearchKey =
  | { kind: 'all' }
  | { kind: 'and'; keys: SearchKey[] }
  | { kind: 'or'; a: SearchKey; b: SearchKey }
  | { kind: 'not'; key: SearchKey }
  | { kind: 'flag'; flag: string; set: boolean }
  | { kind: 'recent'; set: boolean }
  | { kind: 'new' }
  | { kind: 'address'; field: 'from' | 'to' | 'cc' | 'bcc'; text: string }
  | { kind: 'subject'; text: string }
  | { kind: 'header'; name: string; text: string }
  | { kind: 'body'; text: string }
  | { kind: 'text'; text: string }
  | { kind: 'date'; of: 'internal' | 'sent'; op: 'since' | 'before' | 'on'; day: number }
  | { kind: 'size'; op: 'larger' | 'smaller'; n: number }
  | { kind: 'uid'; ranges: SequenceRange[] }
  | { kind: 'seq'; ranges: SequenceRange[] };

const FLAG_KEYS: Record<string, [string, boolean]> = {
  ANSWERED: ['\\Answered', true], UNANSWERED: ['\\Answered', false],
  DELETED: ['\\Deleted', true], UNDELETED: ['\\Deleted', false],
  DRAFT: ['\\Draft', true], UNDRAFT: ['\\Draft', false],
  FLAGGED: ['\\Flagged', true], UNFLAGGED: ['\\Flagged', false],
  SEEN: ['\\Seen', true], UNSEEN: ['\\Seen', false],
};

/** Thrown for a CHARSET other than UTF-8 / US-ASCII: NO [BADCHARSET]. */
export class BadCharsetError extends Error {}

/** Parses SEARCH's arguments (after an optional CHARSET) into one AND of keys. */
export function parseSearch(args: readonly ImapToken[]): SearchKey {
  const tokens = [...args];
  const first = tokens[0];
  if (first?.type === 'atom' && first.value.toUpperCase() === 'CHARSET') {
    const cs = tokens[1];
    const name = cs?.type === 'atom' ? cs.value : cs?.type === 'string' ? cs.value.toString('latin1') : '';
    if (!/^(utf-8|us-ascii)$/i.test(name)) throw new BadCharsetError(name);
    tokens.splice(0, 2);
  }
  if (tokens.length === 0) throw new ImapSyntaxError(TEXT.argumentError);
  const keys: SearchKey[] = [];
  while (tokens.length > 0) keys.push(parseKey(tokens));
  return keys.length === 1 ? (keys[0] as SearchKey) : { kind: 'and', keys };
}

function parseKey(tokens: ImapToken[]): SearchKey {
  const t = tokens.shift();
  if (!t) throw new ImapSyntaxError(TEXT.argumentError);
  if (t.type === 'list') {
    const inner = [...t.items];
    const keys: SearchKey[] = [];
    while (inner.length > 0) keys.push(parseKey(inner));
    if (keys.length === 0) throw new ImapSyntaxError(TEXT.argumentError);
    return keys.length === 1 ? (keys[0] as SearchKey) : { kind: 'and', keys };
  }
  if (t.type !== 'atom') throw new ImapSyntaxError(TEXT.argumentError);
  const key = t.value.toUpperCase();
  const flag = FLAG_KEYS[key];
  if (flag) return { kind: 'flag', flag: flag[0], set: flag[1] };
  switch (key) {
    case 'ALL': return { kind: 'all' };
    case 'NEW': return { kind: 'new' };
    case 'RECENT': return { kind: 'recent', set: true };
    case 'OLD': return { kind: 'recent', set: false };
    case 'KEYWORD': return { kind: 'flag', flag: text(tokens), set: true };
    case 'UNKEYWORD': return { kind: 'flag', flag: text(tokens), set: false };
    case 'FROM': case 'TO': case 'CC': case 'BCC':
      return { kind: 'address', field: key.toLowerCase() as 'from', text: text(tokens) };
    case 'SUBJECT': return { kind: 'subject', text: text(tokens) };
    case 'BODY': return { kind: 'body', text: text(tokens) };
    case 'TEXT': return { kind: 'text', text: text(tokens) };
    case 'HEADER': {
      const name = text(tokens);
      return { kind: 'header', name: name.toLowerCase(), text: text(tokens) };
    }
    case 'SINCE': case 'BEFORE': case 'ON':
      return { kind: 'date', of: 'internal', op: key.toLowerCase() as 'since', day: date(tokens) };
    case 'SENTSINCE': case 'SENTBEFORE': case 'SENTON':
      return { kind: 'date', of: 'sent', op: key.slice(4).toLowerCase() as 'since', day: date(tokens) };
    case 'LARGER': case 'SMALLER':
      return { kind: 'size', op: key.toLowerCase() as 'larger', n: number(tokens) };
    case 'UID': return { kind: 'uid', ranges: ranges(tokens.shift()) };
    case 'NOT': return { kind: 'not', key: parseKey(tokens) };
    case 'OR': {
      const a = parseKey(tokens);
      return { kind: 'or', a, b: parseKey(tokens) };
    }
    default:
      if (/^[\d:*,]+$/.test(key)) return { kind: 'seq', ranges: ranges(t) };
      throw new ImapSyntaxError(TEXT.argumentError);
  }
}

function text(tokens: ImapToken[]): string {
  const t = tokens.shift();
  if (t?.type === 'atom') return t.value;
  if (t?.type === 'string') return t.value.toString('utf8');
  throw new ImapSyntaxError(TEXT.argumentError);
}

function date(tokens: ImapToken[]): number {
  const d = parseSearchDate(text(tokens));
  if (d === undefined) throw new ImapSyntaxError(TEXT.argumentError);
  return d;
}

function number(tokens: ImapToken[]): number {
  const v = text(tokens);
  if (!/^\d+$/.test(v)) throw new ImapSyntaxError(TEXT.argumentError);
  return Number(v);
}

function ranges(t: ImapToken | undefined): SequenceRange[] {
  if (t?.type !== 'atom') throw new ImapSyntaxError(TEXT.argumentError);
  try {
    return parseSequenceSet(t.value);
  } catch (e) {
    if (e instanceof SequenceSetError) throw new ImapSyntaxError(TEXT.argumentError);
    throw e;
  }
}
