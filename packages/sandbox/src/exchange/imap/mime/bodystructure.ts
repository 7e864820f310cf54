import { nstr, str, type ImapValue } from '../wire/formatter.js';
import { buildEnvelope } from './envelope.js';
import { headerValue, parseDisposition, type MimeNode } from './walker.js';

/**
 * BODYSTRUCTURE (with extension data) and BODY (without), RFC 3501 §7.4.2, from a walked
 * message. Sizes are body octets as stored; text and message/rfc822 parts carry line counts.
 */
export function buildBodyStructure(node: MimeNode, lines: LineCounter, extended: boolean): ImapValue {
  const ct = node.contentType;
  if (ct.type === 'multipart') {
    const out: ImapValue[] = node.children.map((c) => buildBodyStructure(c, lines, extended));
    if (out.length === 0) {
      // A multipart with no parts (a broken boundary) has no valid BODYSTRUCTURE: show its body as one text part.
      out.push([str('text'), str('plain'), [str('charset'), str('us-ascii')], null, null, str('7bit'), node.end - node.headerEnd, lines(node.headerEnd, node.end)]);
    }
    out.push(str(ct.subtype));
    if (extended) {
      out.push(ct.params.length > 0 ? ct.params.flatMap(([k, v]) => [str(k), str(Buffer.from(v, 'latin1'))]) : null);
      out.push(disposition(node), language(node), nstr(headerValue(node.headers, 'content-location')));
    }
    return out;
  }
  const size = node.end - node.headerEnd;
  const out: ImapValue[] = [
    str(ct.type),
    str(ct.subtype),
    ct.params.length > 0 ? ct.params.flatMap(([k, v]) => [str(k), str(Buffer.from(v, 'latin1'))]) : null,
    nstr(headerValue(node.headers, 'content-id')),
    nstr(headerValue(node.headers, 'content-description')),
    str((headerValue(node.headers, 'content-transfer-encoding') ?? '7bit').toLowerCase()),
    size,
  ];
  if (ct.type === 'message' && ct.subtype === 'rfc822' && node.message) {
    out.push(buildEnvelope(node.message.headers), buildBodyStructure(node.message, lines, extended), lines(node.headerEnd, node.end));
  } else if (ct.type === 'text') {
    out.push(lines(node.headerEnd, node.end));
  }
  if (extended) {
    out.push(nstr(headerValue(node.headers, 'content-md5')), disposition(node), language(node), nstr(headerValue(node.headers, 'content-location')));
  }
  return out;
}

/** Counts lines in a byte range of the message. */
export type LineCounter = (start: number, end: number) => number;

export function lineCounter(buf: Buffer): LineCounter {
  return (start, end) => {
    let n = 0;
    let i = buf.indexOf(0x0a, start);
    while (i >= 0 && i < end) {
      n++;
      i = buf.indexOf(0x0a, i + 1);
    }
    // A last line without a line break still counts.
    if (end > start && buf[end - 1] !== 0x0a) n++;
    return n;
  };
}

function disposition(node: MimeNode): ImapValue {
  const v = headerValue(node.headers, 'content-disposition');
  if (!v) return null;
  const d = parseDisposition(v);
  return [str(d.value), d.params.length > 0 ? d.params.flatMap(([k, val]) => [str(k), str(val)]) : null];
}

function language(node: MimeNode): ImapValue {
  const v = headerValue(node.headers, 'content-language');
  return v ? [str(v)] : null;
}
