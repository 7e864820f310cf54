/**
 * RFC 2047 encoded-word payloads and RFC 2231 parameter values → text, through decodeBytes.
 *
 * libmime (inside mailparser) already joins adjacent encoded-words of the same charset by
 * concatenating their payloads before decoding, which is what keeps a multi-byte character
 * split across two words intact, but it then decodes with its own charset tables. We replace
 * only that last step (see parse.ts), so the payload handed to us may be several B segments
 * glued together, each with its own padding.
 */
import { decodeBytes } from './decode.js';

/** Bytes of a B (base64) payload, tolerating padded segments joined end to end. */
export function decodeBase64Payload(payload: string): Buffer {
  const segments = payload.replace(/[^A-Za-z0-9+/=]/g, '').match(/[^=]+=*/g) ?? [];
  return Buffer.concat(segments.map((s) => Buffer.from(s, 'base64')));
}

/** Bytes of a Q payload (RFC 2047 §4.2; `_` is a space, `=XX` a byte). */
export function decodeQPayload(payload: string): Buffer {
  const bytes: number[] = [];
  const src = payload.replace(/=\s+([0-9a-fA-F])/g, '=$1');
  for (let i = 0; i < src.length; i++) {
    const c = src.charCodeAt(i);
    if (c === 0x3d /* = */ && /^[0-9a-fA-F]{2}$/.test(src.slice(i + 1, i + 3))) {
      bytes.push(parseInt(src.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c === 0x5f /* _ */) {
      bytes.push(0x20);
    } else {
      // a raw non-ASCII char is not allowed here; keep its UTF-8 bytes rather than lose it
      for (const b of Buffer.from(src[i] as string, 'utf8')) bytes.push(b);
    }
  }
  return Buffer.from(bytes);
}

/** Decodes one (possibly joined) encoded-word payload. `charset` may carry an RFC 2231 `*lang`. */
export function decodeEncodedWord(
  charset: string,
  encoding: string,
  payload: string,
  onWarning?: (w: string) => void,
): string {
  const label = charset.split('*')[0] ?? '';
  const enc = encoding.toUpperCase();
  const bytes = enc === 'B' ? decodeBase64Payload(payload) : enc === 'Q' ? decodeQPayload(payload) : Buffer.from(payload);
  const { text, warning } = decodeBytes(bytes, label);
  if (warning && onWarning) onWarning(`header: ${warning}`);
  return text;
}
