import addressparser from 'nodemailer/lib/addressparser';
import { nstr, type ImapValue } from '../wire/formatter.js';
import { headerValue, type HeaderField } from './walker.js';

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
    nstr(headerValue(headers, 'date')),
    nstr(headerValue(headers, 'subject')),
    from,
    sender ?? from,
    replyTo ?? from,
    addresses(headerValue(headers, 'to')),
    addresses(headerValue(headers, 'cc')),
    addresses(headerValue(headers, 'bcc')),
    nstr(headerValue(headers, 'in-reply-to')),
    nstr(headerValue(headers, 'message-id')),
  ];
}

/** An address list as ((name adl mailbox host) ...), groups as RFC 3501's start/end markers; NIL when absent. */
function addresses(value: string | undefined): ImapValue[] | null {
  if (value === undefined || value.trim() === '') return null;
  const out: ImapValue[] = [];
  for (const item of addressparser(value) as ParsedAddress[]) {
    if (item.group) {
      out.push([null, null, nstr(item.name), null]);
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
  return [a.name ? nstr(a.name) : null, null, nstr(mailbox || null), at >= 0 ? nstr(host) : null];
}
