/**
 * The HTML standard's "prescan a byte stream to determine its encoding", for text/html parts
 * whose MIME header names no charset: the first 1024 bytes are scanned for
 * `<meta charset=…>` or `<meta http-equiv="Content-Type" content="…; charset=…">`, skipping
 * comments. https://html.spec.whatwg.org/multipage/parsing.html#prescan-a-byte-stream-to-determine-its-encoding
 */
const PRESCAN_BYTES = 1024;

/** Attributes of one tag body (`name=value`, `name="value"`, `name='value'`, bare names). */
function attributes(tagBody: string): Map<string, string> {
  const attrs = new Map<string, string>();
  const re = /([^\s/>"'=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]*)))?/g;
  for (const m of tagBody.matchAll(re)) {
    const name = (m[1] as string).toLowerCase();
    // the standard keeps the first of a repeated attribute
    if (!attrs.has(name)) attrs.set(name, m[2] ?? m[3] ?? m[4] ?? '');
  }
  return attrs;
}

/** "extracting a character encoding from a meta element" (the content attribute's charset=). */
function charsetFromContent(content: string): string | undefined {
  const m = /charset\s*=\s*(?:"([^"]*)"?|'([^']*)'?|([^\s;"']+))/i.exec(content);
  const label = m?.[1] ?? m?.[2] ?? m?.[3];
  return label ? label.trim() : undefined;
}

/** The charset label an HTML document declares in its first 1024 bytes, if any. */
export function prescanHtmlCharset(bytes: Uint8Array): string | undefined {
  const length = Math.min(bytes.byteLength, PRESCAN_BYTES);
  const head = Buffer.from(bytes.buffer, bytes.byteOffset, length).toString('latin1');
  const re = /<!--[\s\S]*?-->|<meta(?=[\s/])([^>]*)>?/gi;
  for (const m of head.matchAll(re)) {
    if (m[1] === undefined) continue; // a comment
    const attrs = attributes(m[1]);
    let label = attrs.get('charset');
    if (label === undefined && attrs.get('http-equiv')?.toLowerCase() === 'content-type') {
      label = charsetFromContent(attrs.get('content') ?? '');
    }
    if (!label) continue;
    // the standard reads a declared UTF-16 as UTF-8 (the bytes were ASCII-compatible enough to scan)
    return /^utf-?16/i.test(label) ? 'utf-8' : label;
  }
  return undefined;
}
