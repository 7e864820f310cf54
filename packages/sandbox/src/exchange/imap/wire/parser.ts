/**
 * The IMAP4rev1 command grammar (RFC 3501 §9) as a token tree: atoms, strings (quoted or
 * literal, kept as bytes), and parenthesised lists. A command arrives from the reader as
 * text pieces with the literal after each piece but the last; the tokenizer stitches them.
 * Atoms keep `[...]` sections and `<...>` partials inside them (BODY.PEEK[HEADER.FIELDS (A B)]<0.10>)
 * so the FETCH item parser can read them with the same tokenizer.
 */

export type ImapToken =
  | { type: 'atom'; value: string }
  | { type: 'string'; value: Buffer; literal: boolean }
  | { type: 'list'; items: ImapToken[] };

export interface ImapCommand {
  tag: string;
  /** Upper case. */
  name: string;
  args: ImapToken[];
}

/** A syntax error: the session answers BAD with this text. */
export class ImapSyntaxError extends Error {}

/** What the reader hands over: text pieces, each but the last ending with a literal marker. */
export interface CommandInput {
  pieces: Buffer[];
  literals: Buffer[];
}

const SP = 0x20;
const LPAREN = 0x28;
const RPAREN = 0x29;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACE = 0x7b;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const LT = 0x3c;
const GT = 0x3e;

/** Where a piece ends in a literal marker `{n}` / `{n+}`: its length and whether it is synchronizing. */
export function literalMarker(line: Buffer): { size: number; sync: boolean; start: number } | undefined {
  const m = /\{(\d{1,12})(\+?)\}$/.exec(line.toString('latin1'));
  if (!m || m[1] === undefined) return undefined;
  return { size: Number(m[1]), sync: m[2] !== '+', start: m.index };
}

/** Tokenizes a whole command (tag, name, arguments). */
export function parseCommand(input: CommandInput): ImapCommand {
  const tokens = tokenize(input);
  const [tag, name, ...args] = tokens;
  if (!tag || tag.type !== 'atom' || !/^[\x21-\x7e]+$/.test(tag.value) || /[(){%*"\\+]/.test(tag.value)) {
    throw new ImapSyntaxError('Command Error. 10');
  }
  if (!name || name.type !== 'atom') throw Object.assign(new ImapSyntaxError('Command Error. 10'), { tag: tag.value });
  return { tag: tag.value, name: name.value.toUpperCase(), args };
}

/** Tokenizes a command's text (and its literals) into a flat list of top-level tokens. */
export function tokenize(input: CommandInput): ImapToken[] {
  const root: ImapToken[] = [];
  const stack: ImapToken[][] = [root];
  const top = () => stack[stack.length - 1] as ImapToken[];
  input.pieces.forEach((piece, index) => {
    const marker = index < input.literals.length ? literalMarker(piece) : undefined;
    const end = marker ? marker.start : piece.length;
    let i = 0;
    while (i < end) {
      const c = piece[i] as number;
      if (c === SP) {
        i++;
      } else if (c === LPAREN) {
        const list: ImapToken = { type: 'list', items: [] };
        top().push(list);
        stack.push(list.items);
        i++;
      } else if (c === RPAREN) {
        if (stack.length === 1) throw new ImapSyntaxError('Command Argument Error. 11');
        stack.pop();
        i++;
      } else if (c === DQUOTE) {
        const [value, next] = readQuoted(piece, i + 1, end);
        top().push({ type: 'string', value, literal: false });
        i = next;
      } else {
        const next = readAtomEnd(piece, i, end);
        top().push({ type: 'atom', value: piece.subarray(i, next).toString('utf8') });
        i = next;
      }
    }
    if (marker) {
      const literal = input.literals[index] as Buffer;
      top().push({ type: 'string', value: literal, literal: true });
    }
  });
  if (stack.length !== 1) throw new ImapSyntaxError('Command Argument Error. 11');
  return root;
}

function readQuoted(buf: Buffer, start: number, end: number): [Buffer, number] {
  const out: number[] = [];
  for (let i = start; i < end; i++) {
    const c = buf[i] as number;
    if (c === BACKSLASH) {
      i++;
      if (i >= end) break;
      out.push(buf[i] as number);
    } else if (c === DQUOTE) {
      return [Buffer.from(out), i + 1];
    } else {
      out.push(c);
    }
  }
  throw new ImapSyntaxError('Command Argument Error. 11');
}

/** An atom runs to a space or paren, but `[...]` (with quoted strings inside) and `<...>` belong to it. */
function readAtomEnd(buf: Buffer, start: number, end: number): number {
  let i = start;
  while (i < end) {
    const c = buf[i] as number;
    if (c === LBRACKET) {
      i = skipBracket(buf, i + 1, end);
      continue;
    }
    if (c === LT) {
      const close = buf.indexOf(GT, i);
      if (close < 0 || close >= end) throw new ImapSyntaxError('Command Argument Error. 11');
      i = close + 1;
      continue;
    }
    if (c === SP || c === LPAREN || c === RPAREN || c === DQUOTE || c < 0x20 || c === 0x7f) break;
    if (c === LBRACE && i === start) throw new ImapSyntaxError('Command Argument Error. 11');
    i++;
  }
  if (i === start) throw new ImapSyntaxError('Command Argument Error. 11');
  return i;
}

function skipBracket(buf: Buffer, start: number, end: number): number {
  let inQuote = false;
  for (let i = start; i < end; i++) {
    const c = buf[i] as number;
    if (inQuote) {
      if (c === BACKSLASH) i++;
      else if (c === DQUOTE) inQuote = false;
    } else if (c === DQUOTE) {
      inQuote = true;
    } else if (c === RBRACKET) {
      return i + 1;
    }
  }
  throw new ImapSyntaxError('Command Argument Error. 11');
}

/** Tokenizes a piece of text with no literals (a FETCH section's inside). */
export function tokenizeText(text: string): ImapToken[] {
  return tokenize({ pieces: [Buffer.from(text, 'utf8')], literals: [] });
}

/** A string argument (astring: atom, quoted or literal) as UTF-8 text. */
export function astring(t: ImapToken | undefined): string | undefined {
  if (!t) return undefined;
  if (t.type === 'atom') return t.value;
  if (t.type === 'string') return t.value.toString('utf8');
  return undefined;
}

/** An atom's value in upper case, or undefined when the token is not an atom. */
export function atomUpper(t: ImapToken | undefined): string | undefined {
  return t?.type === 'atom' ? t.value.toUpperCase() : undefined;
}
