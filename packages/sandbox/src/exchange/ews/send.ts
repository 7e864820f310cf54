import { simpleParser, type AddressObject } from 'mailparser';
import { canSendAs } from '../settings.js';
import type { EwsCall } from './context.js';
import type { Address } from './mime.js';
import { EwsError } from './soap.js';

/**
 * Sending as Exchange's transport does for EWS: the From must be the mailbox itself or one the
 * caller has Send As rights on (ErrorSendAsDenied), Bcc is not transported, and the message is
 * delivered to the recipients' mailboxes in the store.
 */

export function assertMaySendAs(call: EwsCall, from: string | undefined): void {
  const sender = (from ?? call.mailbox.address).toLowerCase();
  if (sender === call.mailbox.address) return;
  // App-only calls act as the impersonated mailbox and have no user to hold a Send As right.
  if (!call.principal.upn || !canSendAs(call.ctx.settings, call.principal.upn, sender)) {
    throw new EwsError('ErrorSendAsDenied', 'The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account.');
  }
}

const addresses = (v: AddressObject | AddressObject[] | undefined): Address[] =>
  (Array.isArray(v) ? v : v ? [v] : []).flatMap((o) => o.value).filter((a) => a.address).map((a) => ({ address: a.address!.toLowerCase(), ...(a.name ? { name: a.name } : {}) }));

/** The From and all recipients of a raw message (for MimeContent sends). */
export async function envelopeOf(raw: Buffer): Promise<{ from?: string; recipients: string[] }> {
  const p = await simpleParser(raw, { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
  const from = addresses(p.from)[0]?.address;
  return { ...(from ? { from } : {}), recipients: [...new Set([...addresses(p.to), ...addresses(p.cc), ...addresses(p.bcc)].map((a) => a.address))] };
}

/** Drop Bcc header lines (with continuations) from a raw message before it is transported. */
export function withoutBcc(raw: Buffer): Buffer {
  const text = raw.toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  if (end < 0) return raw;
  const headers = text.slice(0, end).split(/\r?\n(?![ \t])/).filter((h) => !/^bcc:/i.test(h));
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  return Buffer.from(headers.join(eol) + text.slice(end), 'latin1');
}

/** Deliver to the recipients; unknown ones are dropped as Exchange would (an NDR follows there, none here). */
export async function transport(call: EwsCall, raw: Buffer, recipients: string[]): Promise<void> {
  if (!recipients.length) throw new EwsError('ErrorInvalidRecipients', 'At least one recipient is required.');
  await call.ctx.store.deliver(withoutBcc(raw), { from: call.mailbox.address, to: recipients });
}
