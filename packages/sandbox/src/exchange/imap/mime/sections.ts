import { partByPath, type MimeNode } from './walker.js';

/** A FETCH BODY[...] section (RFC 3501 §6.4.5). */
export interface SectionSpec {
  path: number[];
  kind: '' | 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME';
  /** Upper case, for HEADER.FIELDS(.NOT). */
  fields?: string[];
}

/** Byte range of a section in the message; undefined when the part does not exist. */
export function sectionRange(root: MimeNode, spec: SectionSpec): { start: number; end: number } | { filtered: true; node: MimeNode } | undefined {
  const node = spec.path.length > 0 ? partByPath(root, spec.path) : root;
  if (!node) return undefined;
  switch (spec.kind) {
    case '':
      return spec.path.length === 0 ? { start: root.start, end: root.end } : { start: node.headerEnd, end: node.end };
    case 'MIME':
      return { start: node.start, end: node.headerEnd };
    case 'HEADER':
    case 'TEXT':
    case 'HEADER.FIELDS':
    case 'HEADER.FIELDS.NOT': {
      // HEADER and TEXT of a part number name the message/rfc822 it holds.
      const message = spec.path.length === 0 ? root : node.message;
      if (!message) return undefined;
      if (spec.kind === 'HEADER') return { start: message.start, end: message.headerEnd };
      if (spec.kind === 'TEXT') return { start: message.headerEnd, end: message.end };
      return { filtered: true, node: message };
    }
  }
}

/** The header lines named (or not named) in `fields`, raw and folded as stored, plus the blank line. */
export function filterHeader(buf: Buffer, node: MimeNode, fields: readonly string[], not: boolean): Buffer {
  const wanted = new Set(fields.map((f) => f.toLowerCase()));
  const text = buf.subarray(node.start, node.headerEnd).toString('latin1');
  const out: string[] = [];
  let keep = false;
  for (const line of text.split(/(?<=\n)/)) {
    if (line === '\r\n' || line === '\n') break;
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (keep) out.push(line);
      continue;
    }
    const name = line.slice(0, Math.max(0, line.indexOf(':'))).trim().toLowerCase();
    keep = name !== '' && wanted.has(name) !== not;
    if (keep) out.push(line.endsWith('\n') ? line : `${line}\r\n`);
  }
  out.push('\r\n');
  return Buffer.from(out.join(''), 'latin1');
}

/** The section's name as the response echoes it: "1.HEADER.FIELDS (FROM TO)". */
export function sectionName(spec: SectionSpec): string {
  const parts: string[] = [];
  if (spec.path.length > 0) parts.push(spec.path.join('.'));
  if (spec.kind) parts.push(spec.fields ? `${spec.kind} (${spec.fields.join(' ')})` : spec.kind);
  return parts.join('.');
}
