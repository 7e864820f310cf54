import { simpleParser, type AddressObject, type EmailAddress } from 'mailparser';
import type { MessageSummary } from '../contract.js';

type Address = { name?: string; address: string };

/**
 * Only this much of a message is parsed at append: enough for the headers, the start of the
 * text body and the first attachment's headers, so a 25 MB message costs no more than a small one.
 */
const PARSE_LIMIT = 512 * 1024;

/** The summary endpoints list without reading bodies (Graph fields, EWS Item fields, IMAP ENVELOPE). */
export async function summarize(raw: Buffer): Promise<MessageSummary> {
  const truncated = raw.length > PARSE_LIMIT;
  const parsed = await simpleParser(truncated ? raw.subarray(0, PARSE_LIMIT) : raw, {
    skipHtmlToText: false,
    skipTextToHtml: true,
    skipImageLinks: true,
  });
  const from = first(parsed.from);
  const sender = first(parsed.headers.get('sender') as AddressObject | undefined);
  const text = parsed.text ?? (typeof parsed.html === 'string' ? parsed.html.replace(/<[^>]*>/g, ' ') : '');
  const contentType = parsed.headers.get('content-type') as { value?: string } | undefined;
  return {
    subject: parsed.subject ?? '',
    ...(from ? { from } : {}),
    ...(sender ? { sender } : {}),
    to: list(parsed.to),
    cc: list(parsed.cc),
    bcc: list(parsed.bcc),
    replyTo: list(parsed.replyTo),
    ...(parsed.messageId ? { messageId: parsed.messageId } : {}),
    ...(typeof parsed.inReplyTo === 'string' ? { inReplyTo: parsed.inReplyTo } : {}),
    ...(parsed.date && parsed.headers.has('date') && !Number.isNaN(parsed.date.getTime()) ? { sentAt: parsed.date.getTime() } : {}),
    importance: importance(parsed.headers),
    hasAttachments:
      parsed.attachments.some((a) => a.contentDisposition !== 'inline' || !a.related) ||
      // A cut-off multipart/mixed message whose attachments start past the limit still has them.
      (truncated && contentType?.value === 'multipart/mixed'),
    preview: text.replace(/\s+/g, ' ').trim().slice(0, 255),
  };
}

function addresses(obj: AddressObject | AddressObject[] | undefined): Address[] {
  if (!obj) return [];
  const objs = Array.isArray(obj) ? obj : [obj];
  const out: Address[] = [];
  const walk = (list: EmailAddress[]): void => {
    for (const a of list) {
      if (a.group) walk(a.group);
      else if (a.address) out.push(a.name ? { name: a.name, address: a.address } : { address: a.address });
    }
  };
  for (const o of objs) walk(o.value ?? []);
  return out;
}

const list = addresses;
const first = (obj: AddressObject | AddressObject[] | undefined): Address | undefined => addresses(obj)[0];

/** mailparser folds Importance, X-Priority and X-MSMail-Priority into one `priority` header. */
function importance(headers: Map<string, unknown>): MessageSummary['importance'] {
  const p = String(headers.get('priority') ?? '').toLowerCase();
  return p === 'high' || p === 'low' ? p : 'normal';
}
