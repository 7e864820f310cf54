/**
 * RFC 2047 B-words in ISO-2022-JP for outgoing headers, as Japanese mailers write them
 * (RFC 1468 §3): every word is a complete JIS sequence that ends back in ASCII, so a reader
 * that decodes word by word still gets whole characters, and no word exceeds 75 characters.
 */
import { encodeIso2022jp } from './iso2022jp.js';

const PREFIX = '=?ISO-2022-JP?B?';
const SUFFIX = '?=';
/** 75 − prefix − suffix = 57 base64 chars → at most 42 raw bytes per word. */
const MAX_WORD_BYTES = 42;

export interface EncodedWords {
  /** The header value: unchanged when it is ASCII, else space-separated encoded-words. */
  value: string;
  unmappable: string[];
}

export function encodeIso2022jpWords(text: string): EncodedWords {
  if (!/[^\x00-\x7f]/.test(text)) return { value: text, unmappable: [] };
  const words: string[] = [];
  const unmappable: string[] = [];
  let chunk = '';
  let chunkBytes: Buffer = Buffer.alloc(0);
  for (const ch of text) {
    const next = encodeIso2022jp(chunk + ch);
    if (next.bytes.length > MAX_WORD_BYTES && chunk !== '') {
      words.push(PREFIX + chunkBytes.toString('base64') + SUFFIX);
      chunk = ch;
      chunkBytes = encodeIso2022jp(ch).bytes;
    } else {
      chunk += ch;
      chunkBytes = next.bytes;
    }
  }
  if (chunk !== '') words.push(PREFIX + chunkBytes.toString('base64') + SUFFIX);
  unmappable.push(...encodeIso2022jp(text).unmappable);
  return { value: words.join(' '), unmappable };
}
