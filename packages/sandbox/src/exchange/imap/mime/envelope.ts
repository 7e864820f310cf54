import addressparser from 'nodemailer/lib/addressparser';
import { nstr, type ImapValue } from '../wire/formatter.js';
import { headerValue, type HeaderField } from './walker.js';

/**
 * The header block is read as latin1 (one char per byte), so header text goes back to the wire
 * as those same bytes: raw 8-bit UTF-8 in a header stays byte-exact (as in BODY[]), not encoded twice.
 */
function wire(value: string | undefined | null): ImapValue {
  return nstr(value === undefined || value === null ? value : Buffer.from(value, 'latin1'));
}

/**
 * ENVELOPE (RFC 3501 §7.4.2) from a header: date, subject, from, sender, reply-to, to, cc,
 * bcc, in-reply-to, message-id, as the raw header text (encoded words stay encoded; the
 * client decodes them). Sender and reply-to default to from.
 */
export function buildEnvelope(headers: readonly HeaderField[]): ImapValue {
  const from = addresses(headerValue(headers, 'from'));
  const sender = addresses(headerValue(headers, 'sender'));
  const replyTo = addresses(headerValue(headers, 'reply-to'));
  return [
    wire(headerValue(headers, 'date')),
    wire(headerValue(headers, 'subject')),
    from,
    sender ?? from,
    replyTo ?? from,
    addresses(headerValue(headers, 'to')),
    addresses(headerValue(headers, 'cc')),
    addresses(headerValue(headers, 'bcc')),
    wire(headerValue(headers, 'in-reply-to')),
    wire(headerValue(headers, 'message-id')),
  ];
}

/** An address list as ((name adl mailbox host) ...), groups as RFC 3501's start/end markers; NIL when absent. */
function addresses(value: string | undefined): ImapValue[] | null {
  if (value === undefined || value.trim() === '') return null;
  const out: ImapValue[] = [];
  for (const item of addressparser(value) as ParsedAddress[]) {
    if (item.group) {
      out.push([null, null, wire(item.name), null]);
      for (const a of item.group) out.push(address(a));
      out.push([null, null, null, null]);
    } else {
      out.push(address(item));
    }
  }
  return out.length > 0 ? out : null;
}

interface ParsedAddress {
  name: string;
  address?: string;
  group?: ParsedAddress[];
}

function address(a: ParsedAddress): ImapValue {
  const addr = a.address ?? '';
  const at = addr.lastIndexOf('@');
  const mailbox = at >= 0 ? addr.slice(0, at) : addr;
  const host = at >= 0 ? addr.slice(at + 1) : '';
  return [a.name ? wire(a.name) : null, null, wire(mailbox || null), at >= 0 ? wire(host) : null];
}
