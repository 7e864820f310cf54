/**
 * Response data (RFC 3501 §9 response grammar) to bytes: atoms, numbers, NIL, quoted strings,
 * literals and lists. Text that cannot be quoted (CR, LF, 8-bit, or long) goes as a literal.
 */

export type ImapValue =
  | null
  | number
  | { atom: string }
  | { quoted: string }
  | { literal: Buffer }
  | ImapValue[];

/** A string: quoted when it is short 7-bit text, else a literal. */
export function str(value: string | Buffer): ImapValue {
  const buf = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  if (buf.length > 1024) return { literal: buf };
  for (const c of buf) if (c > 0x7e || c === 0x0d || c === 0x0a || c === 0) return { literal: buf };
  return { quoted: buf.toString('latin1') };
}

/** A string or NIL. */
export function nstr(value: string | Buffer | undefined | null): ImapValue {
  return value === undefined || value === null ? null : str(value);
}

/** Serializes values separated by spaces. */
export function formatValues(values: readonly ImapValue[]): Buffer {
  const out: Buffer[] = [];
  values.forEach((v, i) => {
    if (i > 0) out.push(SPACE);
    write(v, out);
  });
  return Buffer.concat(out);
}

const SPACE = Buffer.from(' ');

function write(v: ImapValue, out: Buffer[]): void {
  if (v === null) {
    out.push(Buffer.from('NIL'));
  } else if (typeof v === 'number') {
    out.push(Buffer.from(String(v)));
  } else if (Array.isArray(v)) {
    out.push(Buffer.from('('));
    v.forEach((item, i) => {
      if (i > 0) out.push(SPACE);
      write(item, out);
    });
    out.push(Buffer.from(')'));
  } else if ('atom' in v) {
    out.push(Buffer.from(v.atom, 'utf8'));
  } else if ('quoted' in v) {
    out.push(Buffer.from(`"${v.quoted.replace(/[\\"]/g, (c) => `\\${c}`)}"`, 'latin1'));
  } else {
    out.push(Buffer.from(`{${v.literal.length}}\r\n`), v.literal);
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** INTERNALDATE's date-time: "17-Jul-1996 02:44:25 +0000" (the sandbox keeps UTC). */
export function internalDate(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}-${MONTHS[d.getUTCMonth()]}-${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** Parses APPEND's date-time ("17-Jul-1996 02:44:25 -0700"), undefined when malformed. */
export function parseInternalDate(text: string): number | undefined {
  const m = /^\s?(\d{1,2})-([A-Za-z]{3})-(\d{4}) (\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$/.exec(text);
  if (!m) return undefined;
  const month = MONTHS.findIndex((x) => x.toLowerCase() === (m[2] ?? '').toLowerCase());
  if (month < 0) return undefined;
  const utc = Date.UTC(Number(m[3]), month, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  const offset = (Number(m[8]) * 60 + Number(m[9])) * 60_000 * (m[7] === '-' ? -1 : 1);
  return utc - offset;
}

/** SEARCH's date ("1-Feb-1994") as the UTC midnight it names, undefined when malformed. */
export function parseSearchDate(text: string): number | undefined {
  const m = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(text);
  if (!m) return undefined;
  const month = MONTHS.findIndex((x) => x.toLowerCase() === (m[2] ?? '').toLowerCase());
  if (month < 0) return undefined;
  return Date.UTC(Number(m[3]), month, Number(m[1]));
}
