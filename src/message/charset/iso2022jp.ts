/**
 * ISO-2022-JP, hand-written because iconv-lite has no ISO-2022-JP codec at all, and the
 * decoders that do exist (encoding-japanese, used by libmime) follow JIS, not Microsoft: they
 * give U+301C for the wave dash and lose what Windows mailers put under this label. We
 * translate the JIS escape segments to CP932 cells (see jis.ts, cp932.ts), which is what
 * CP50220/CP50221 amount to, and also read the sets of ISO-2022-JP-1 (JIS X 0212),
 * ISO-2022-JP-2 (GB 2312, KS C 5601, ISO-8859-1/-7 behind ESC N) and ISO-2022-JP-3/-2004
 * (JIS X 0213 planes 1 and 2, see jisx0213-table.ts).
 */
import iconv from 'iconv-lite';
import { Cp932TextBuilder, decodeCp932, decodeJisX0212, jisCell } from './cp932.js';
import { jisToSjis } from './jis.js';
import { PLANE1, PLANE2 } from './jisx0213-table.js';

const ESC = 0x1b;
const SO = 0x0e;
const SI = 0x0f;

type Mode = 'ascii' | 'jisx0208' | 'katakana' | 'jisx0212' | 'jisx0213-1' | 'jisx0213-2' | 'gb2312' | 'ksc5601';
type G2 = 'latin1' | 'greek';

/** Escape sequences (bytes after ESC) → mode, including the variants real mail carries. */
const ESCAPES: ReadonlyArray<readonly [number[], Mode | G2 | 'unchanged']> = [
  [[0x28, 0x42], 'ascii'], // ESC ( B  ASCII
  [[0x28, 0x4a], 'ascii'], // ESC ( J  JIS X 0201 Roman: Windows decodes it as ASCII too
  [[0x28, 0x48], 'ascii'], // ESC ( H  an old mistaken form of ( J
  [[0x28, 0x49], 'katakana'], // ESC ( I  JIS X 0201 half-width katakana (CP50221)
  [[0x24, 0x40], 'jisx0208'], // ESC $ @  JIS C 6226-1978
  [[0x24, 0x42], 'jisx0208'], // ESC $ B  JIS X 0208-1983
  [[0x24, 0x28, 0x42], 'jisx0208'], // ESC $ ( B
  [[0x24, 0x28, 0x4f], 'jisx0213-1'], // ESC $ ( O  JIS X 0213:2000 plane 1 (ISO-2022-JP-3)
  [[0x24, 0x28, 0x51], 'jisx0213-1'], // ESC $ ( Q  JIS X 0213:2004 plane 1 (ISO-2022-JP-2004)
  [[0x24, 0x28, 0x50], 'jisx0213-2'], // ESC $ ( P  JIS X 0213 plane 2
  [[0x24, 0x28, 0x44], 'jisx0212'], // ESC $ ( D  JIS X 0212 (ISO-2022-JP-1)
  [[0x24, 0x41], 'gb2312'], // ESC $ A  GB 2312 (ISO-2022-JP-2)
  [[0x24, 0x28, 0x43], 'ksc5601'], // ESC $ ( C  KS C 5601 (ISO-2022-JP-2)
  [[0x2e, 0x41], 'latin1'], // ESC . A  ISO-8859-1 high half as G2 (ISO-2022-JP-2)
  [[0x2e, 0x46], 'greek'], // ESC . F  ISO-8859-7 high half as G2 (ISO-2022-JP-2)
  [[0x26, 0x40], 'unchanged'], // ESC & @  announces JIS X 0208-1990; the ESC $ B after it switches
];

function matchEscape(buf: Uint8Array, i: number): { mode: Mode | G2 | 'unchanged'; length: number } | undefined {
  for (const [seq, mode] of ESCAPES) {
    if (seq.every((b, k) => buf[i + 1 + k] === b)) return { mode, length: seq.length + 1 };
  }
  return undefined;
}

/** One two-byte character of a 94×94 set other than JIS X 0208. */
function decodeDoubleByte(mode: Mode, j1: number, j2: number): string {
  switch (mode) {
    case 'jisx0212':
      return decodeJisX0212(j1, j2);
    case 'jisx0213-1':
      return PLANE1[j1]?.[j2 - 0x21] || jisCell(j1, j2);
    case 'jisx0213-2':
      return PLANE2[j1]?.[j2 - 0x21] || '\ufffd';
    case 'gb2312':
      return iconv.decode(Buffer.from([j1 | 0x80, j2 | 0x80]), 'gb2312');
    case 'ksc5601':
      return iconv.decode(Buffer.from([j1 | 0x80, j2 | 0x80]), 'euc-kr');
    default:
      return jisCell(j1, j2);
  }
}

/** Decodes ISO-2022-JP (any CP5022x variant, and -1/-2/-3/-2004) as Outlook shows it. */
export function decodeIso2022jp(buf: Uint8Array): string {
  const out = new Cp932TextBuilder();
  let mode: Mode = 'ascii';
  let g2: G2 | undefined;
  let shifted = false; // SO … SI half-width katakana (CP50222)
  let previousMode: Mode = 'ascii';
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i] as number;
    if (b === ESC) {
      if (buf[i + 1] === 0x4e && g2 && buf[i + 2] !== undefined) {
        // ESC N: single shift 2, the next byte is from G2
        const c = (buf[i + 2] as number) | 0x80;
        out.pushText(iconv.decode(Buffer.from([c]), g2 === 'latin1' ? 'latin1' : 'iso-8859-7'));
        i += 2;
        continue;
      }
      const esc = matchEscape(buf, i);
      if (esc) {
        if (esc.mode === 'latin1' || esc.mode === 'greek') g2 = esc.mode;
        else if (esc.mode !== 'unchanged') mode = esc.mode;
        i += esc.length - 1;
        continue;
      }
    }
    if (b === SO) {
      shifted = true;
      previousMode = mode;
      continue;
    }
    if (b === SI) {
      shifted = false;
      mode = previousMode;
      continue;
    }
    if (b === 0x0d || b === 0x0a) {
      // RFC 1468 wants ASCII before a line break; mailers that forget still mean a new line.
      mode = 'ascii';
      shifted = false;
      out.pushByte(b);
      continue;
    }
    if (b >= 0x80) {
      // 8-bit bytes are not ISO-2022-JP, but mail mislabelled as ISO-2022-JP is often raw
      // Shift_JIS (or 8-bit half-width kana, which CP50221 accepts): keep them as CP932 bytes.
      out.pushByte(b);
      continue;
    }
    if (shifted || mode === 'katakana') {
      out.pushByte(b >= 0x21 && b <= 0x5f ? b + 0x80 : b);
      continue;
    }
    if (mode !== 'ascii' && b >= 0x21 && b <= 0x7e) {
      const b2 = buf[i + 1];
      if (b2 === undefined || b2 < 0x21 || b2 > 0x7e) {
        out.pushText('\ufffd'); // half a character: shown as a replacement, as Outlook does
        continue;
      }
      out.pushText(decodeDoubleByte(mode, b, b2));
      i++;
      continue;
    }
    out.pushByte(b);
  }
  return out.toString();
}

// ---------------------------------------------------------------- encoding (CP50220-like)

let reverseTable: Map<number, [number, number]> | undefined;

/**
 * Unicode → JIS pair for everything CP932 has inside the 94×94 plane, standard rows first, then
 * NEC row 13, then the NEC-selected IBM rows 89–92. Walking the plane in code order gives that
 * preference, the same one CP50220 uses. Built once, lazily (8836 lookups).
 */
function jisTable(): Map<number, [number, number]> {
  if (reverseTable) return reverseTable;
  const table = new Map<number, [number, number]>();
  for (let j1 = 0x21; j1 <= 0x7e; j1++) {
    for (let j2 = 0x21; j2 <= 0x7e; j2++) {
      const ch = decodeCp932(Uint8Array.from(jisToSjis(j1, j2)));
      const cp = ch.codePointAt(0);
      if (ch.length !== 1 || cp === undefined || cp === 0xfffd) continue;
      if (!table.has(cp)) table.set(cp, [j1, j2]);
    }
  }
  // The JIS/Unicode-consortium mappings of the same cells, so text typed on a Mac or Linux
  // (〜 U+301C, − U+2212, …) still encodes instead of failing.
  const jisStandard: Array<[number, number, number]> = [
    [0x301c, 0x21, 0x41], [0x2016, 0x21, 0x42], [0x2212, 0x21, 0x5d], [0x00a2, 0x21, 0x71],
    [0x00a3, 0x21, 0x72], [0x00ac, 0x22, 0x4c], [0x2014, 0x21, 0x3d],
  ];
  for (const [cp, j1, j2] of jisStandard) if (!table.has(cp)) table.set(cp, [j1, j2]);
  // CP932's IBM extension rows (0xFA–0xFC) are outside the plane, but every character there also
  // has a cell inside it (rows 2, 13 or 89–92), which the walk above already found.
  reverseTable = table;
  return table;
}

/** ¥ and ‾ have no JIS X 0208 cell; CP932 (and Outlook) write them as \\ and ~. */
const CP932_ASCII_FALLBACK: ReadonlyMap<number, number> = new Map([[0x00a5, 0x5c], [0x203e, 0x7e]]);

const HALF_WIDTH_KATAKANA = /[\uff61-\uff9f]+/g;

export interface Iso2022jpEncoding {
  bytes: Buffer;
  /** Characters ISO-2022-JP cannot carry (emoji, most non-Japanese scripts). */
  unmappable: string[];
}

/**
 * Encodes text as ISO-2022-JP the way CP50220 does: half-width katakana become full-width
 * (ISO-2022-JP proper has no half-width set), NEC/IBM characters are kept through their CP932
 * cells. Unmappable characters become 〓 (GETA MARK, the Japanese convention) and are reported.
 */
export function encodeIso2022jp(text: string): Iso2022jpEncoding {
  const table = jisTable();
  const source = text.replace(HALF_WIDTH_KATAKANA, (run) => run.normalize('NFKC'));
  const out: number[] = [];
  const unmappable: string[] = [];
  let kanji = false;
  const toAscii = () => {
    if (kanji) out.push(ESC, 0x28, 0x42);
    kanji = false;
  };
  const toKanji = () => {
    if (!kanji) out.push(ESC, 0x24, 0x42);
    kanji = true;
  };
  for (const ch of source) {
    const cp = ch.codePointAt(0) as number;
    if (cp < 0x80) {
      toAscii();
      // ESC/SO/SI in the text would be read as shifts by the receiver.
      out.push(cp === ESC || cp === SO || cp === SI ? 0x3f : cp);
      continue;
    }
    const ascii = CP932_ASCII_FALLBACK.get(cp);
    if (ascii !== undefined) {
      toAscii();
      out.push(ascii);
      continue;
    }
    let pair = table.get(cp);
    if (!pair) {
      unmappable.push(ch);
      pair = [0x22, 0x2e];
    }
    toKanji();
    out.push(pair[0], pair[1]);
  }
  toAscii();
  return { bytes: Buffer.from(out), unmappable };
}
