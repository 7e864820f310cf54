import { WireBuffer } from '../../protocols/wire-buffer.js';

/**
 * Reading one client command before login (RFC 9051 §2.2, §4.3): a tag, a command name and
 * arguments that are atoms, quoted strings or literals (`{n}` answered with `+`, `{n+}` under
 * LITERAL+, RFC 7888). Parentheses are single tokens, so `ID ("name" "x")` reads without error.
 * This is the whole IMAP grammar the gateway understands; after login it relays bytes and
 * parses nothing.
 */

export interface ImapCommand {
  tag: string;
  /** Upper-cased. */
  name: string;
  /** Arguments with quoting and literals undone (bytes decoded as UTF-8). */
  args: string[];
}

export type ReadResult =
  | { kind: 'command'; command: ImapCommand }
  /** A line that is not a command; `tag` when one could be read. */
  | { kind: 'bad'; tag?: string; reason: string }
  /** The literal was refused before it was read (`sync`: the client waits, the session can go on). */
  | { kind: 'literal-refused'; tag: string; name: string; sync: boolean; reason: string };

export interface ReadLimits {
  /** Longest line. */
  maxLine: number;
  /** Largest literal, and all literals of one command together. */
  maxLiteral: number;
}

/** Says whether a literal of `size` may be read for command `name` (a reason refuses it). */
export type LiteralGate = (name: string, size: number) => string | undefined;

const TAG = /^[\x21-\x7e]+$/;

export async function readImapCommand(
  buffer: WireBuffer,
  continueLiteral: () => void,
  limits: ReadLimits,
  gate: LiteralGate,
): Promise<ReadResult> {
  let line = lineString(await buffer.readLine(limits.maxLine));
  const firstSpace = line.indexOf(' ');
  const tag = firstSpace > 0 ? line.slice(0, firstSpace) : line;
  if (!tag || !TAG.test(tag) || tag.includes('{') || tag.includes('"') || tag === '*' || tag === '+') {
    return { kind: 'bad', reason: 'a command must start with a tag' };
  }
  if (firstSpace < 0) return { kind: 'bad', tag, reason: 'no command name' };
  const args: string[] = [];
  let pos = firstSpace + 1;
  let literalBytes = 0;
  let name: string | undefined;
  for (;;) {
    if (pos >= line.length) break;
    const c = line[pos];
    if (c === ' ') {
      pos++;
      continue;
    }
    if (c === '(' || c === ')') {
      args.push(c);
      pos++;
      continue;
    }
    if (c === '"') {
      const q = readQuoted(line, pos);
      if (!q) return { kind: 'bad', tag, reason: 'an unterminated quoted string' };
      args.push(q.value);
      pos = q.end;
      continue;
    }
    const lit = /^\{(\d{1,10})(\+?)\}$/.exec(line.slice(pos));
    if (lit) {
      const size = Number(lit[1]);
      const sync = lit[2] !== '+';
      name ??= args.shift()?.toUpperCase();
      const cmdName = name ?? '';
      literalBytes += size;
      const refusal = literalBytes > limits.maxLiteral ? 'literal too large' : gate(cmdName, size);
      if (refusal) return { kind: 'literal-refused', tag, name: cmdName, sync, reason: refusal };
      if (sync) continueLiteral();
      args.push((await buffer.readExact(size)).toString('utf8'));
      line = lineString(await buffer.readLine(limits.maxLine));
      pos = 0;
      continue;
    }
    let end = pos;
    while (end < line.length && line[end] !== ' ' && line[end] !== '(' && line[end] !== ')') end++;
    args.push(line.slice(pos, end));
    pos = end;
  }
  name ??= args.shift()?.toUpperCase();
  if (!name) return { kind: 'bad', tag, reason: 'no command name' };
  return { kind: 'command', command: { tag, name, args } };
}

function lineString(line: Buffer): string {
  let end = line.length;
  if (end > 0 && line[end - 1] === 0x0a) end--;
  if (end > 0 && line[end - 1] === 0x0d) end--;
  return line.subarray(0, end).toString('utf8');
}

/** A quoted string from `start` (the opening quote): `\"` and `\\` are its only escapes. */
function readQuoted(line: string, start: number): { value: string; end: number } | undefined {
  let value = '';
  for (let i = start + 1; i < line.length; i++) {
    const ch = line[i];
    if (ch === '\\') {
      const next = line[i + 1];
      if (next !== '"' && next !== '\\') return undefined;
      value += next;
      i++;
    } else if (ch === '"') {
      return { value, end: i + 1 };
    } else {
      value += ch ?? '';
    }
  }
  return undefined;
}
