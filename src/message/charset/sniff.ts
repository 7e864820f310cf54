/**
 * Text that carries no usable charset label (no charset, `us-ascii`, a raw header or
 * parameter, a non-MIME message) read as a Japanese reader would: ISO-2022-JP escape
 * sequences mean JIS, valid UTF-8 means UTF-8, anything else is Shift_JIS (CP932) unless it
 * reads clearly better as EUC-JP. Outlook on a Japanese system and nkf's guess both work this
 * way (8-bit text that reads as no Japanese at all is taken as Windows-1252);
 * https://learn.microsoft.com/en-us/windows/win32/intl/code-page-identifiers lists the
 * code pages (50221, 932, 51932) the guess lands on.
 */
import iconv from 'iconv-lite';
import { decodeCp932 } from './cp932.js';
import { decodeEucJp } from './eucjp.js';
import { decodeIso2022jp } from './iso2022jp.js';

export type SniffedCharset = 'ascii' | 'iso-2022-jp' | 'utf-8' | 'cp932' | 'euc-jp' | 'windows-1252';

/** ESC $ @, ESC $ B, ESC $ ( x, ESC $ A, ESC ( B/J/H/I, ESC . A/F: a designation of ISO-2022-JP(-1/-2/-3). */
const JIS_ESCAPE = /\x1b(?:\$[@AB]|\$\([BCDOPQ]|\([BHIJ]|\.[AF])/;

const UTF8_STRICT = new TextDecoder('utf-8', { fatal: true });

function isUtf8(bytes: Uint8Array): boolean {
  try {
    UTF8_STRICT.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Kana and common kanji score; replacement characters and half-width kana (EUC read as SJIS) count against. */
function plausibility(text: string): number {
  let score = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    if ((cp >= 0x3040 && cp <= 0x30ff) || (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3000 && cp <= 0x303f)) score += 2;
    else if (cp === 0xfffd || (cp >= 0xe000 && cp <= 0xf8ff)) score -= 5;
    else if (cp >= 0xff61 && cp <= 0xff9f) score -= 1;
  }
  return score;
}

/** Which charset unlabelled bytes are in. */
export function sniffCharset(bytes: Uint8Array): SniffedCharset {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (JIS_ESCAPE.test(buf.toString('latin1'))) return 'iso-2022-jp';
  if (!buf.some((b) => b >= 0x80)) return 'ascii';
  if (isUtf8(buf)) return 'utf-8';
  const euc = plausibility(decodeEucJp(buf));
  const sjis = plausibility(decodeCp932(buf));
  // neither reads as Japanese: Western 8-bit text (café), which Outlook reads as Windows-1252
  if (euc <= 0 && sjis <= 0) return 'windows-1252';
  return euc > sjis ? 'euc-jp' : 'cp932';
}

/** Decodes unlabelled bytes by sniffCharset; `guessed` names the charset when it was not plain ASCII/UTF-8. */
export function decodeUnlabelled(bytes: Uint8Array): { text: string; charset: SniffedCharset } {
  const charset = sniffCharset(bytes);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (charset) {
    case 'iso-2022-jp':
      return { text: decodeIso2022jp(buf), charset };
    case 'cp932':
      return { text: decodeCp932(buf), charset };
    case 'euc-jp':
      return { text: decodeEucJp(buf), charset };
    case 'windows-1252':
      return { text: iconv.decode(buf, 'windows-1252'), charset };
    default:
      return { text: buf.toString('utf8'), charset };
  }
}
