/**
 * File and folder names for things named by a mail server or a sender (POP3 UIDL, IMAP UID,
 * EWS ItemId, Graph id, UIDVALIDITY): a server's id is data, never a path.
 *
 * A message's base name is `<escaped id><mark><hash>`:
 * - the escaped id keeps `a-z`, `0-9` and `-` (not as the first character), writes `A-Z` as
 *   `_` plus the lower-case letter, and every other UTF-8 byte as `~` plus two lower-case hex
 *   digits; so names are lower-case ASCII only, and equal under case folding or Unicode
 *   normalisation exactly when they are equal (no file system can merge two of them);
 * - the escaped id is cut (at an escape boundary) to ESCAPED_ID_MAX characters; `mark` is `-`
 *   when it is whole (the name then decodes back to the id) and `=` when it was cut;
 * - `hash` is 16 hex digits of SHA-256 over the exact (folder, validity, id) tuple, so two
 *   tuples that share a cut prefix, or the same id under another UIDVALIDITY, still differ.
 * The names contain no `.`, separator, control or format character, never start with `.` or
 * `-`, and are at most BASE_NAME_MAX characters (plus `.eml`).
 */
import { createHash } from 'node:crypto';
import { basename, join, relative, isAbsolute } from 'node:path';
import { StoreError } from '../errors.js';

/** What names a message for the file-name scheme. */
export interface MessageKey {
  /** The folder the id is valid in (POP3: INBOX). */
  folder: string;
  /** IMAP UIDVALIDITY, or absent where ids are permanent (POP3 UIDL, EWS, Graph). */
  validity?: string;
  /** The server's id (IMAP UID, POP3 UIDL, EWS ItemId, Graph id). */
  id: string;
}

export const ESCAPED_ID_MAX = 96;
const HASH_HEX = 16;
export const BASE_NAME_MAX = ESCAPED_ID_MAX + 1 + HASH_HEX;
const WHOLE = '-';
const CUT = '=';
/** The escaped form of the empty id: a lone `~` is no valid escape, so it cannot mean anything else. */
const EMPTY = '~';

/** The escaped id (see the module comment), cut to `max` characters at an escape boundary. */
export function escapeId(id: string, max = ESCAPED_ID_MAX): { text: string; whole: boolean } {
  if (id === '') return { text: EMPTY, whole: true };
  let text = '';
  const bytes = Buffer.from(id, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    let piece: string;
    if ((b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || (b === 0x2d && i > 0)) piece = String.fromCharCode(b);
    else if (b >= 0x41 && b <= 0x5a) piece = `_${String.fromCharCode(b + 0x20)}`;
    else piece = `~${b.toString(16).padStart(2, '0')}`;
    if (text.length + piece.length > max) return { text, whole: false };
    text += piece;
  }
  return { text, whole: true };
}

/** The inverse of escapeId for a whole escaped id; undefined for text escapeId never writes. */
export function unescapeId(text: string): string | undefined {
  if (text === EMPTY) return '';
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (/[a-z0-9]/.test(c) || (c === '-' && i > 0)) out.push(c.charCodeAt(0));
    else if (c === '_' && /[a-z]/.test(text[i + 1] ?? '')) out.push((text[++i] as string).charCodeAt(0) - 0x20);
    else if (c === '~' && /^[0-9a-f]{2}$/.test(text.slice(i + 1, i + 3))) {
      const b = parseInt(text.slice(i + 1, i + 3), 16);
      // escapeId writes these bytes literally or as `_x`: another spelling would be a second name for one id
      if ((b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b === 0x2d && i > 0))
        return undefined;
      out.push(b);
      i += 2;
    } else return undefined;
  }
  const id = Buffer.from(out).toString('utf8');
  return Buffer.from(id, 'utf8').equals(Buffer.from(out)) ? id : undefined;
}

function tupleHash(key: MessageKey): string {
  // JSON of an array is unambiguous: no two tuples serialise alike.
  const input = JSON.stringify(['mailbridge-message-v1', key.folder, key.validity ?? null, key.id]);
  return createHash('sha256').update(input, 'utf8').digest('hex').slice(0, HASH_HEX);
}

/** The base name of a message (its attachments' folder); the .eml file adds `.eml`. */
export function messageBaseName(key: MessageKey): string {
  const { text, whole } = escapeId(key.id);
  return `${text}${whole ? WHOLE : CUT}${tupleHash(key)}`;
}

/** `<base name>.eml`. */
export function messageFileName(key: MessageKey): string {
  return `${messageBaseName(key)}.eml`;
}

/** What a base name says: the id when it was kept whole, and the hash of the tuple. */
export function parseMessageBaseName(name: string): { id?: string; hash: string } | undefined {
  const m = new RegExp(`^(.+)([${WHOLE}${CUT}])([0-9a-f]{${HASH_HEX}})$`).exec(name);
  if (!m) return undefined;
  const [, text = '', mark, hash = ''] = m;
  if (mark === CUT) return { hash };
  const id = unescapeId(text);
  return id === undefined ? undefined : { id, hash };
}

/** True when `key` is the message `name` (a base name, or a file name with `.eml`) stands for. */
export function nameMatches(name: string, key: MessageKey): boolean {
  return name.replace(/\.eml$/, '') === messageBaseName(key);
}

/** A folder name for a value a server chose (e.g. an old UIDVALIDITY): `<prefix>=<escaped value>`. */
export function labelledName(prefix: string, value: string): string {
  return `${prefix}=${escapeId(value).text}-${tupleHash({ folder: prefix, id: value })}`;
}

/**
 * `dir/name`, refusing any name that is not one plain entry of `dir` (empty, `.`, `..`,
 * separators, NUL): a second line of defence under the encodings above.
 */
export function childPath(dir: string, name: string): string {
  const path = join(dir, name);
  const rel = relative(dir, path);
  if (
    name === '' ||
    name === '.' ||
    name === '..' ||
    /[/\\\0]/.test(name) ||
    rel !== name ||
    isAbsolute(rel) ||
    basename(path) !== name
  ) {
    throw new StoreError({
      code: 'UNSAFE_FILE_NAME',
      message: `refusing to write ${JSON.stringify(name)} in ${dir}: it is not a plain file name`,
      hint: "this is a bug in mailbridge's file naming; report it with the server id that caused it",
      details: { dir },
    });
  }
  return path;
}
