import { domainToUnicode } from 'node:url';
import libmime from 'libmime';
import addressparser from 'nodemailer/lib/addressparser';

/**
 * The header section of a submitted message, read without its body: the gateway checks From
 * against the sender's allow-list and the Graph path compares header recipients with the
 * envelope. Only the header block is read (a 30 MB body is never decoded for this), with the
 * two pieces mailparser itself uses for it (libmime's header split, nodemailer's addressparser)
 * and not mailparser's streaming machinery, which costs ~0.5 ms a message at the gateway.
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
}

/** An RFC 2047 encoded word: never valid inside an addr-spec (RFC 2047 §5). */
const ENCODED_WORD = /=\?[^?]+\?[BbQq]\?[^?]*\?=/;

/**
 * The addresses of every occurrence of an address header, lowercased, groups flattened. An
 * internationalized domain is compared in Unicode (as mailparser reports it); an address that
 * carries an encoded word is no address (as in mailparser), so it can never pass as an allowed From.
 */
function addresses(values: readonly string[] | undefined): string[] {
  return (values ?? []).flatMap((v) =>
    addressparser(v, { flatten: true }).flatMap((a) => {
      const address = a.address.trim().toLowerCase();
      if (!address || ENCODED_WORD.test(address)) return [];
      const at = address.lastIndexOf('@');
      if (at < 0 || !address.slice(at + 1).includes('xn--')) return [address];
      return [`${address.slice(0, at + 1)}${domainToUnicode(address.slice(at + 1)) || address.slice(at + 1)}`];
    }),
  );
}

export function readHeaderAddresses(raw: Buffer): HeaderAddresses {
  const headers = libmime.decodeHeaders(raw.subarray(0, headerEnd(raw)).toString('utf8'), { skipPrototypeKeys: true });
  const messageId = headers['message-id']?.at(-1)?.trim();
  return {
    from: addresses(headers.from),
    sender: addresses(headers.sender),
    to: addresses(headers.to),
    cc: addresses(headers.cc),
    bcc: addresses(headers.bcc),
    ...(messageId ? { messageId } : {}),
  };
}
