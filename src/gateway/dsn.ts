import { randomBytes } from 'node:crypto';
import { headerEnd } from './headers.js';

/**
 * A delivery status notification (RFC 3464) for a message the gateway accepted and then could
 * not relay: `multipart/report; report-type=delivery-status` (RFC 6522) with a human part, the
 * `message/delivery-status` part and the original (RET=FULL) or its headers (RET=HDRS, or when
 * the original is large). Written by hand: nodemailer's composer cannot make a multipart/report
 * root with a message/delivery-status part, and the format is a few fixed lines.
 */

export interface BounceInput {
  /** The gateway's name for Reporting-MTA. */
  reportingMta: string;
  /** The envelope sender of the failed message: the DSN goes there. */
  to: string;
  /** The address the DSN is sent from (MAIL FROM:<> on the wire, this in the From: header). */
  from: string;
  recipients: { address: string; status: string; diagnostic: string }[];
  arrivalDate: Date;
  envid?: string;
  ret?: 'FULL' | 'HDRS';
  original: Buffer;
  /** Above this size only the headers are returned. Default 1 MB. */
  maxReturnBytes?: number;
  now?: Date;
}

const foldSafe = (s: string): string => s.replace(/[\r\n]+/g, ' ').slice(0, 900);

export function buildBounce(b: BounceInput): Buffer {
  const boundary = `=_mailbridge_dsn_${randomBytes(12).toString('hex')}`;
  const now = b.now ?? new Date();
  const headersOnly = b.ret === 'HDRS' || b.original.length > (b.maxReturnBytes ?? 1024 * 1024);
  const domain = b.from.slice(b.from.lastIndexOf('@') + 1) || 'mailbridge.invalid';
  const human = [
    'This is the mailbridge gateway. The message below was accepted but could not be delivered',
    'through Microsoft 365 to the following recipients:',
    '',
    ...b.recipients.map((r) => `  <${r.address}>: ${foldSafe(r.diagnostic)}`),
    '',
    'No further attempts will be made.',
  ];
  const perMessage = [
    `Reporting-MTA: dns; ${b.reportingMta}`,
    ...(b.envid ? [`Original-Envelope-Id: ${foldSafe(b.envid)}`] : []),
    `Arrival-Date: ${b.arrivalDate.toUTCString().replace('GMT', '+0000')}`,
  ];
  const perRecipient = b.recipients.map((r) =>
    [
      `Final-Recipient: rfc822; ${r.address}`,
      'Action: failed',
      `Status: ${r.status}`,
      `Diagnostic-Code: ${foldSafe(r.diagnostic)}`,
      `Last-Attempt-Date: ${now.toUTCString().replace('GMT', '+0000')}`,
    ].join('\r\n'),
  );
  const original = headersOnly ? b.original.subarray(0, headerEnd(b.original)) : b.original;
  const head = [
    `From: Mail Delivery System <${b.from}>`,
    `To: <${b.to}>`,
    'Subject: Undelivered Mail Returned to Sender',
    `Date: ${now.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <dsn.${randomBytes(10).toString('hex')}@${domain}>`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${boundary}"`,
    '',
    'This is a MIME-encapsulated message.',
    '',
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    '',
    ...human,
    '',
    `--${boundary}`,
    'Content-Type: message/delivery-status',
    '',
    perMessage.join('\r\n'),
    '',
    perRecipient.join('\r\n\r\n'),
    '',
    `--${boundary}`,
    `Content-Type: ${headersOnly ? 'text/rfc822-headers' : 'message/rfc822'}`,
    'Content-Transfer-Encoding: 8bit',
    '',
    '',
  ].join('\r\n');
  return Buffer.concat([Buffer.from(head, 'utf8'), original, Buffer.from(`\r\n--${boundary}--\r\n`)]);
}
