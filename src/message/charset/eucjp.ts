/**
 * EUC-JP decoded as Outlook and Thunderbird show it: the two-byte set is JIS X 0208 with NEC
 * row 13 and the NEC-selected IBM rows 89–92 (Microsoft's CP51932, and the WHATWG EUC-JP index
 * Thunderbird uses), so it goes through the same JIS cell path as ISO-2022-JP. iconv-lite's own
 * euc-jp table lacks rows 89–92 (髙 comes out as U+FFFD), which is why the two-byte part is not
 * left to it. Behind SS3 (0x8F): JIS X 0212 (iconv-lite's table), then what eucJP-ms adds there,
 * which CP51932 has no room for: the IBM extensions that JIS X 0212 lacks (0x8FF3F3–0x8FF4FE)
 * and the second half of the user-defined area (0x8FF5A1–0x8FFEFE → U+E3AC–U+E757).
 *
 * Where eucJP-ms (glibc's EUC-JP-MS) and Outlook differ: two-byte rows 0xF9–0xFC are the
 * NEC-selected IBM kanji here (Outlook, Thunderbird) and user-defined characters in eucJP-ms.
 */
import { Cp932TextBuilder, decodeJisX0212 } from './cp932.js';

const SS2 = 0x8e; // half-width katakana follows
const SS3 = 0x8f; // JIS X 0212 or eucJP-ms's extensions follow

/** eucJP-ms 0x8FF3F3…0x8FF4FE in code order (from glibc's EUC-JP-MS table). */
const EUCJPMS_IBM =
  '\u2170\u2171\u2172\u2173\u2174\u2175\u2176\u2177\u2178\u2179\u2160\u2161\u2162\u2163\u2164\u2165' +
  '\u2166\u2167\u2168\u2169\uff07\uff02\u3231\u2116\u2121\u70bb\u4efc\u50f4\u51ec\u5307\u5324\ufa0e' +
  '\u548a\u5759\ufa0f\ufa10\u589e\u5bec\u5cf5\u5d53\ufa11\u5fb7\u6085\u6120\u654e\u663b\u6665\ufa12' +
  '\uf929\u6801\ufa13\ufa14\u6a6b\u6ae2\u6df8\u6df2\u7028\ufa15\ufa16\u7501\u7682\u769e\ufa17\u7930' +
  '\ufa18\ufa19\ufa1a\ufa1b\u7ae7\ufa1c\ufa1d\u7da0\u7dd6\ufa1e\u8362\ufa1f\u85b0\ufa20\ufa21\u8807' +
  '\ufa22\u8b7f\u8cf4\u8d76\ufa23\ufa24\ufa25\u90de\ufa26\u9115\ufa27\ufa28\u9592\uf9dc\ufa29\u973b' +
  '\u974d\u9751\ufa2a\ufa2b\ufa2c\u999e\u9ad9\u9b72\ufa2d\u9ed1';
const IBM_FIRST = (0xf3 - 0xa1) * 94 + (0xf3 - 0xa1);
const USER_FIRST_ROW = 0xf5;
const USER_SS3_START = 0xe3ac;

function decodeSs3(b2: number, b3: number): string {
  const index = (b2 - 0xa1) * 94 + (b3 - 0xa1);
  if (index >= IBM_FIRST && index < IBM_FIRST + EUCJPMS_IBM.length) {
    return EUCJPMS_IBM.charAt(index - IBM_FIRST);
  }
  if (b2 >= USER_FIRST_ROW) return String.fromCharCode(USER_SS3_START + index - (USER_FIRST_ROW - 0xa1) * 94);
  return decodeJisX0212(b2 & 0x7f, b3 & 0x7f);
}

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
    if (b === SS3 && b2 !== undefined && b3 !== undefined && b2 >= 0xa1 && b2 <= 0xfe && b3 >= 0xa1 && b3 <= 0xfe) {
      out.pushText(decodeSs3(b2, b3));
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
