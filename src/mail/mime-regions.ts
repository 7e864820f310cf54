/**
 * Where the attachment parts of a message held in memory are, found by searching for the
 * multipart delimiters with Buffer.indexOf instead of reading the message line by line.
 *
 * Why by hand: mailsplit (the splitter mailparser runs) hands out one object per line, which
 * for a typical 150 KB message with a base64 attachment costs ~3 ms of CPU, as much as
 * mailparser's whole parse; a bulk fetch cuts thousands of messages, and that line loop was the
 * whole difference between keeping up with the network and not. No library splits a buffered
 * message by region. To stay exactly as mailsplit reads a message, this module decides only
 * where the parts start and end: each part's header block is read by mailsplit's own MimeNode
 * (content type, boundary, transfer encoding, disposition, file name), and the bodies are
 * decoded by the MimeNode's decoder. Anything this module is not sure to read as mailsplit
 * does (line ends other than CRLF next to a delimiter, a part without a header end, an embedded
 * message/rfc822, a delimiter line of an odd form, a very large header block, too many parts)
 * returns undefined, and the caller runs mailsplit itself.
 */
import { MimeNode } from '@zone-eu/mailsplit';

/** The MimeNode fields this module and cut-attachments.ts read. */
export interface RegionNode {
  root: boolean;
  multipart: string | false;
  contentType: string | false;
  disposition: string | false;
  filename: string | false;
  encoding: string | false;
  _boundary: Buffer | false;
  messageNode?: boolean;
  addHeaderChunk(line: Buffer): boolean;
  parseHeaders(): void;
  getHeaders(): Buffer;
  getDecoder(): NodeJS.ReadWriteStream;
}

export interface LeafRegion {
  node: RegionNode;
  /** The part's body, still transfer-encoded. */
  body: Buffer;
}

const CRLF2 = Buffer.from('\r\n\r\n');
/** Beyond this a header block is left to mailsplit, which applies its own limit (1 MiB, costed per line). */
const MAX_HEADER = 64 * 1024;
/** mailsplit's own limit on parts: beyond it mailsplit fails the message, so it is left to mailsplit. */
const MAX_NODES = 1000;

class Unsure extends Error {}

/** Every leaf part of `source` in message order, or undefined when mailsplit must decide. */
export function leafRegions(source: Buffer): LeafRegion[] | undefined {
  const out: LeafRegion[] = [];
  const counter = { nodes: 0 };
  try {
    walk(source, 0, source.length, false, out, counter, []);
    return out;
  } catch (e) {
    if (e instanceof Unsure) return undefined;
    throw e;
  }
}

function walk(
  src: Buffer,
  start: number,
  end: number,
  parent: RegionNode | false,
  out: LeafRegion[],
  counter: { nodes: number },
  ancestors: Buffer[],
): void {
  if (++counter.nodes > MAX_NODES) throw new Unsure();
  // The header block: up to and including the empty line (a part may start with it: no headers).
  let bodyStart: number;
  let header: Buffer;
  if (src[start] === 0x0d && src[start + 1] === 0x0a) {
    header = src.subarray(start, start + 2);
    bodyStart = start + 2;
  } else {
    const at = src.indexOf(CRLF2, start);
    if (at < 0 || at + 4 > end) throw new Unsure();
    header = src.subarray(start, at + 4);
    bodyStart = at + 4;
  }
  if (header.length > MAX_HEADER || hasBareLineEnd(header)) throw new Unsure();
  const node = new MimeNode((parent || undefined) as unknown as MimeNode | undefined, {}) as unknown as RegionNode;
  node.addHeaderChunk(Buffer.from(header));
  node.parseHeaders();
  if (node.contentType === 'message/rfc822') throw new Unsure();
  if (!node.multipart) {
    out.push({ node, body: src.subarray(bodyStart, end) });
    return;
  }
  const boundary = node._boundary;
  if (!boundary) throw new Unsure();
  // A boundary that an enclosing one starts with (or the reverse) makes delimiter lines mean
  // different things to a region search and to mailsplit's nearest-first match.
  for (const a of ancestors)
    if (a.subarray(0, boundary.length).equals(boundary.subarray(0, a.length))) throw new Unsure();
  const parts = delimiters(src, bodyStart, end, boundary);
  for (let i = 0; i + 1 < parts.length; i++) {
    const from = (parts[i] as Delimiter).next;
    const to = (parts[i + 1] as Delimiter).at;
    walk(src, from, to, node, out, counter, [...ancestors, boundary]);
  }
}

interface Delimiter {
  /** Where the part before it ends (the CRLF in front of the delimiter line belongs to it). */
  at: number;
  /** Where the part after it starts. */
  next: number;
  close: boolean;
}

/**
 * The delimiter lines of one multipart body up to its closing one; a body without one is left
 * to mailsplit (where its last part ends is a matter of line-end bookkeeping).
 */
function delimiters(src: Buffer, start: number, end: number, boundary: Buffer): Delimiter[] {
  const dash = Buffer.concat([Buffer.from('--'), boundary]);
  const out: Delimiter[] = [];
  // a lone CR before a delimiter is a line end to mailsplit
  const lone = src.indexOf(Buffer.concat([Buffer.from('\r'), dash]), start);
  if (lone >= 0 && lone < end) throw new Unsure();
  let pos = start;
  for (;;) {
    let at: number;
    let lineStart: number;
    if (pos === start && src.subarray(start, start + dash.length).equals(dash)) {
      at = start;
      lineStart = start;
    } else {
      const lf = src.indexOf(Buffer.concat([Buffer.from('\n'), dash]), pos);
      if (lf < 0 || lf + 1 + dash.length > end) throw new Unsure();
      if (src[lf - 1] !== 0x0d) throw new Unsure(); // a bare LF line end
      at = lf - 1;
      lineStart = lf + 1;
    }
    let i = lineStart + dash.length;
    let close = false;
    if (src[i] === 0x2d && src[i + 1] === 0x2d) {
      close = true;
      i += 2;
    }
    while (i < end && (src[i] === 0x20 || src[i] === 0x09)) i++;
    if (i >= end) {
      if (!close) throw new Unsure();
      out.push({ at, next: end, close });
      return out;
    }
    if (src[i] === 0x0d && src[i + 1] === 0x0a) {
      out.push({ at, next: i + 2, close });
      if (close) return out;
      pos = i + 2;
      continue;
    }
    if (src[i] === 0x0d || src[i] === 0x0a) throw new Unsure();
    // `--boundaryX`: not a delimiter of this multipart, body text (or an inner multipart's)
    pos = lineStart;
    if (out.length === 0 && at === start) pos = start + 1;
  }
}

/** A LF without CR, or a CR without LF, in a header block. */
function hasBareLineEnd(header: Buffer): boolean {
  for (let i = header.indexOf(0x0a); i >= 0; i = header.indexOf(0x0a, i + 1)) if (header[i - 1] !== 0x0d) return true;
  for (let i = header.indexOf(0x0d); i >= 0; i = header.indexOf(0x0d, i + 1)) if (header[i + 1] !== 0x0a) return true;
  return false;
}
