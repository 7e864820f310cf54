import { simpleParser, type AddressObject } from 'mailparser';

/**
 * The header section of a submitted message, read without its body: the gateway checks From
 * against the sender's allow-list and the Graph path compares header recipients with the
 * envelope. Only the header block is parsed (a 30 MB body is never decoded for this).
 */

/** Where the header section ends: the first empty line (CRLF CRLF or LF LF); the whole message when none. */
export function headerEnd(raw: Buffer): number {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  if (crlf < 0 && lf < 0) return raw.length;
  if (crlf < 0) return lf + 2;
  if (lf < 0) return crlf + 4;
  return Math.min(crlf + 4, lf + 2);
}

export interface HeaderAddresses {
  from: string[];
  sender: string[];
  to: string[];
  cc: string[];
  bcc: string[];
  messageId?: string;
  subject?: string;
}

const list = (v: AddressObject | AddressObject[] | undefined): string[] =>
  (v === undefined ? [] : Array.isArray(v) ? v : [v])
    .flatMap((a) => a.value)
    .flatMap(function flat(a): string[] {
      if (a.group) return a.group.flatMap(flat);
      return a.address ? [a.address.toLowerCase()] : [];
    });

export async function readHeaderAddresses(raw: Buffer): Promise<HeaderAddresses> {
  const head = raw.subarray(0, headerEnd(raw));
  const parsed = await simpleParser(head, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
  const sender = parsed.headers.get('sender');
  return {
    from: list(parsed.from),
    sender: sender && typeof sender === 'object' && 'value' in sender ? list(sender as AddressObject) : [],
    to: list(parsed.to),
    cc: list(parsed.cc),
    bcc: list(parsed.bcc),
    ...(parsed.messageId ? { messageId: parsed.messageId } : {}),
    ...(parsed.subject ? { subject: parsed.subject } : {}),
  };
}
