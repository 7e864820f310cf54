/**
 * A small MIME walker (RFC 2045/2046): finds each part's header and body byte ranges, its
 * Content-Type and parameters, and the parts inside multiparts and message/rfc822 bodies.
 * It keeps offsets, not bytes, so a walked structure of a 25 MB message is small and can be
 * cached. Hand-written rather than mailparser because mailparser decodes bodies and drops the
 * byte offsets that FETCH BODY[1.2] and RFC822.SIZE-exact sizes need.
 */

export interface HeaderField {
  /** Lower case. */
  name: string;
  /** Unfolded, raw (encoded words not decoded). */
  value: string;
}

export interface ContentType {
  /** Lower case. */
  type: string;
  subtype: string;
  params: [string, string][];
}

export interface MimeNode {
  /** Start of the part's header. */
  start: number;
  /** End of the header, including the blank line. */
  headerEnd: number;
  /** End of the body. */
  end: number;
  headers: HeaderField[];
  contentType: ContentType;
  children: MimeNode[];
  /** For message/rfc822: the encapsulated message. */
  message?: MimeNode;
}

const MAX_DEPTH = 20;

/** Walks `buf[start, end)` as a message or body part. `defaultType` is message/rfc822's inside a multipart/digest. */
export function walkMime(buf: Buffer, start = 0, end = buf.length, defaultType: ContentType = TEXT_PLAIN, depth = 0): MimeNode {
  const headerEnd = findHeaderEnd(buf, start, end);
  const headers = parseHeaderBlock(buf.subarray(start, headerEnd).toString('latin1'));
  const ct = headerValue(headers, 'content-type');
  const contentType = ct ? parseContentType(ct) : defaultType;
  const node: MimeNode = { start, headerEnd, end, headers, contentType, children: [] };
  if (depth >= MAX_DEPTH) return node;
  if (contentType.type === 'multipart') {
    const boundary = param(contentType, 'boundary');
    if (boundary) {
      const childDefault = contentType.subtype === 'digest' ? MESSAGE_RFC822 : TEXT_PLAIN;
      node.children = splitMultipart(buf, headerEnd, end, boundary).map(([s, e]) => walkMime(buf, s, e, childDefault, depth + 1));
    }
  } else if (contentType.type === 'message' && contentType.subtype === 'rfc822') {
    node.message = walkMime(buf, headerEnd, end, TEXT_PLAIN, depth + 1);
  }
  return node;
}

const TEXT_PLAIN: ContentType = { type: 'text', subtype: 'plain', params: [['charset', 'us-ascii']] };
const MESSAGE_RFC822: ContentType = { type: 'message', subtype: 'rfc822', params: [] };

/** Offset just after the blank line ending the header (or `end` when there is none). */
function findHeaderEnd(buf: Buffer, start: number, end: number): number {
  // A part may start with the blank line (no header at all).
  if (buf[start] === 0x0a) return start + 1;
  if (buf[start] === 0x0d && buf[start + 1] === 0x0a) return start + 2;
  let i = start;
  while (i < end) {
    const lf = buf.indexOf(0x0a, i);
    if (lf < 0 || lf >= end) return end;
    const next = lf + 1;
    if (buf[next] === 0x0a) return Math.min(next + 1, end);
    if (buf[next] === 0x0d && buf[next + 1] === 0x0a) return Math.min(next + 2, end);
    i = next;
  }
  return end;
}

/**
 * Header lines, unfolded (RFC 5322 §2.2.3), each value without the white space that leads it.
 * A value may start on a continuation line (`Subject:` CRLF ` =?ISO-2022-JP?B?…?=`, as
 * nodemailer folds a long first encoded-word): the fold is white space before the value, not
 * part of it, as Exchange and Dovecot read it, so ENVELOPE's subject has no leading space.
 */
export function parseHeaderBlock(text: string): HeaderField[] {
  const out: HeaderField[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line === '') continue;
    const last = out[out.length - 1];
    if ((line.startsWith(' ') || line.startsWith('\t')) && last) {
      const more = line.trim();
      if (more !== '') last.value = last.value === '' ? more : `${last.value} ${more}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    out.push({ name: line.slice(0, colon).trim().toLowerCase(), value: line.slice(colon + 1).trim() });
  }
  return out;
}

export function headerValue(headers: readonly HeaderField[], name: string): string | undefined {
  return headers.find((h) => h.name === name)?.value;
}

/** `type/subtype; a=b; c="d"` → parts; parameter names lower case, values unquoted. */
export function parseContentType(value: string): ContentType {
  const [main = '', ...rest] = splitParams(value);
  const [type = 'text', subtype = 'plain'] = main.trim().toLowerCase().split('/').map((s) => s.trim());
  return { type: type || 'text', subtype: subtype || 'plain', params: parseParams(rest) };
}

/** `attachment; filename="a.pdf"` → value and parameters (for Content-Disposition). */
export function parseDisposition(value: string): { value: string; params: [string, string][] } {
  const [main = '', ...rest] = splitParams(value);
  return { value: main.trim().toLowerCase(), params: parseParams(rest) };
}

function parseParams(parts: string[]): [string, string][] {
  const out: [string, string][] = [];
  for (const p of parts) {
    const eq = p.indexOf('=');
    if (eq <= 0) continue;
    let v = p.slice(eq + 1).trim();
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
    out.push([p.slice(0, eq).trim().toLowerCase(), v]);
  }
  return out;
}

/** Splits on `;` outside quotes. */
function splitParams(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (c === '\\' && quoted) {
      cur += c + (value[i + 1] ?? '');
      i++;
    } else if (c === '"') {
      quoted = !quoted;
      cur += c;
    } else if (c === ';' && !quoted) {
      out.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  out.push(cur);
  return out.filter((s, i) => i === 0 || s.trim() !== '');
}

export function param(ct: ContentType, name: string): string | undefined {
  return ct.params.find(([k]) => k === name)?.[1];
}

/**
 * Byte ranges of the parts between `--boundary` lines. A part ends before the CRLF that
 * precedes the next delimiter (RFC 2046 §5.1.1: that CRLF belongs to the delimiter).
 */
function splitMultipart(buf: Buffer, start: number, end: number, boundary: string): [number, number][] {
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  const parts: [number, number][] = [];
  let partStart: number | undefined;
  let i = start;
  while (i < end) {
    const at = buf.indexOf(delimiter, i);
    if (at < 0 || at >= end) break;
    const atLineStart = at === start || buf[at - 1] === 0x0a;
    if (!atLineStart) {
      i = at + 1;
      continue;
    }
    const afterDelimiter = at + delimiter.length;
    const isClose = buf[afterDelimiter] === 0x2d && buf[afterDelimiter + 1] === 0x2d;
    if (partStart !== undefined) {
      let partEnd = at;
      if (partEnd > partStart && buf[partEnd - 1] === 0x0a) partEnd--;
      if (partEnd > partStart && buf[partEnd - 1] === 0x0d) partEnd--;
      parts.push([partStart, Math.max(partStart, partEnd)]);
    }
    if (isClose) return parts;
    const lf = buf.indexOf(0x0a, afterDelimiter);
    if (lf < 0 || lf >= end) return parts;
    partStart = lf + 1;
    i = partStart;
  }
  // No closing delimiter: the last part runs to the end.
  if (partStart !== undefined && partStart < end) parts.push([partStart, end]);
  return parts;
}

/**
 * The node a section part number names ("1", "2.3"), RFC 3501 §6.4.5: numbers inside a
 * message/rfc822 part address the message it holds, and a message that is not multipart has
 * one part, number 1, its body.
 */
export function partByPath(root: MimeNode, path: readonly number[]): MimeNode | undefined {
  let node: MimeNode = root;
  let first = true;
  for (const n of path) {
    const message = first ? node : node.message;
    first = false;
    if (message) {
      if (message.children.length > 0) {
        const child = message.children[n - 1];
        if (!child) return undefined;
        node = child;
      } else if (n === 1) {
        node = message;
      } else {
        return undefined;
      }
    } else if (node.children.length > 0) {
      const child = node.children[n - 1];
      if (!child) return undefined;
      node = child;
    } else {
      return undefined;
    }
  }
  return node;
}
