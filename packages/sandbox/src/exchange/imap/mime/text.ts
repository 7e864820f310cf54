import { headerValue, param, type MimeNode } from './walker.js';

/**
 * The decoded text of a message's text parts (transfer encoding and charset undone), for
 * SEARCH BODY / TEXT: Exchange matches words as the reader sees them, not the encoded bytes.
 */
export function bodyText(buf: Buffer, node: MimeNode): string {
  if (node.message) return bodyText(buf, node.message);
  if (node.children.length > 0) return node.children.map((c) => bodyText(buf, c)).join('\n');
  if (node.contentType.type !== 'text') return '';
  const encoding = (headerValue(node.headers, 'content-transfer-encoding') ?? '').trim().toLowerCase();
  const body = buf.subarray(node.headerEnd, node.end);
  const bytes = encoding === 'base64' ? Buffer.from(body.toString('latin1'), 'base64') : encoding === 'quoted-printable' ? decodeQuotedPrintable(body) : body;
  return decodeCharset(bytes, param(node.contentType, 'charset') ?? 'utf-8');
}

function decodeQuotedPrintable(body: Buffer): Buffer {
  const text = body.toString('latin1').replace(/=\r?\n/g, '');
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    const hex = c === '=' ? text.slice(i + 1, i + 3) : '';
    if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
      out.push(parseInt(hex, 16));
      i += 2;
    } else {
      out.push(c.charCodeAt(0) & 0xff);
    }
  }
  return Buffer.from(out);
}

function decodeCharset(bytes: Buffer, charset: string): string {
  try {
    return new TextDecoder(charset.trim().toLowerCase()).decode(bytes);
  } catch {
    // An unknown charset: the bytes as Latin-1 still match ASCII words.
    return bytes.toString('latin1');
  }
}
