/**
 * One entry point for every charset decode in mailbridge (bodies, RFC 2047 words, RFC 2231
 * parameters), so Japanese labels always reach the Microsoft-compatible decoders.
 */
import iconv from 'iconv-lite';
import { decodeCp932 } from './cp932.js';
import { decodeEucJp } from './eucjp.js';
import { decodeIso2022jp } from './iso2022jp.js';
import { charsetFamily, normalizeLabel } from './labels.js';

/** Decoders that must never run on mail: UTF-7 smuggles markup past filters, base64/hex are not charsets. */
const REFUSED = /^(?:(?:cs)?unicode11)?utf7(?:imap)?$|^base64$|^hex$/;

export interface DecodeResult {
  text: string;
  /** Set when the label was unknown or refused and the bytes were read as UTF-8 instead. */
  warning?: string;
}

/** Decodes bytes labelled `charset` as Outlook would show them. Never throws. */
export function decodeBytes(bytes: Uint8Array, charset: string | undefined): DecodeResult {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (charsetFamily(charset)) {
    case 'utf-8':
      return { text: buf.toString('utf8') };
    case 'iso-2022-jp':
      return { text: decodeIso2022jp(buf) };
    case 'cp932':
      return { text: decodeCp932(buf) };
    case 'euc-jp':
      return { text: decodeEucJp(buf) };
    case 'other':
      return decodeOther(buf, normalizeLabel(charset));
  }
}

function decodeOther(buf: Buffer, label: string): DecodeResult {
  const squashed = label.replace(/[^a-z0-9]/g, '');
  if (!REFUSED.test(squashed) && iconv.encodingExists(label)) {
    return { text: iconv.decode(buf, label) };
  }
  return {
    text: buf.toString('utf8'),
    warning: `unknown or refused charset "${label}", decoded as UTF-8`,
  };
}
