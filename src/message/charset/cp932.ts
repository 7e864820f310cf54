import iconv from 'iconv-lite';
import { jisToSjis } from './jis.js';

/** CP932's user-defined area: 0xF040–0xF9FC, 188 cells a lead byte, U+E000–U+E757 in order. */
const USER_LEAD_FIRST = 0xf0;
const USER_LEAD_LAST = 0xf9;
const PUA_START = 0xe000;

function isLead(b: number): boolean {
  return (b >= 0x81 && b <= 0x9f) || (b >= 0xe0 && b <= 0xfc);
}

function isTrail(b: number | undefined): b is number {
  return b !== undefined && b >= 0x40 && b <= 0xfc && b !== 0x7f;
}

/** The user-defined character at lead/trail, as Microsoft's table gives it. */
function userDefined(lead: number, trail: number): string {
  const cell = trail - 0x40 - (trail > 0x7f ? 1 : 0);
  return String.fromCharCode(PUA_START + (lead - USER_LEAD_FIRST) * 188 + cell);
}

/**
 * CP932 (Windows-31J) as Microsoft's table gives it (the same as glibc's CP932 and Python's
 * cp932 on every code): iconv-lite's table is that table except the end of the user-defined area,
 * 0xF941–0xF9FC, which it leaves undefined, so the whole area is mapped here.
 * https://learn.microsoft.com/en-us/windows/win32/intl/code-page-identifiers (932)
 */
export function decodeCp932(bytes: Uint8Array): string {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!buf.some((b) => b >= USER_LEAD_FIRST && b <= USER_LEAD_LAST)) return iconv.decode(buf, 'cp932');
  let text = '';
  let start = 0;
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i] as number;
    if (!isLead(b)) continue;
    const trail = buf[i + 1];
    if (b >= USER_LEAD_FIRST && b <= USER_LEAD_LAST && isTrail(trail)) {
      text += iconv.decode(buf.subarray(start, i), 'cp932') + userDefined(b, trail);
      start = i + 2;
    }
    i++; // a lead byte always takes the next byte with it, so a trail is never read as a lead
  }
  return text + iconv.decode(buf.subarray(start), 'cp932');
}

const JIS_USER_FIRST = 0x75;
const JIS_IBM_FIRST = 0x79;
const JIS_IBM_LAST = 0x7c;

let cellCache: Map<number, string> | undefined;

/**
 * A JIS X 0208 cell as CP50221/CP51932 read it: through its CP932 code, so NEC row 13 and the
 * NEC-selected IBM rows 89–92 come out as Windows shows them. The other rows beyond the standard
 * (85–88, 93–94) are the user-defined area, U+E000 onwards, as in eucJP-ms and CP5022x. An
 * unassigned cell is one U+FFFD, not a replacement plus a stray half-width character.
 */
export function jisCell(j1: number, j2: number): string {
  cellCache ??= new Map();
  const key = (j1 << 8) | j2;
  let ch = cellCache.get(key);
  if (ch === undefined) {
    if (j1 >= JIS_USER_FIRST && (j1 < JIS_IBM_FIRST || j1 > JIS_IBM_LAST)) {
      ch = String.fromCharCode(PUA_START + (j1 - JIS_USER_FIRST) * 94 + (j2 - 0x21));
    } else {
      ch = iconv.decode(Buffer.from(jisToSjis(j1, j2)), 'cp932');
      if (ch.length !== 1) ch = '\ufffd';
    }
    cellCache.set(key, ch);
  }
  return ch;
}

/**
 * Collects text from a JIS-family stream: runs of CP932 bytes are decoded together (so a
 * character is never cut), anything decoded another way (JIS cells, JIS X 0212) is appended as text.
 */
export class Cp932TextBuilder {
  private bytes: number[] = [];
  private text = '';

  pushByte(b: number): void {
    this.bytes.push(b);
  }

  /** A JIS X 0208 character given as its two 7-bit bytes. */
  pushJis(j1: number, j2: number): void {
    this.pushText(jisCell(j1, j2));
  }

  pushText(s: string): void {
    this.flush();
    this.text += s;
  }

  toString(): string {
    this.flush();
    return this.text;
  }

  private flush(): void {
    if (this.bytes.length === 0) return;
    this.text += decodeCp932(Uint8Array.from(this.bytes));
    this.bytes = [];
  }
}

/** JIS X 0212 (supplementary kanji) via iconv-lite's EUC-JP table, which has it behind SS3 (0x8F). */
export function decodeJisX0212(j1: number, j2: number): string {
  return iconv.decode(Buffer.from([0x8f, j1 | 0x80, j2 | 0x80]), 'euc-jp');
}
