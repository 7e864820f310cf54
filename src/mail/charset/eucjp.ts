/**
 * EUC-JP decoded as Microsoft's CP51932 / eucJP-ms: the two-byte set is JIS X 0208 with NEC
 * row 13 and the NEC-selected IBM rows 89–92, so it goes through the same JIS → CP932 path as
 * ISO-2022-JP. iconv-lite's own euc-jp table (WHATWG) lacks rows 89–92 (髙 comes out as U+FFFD),
 * which is why the two-byte part is not left to it; JIS X 0212 behind SS3 is.
 */
import { Cp932TextBuilder, decodeJisX0212 } from './cp932.js';

const SS2 = 0x8e; // half-width katakana follows
const SS3 = 0x8f; // JIS X 0212 follows

export function decodeEucJp(buf: Uint8Array): string {
  const out = new Cp932TextBuilder();
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i] as number;
    if (b < 0x80) {
      out.pushByte(b);
      continue;
    }
    const b2 = buf[i + 1];
    if (b === SS2 && b2 !== undefined && b2 >= 0xa1 && b2 <= 0xdf) {
      out.pushByte(b2); // CP932 has half-width katakana at the same single-byte values
      i++;
      continue;
    }
    const b3 = buf[i + 2];
    if (b === SS3 && b2 !== undefined && b3 !== undefined && b2 >= 0xa1 && b3 >= 0xa1) {
      out.pushText(decodeJisX0212(b2 & 0x7f, b3 & 0x7f));
      i += 2;
      continue;
    }
    if (b >= 0xa1 && b <= 0xfe && b2 !== undefined && b2 >= 0xa1 && b2 <= 0xfe) {
      out.pushJis(b & 0x7f, b2 & 0x7f);
      i++;
      continue;
    }
    out.pushText('\ufffd');
  }
  return out.toString();
}
