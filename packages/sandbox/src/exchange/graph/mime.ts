import { randomBytes } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import { z } from 'zod';
import { badRequest, GraphError } from './errors.js';

/** A Graph recipient: `{"emailAddress":{"address":"x@y","name":"X"}}`. */
export const recipientSchema = z.object({
  emailAddress: z.object({ address: z.string().min(3).includes('@'), name: z.string().optional() }),
});
export type GraphRecipient = z.infer<typeof recipientSchema>;

export const fileAttachmentSchema = z.object({
  '@odata.type': z.string().optional(),
  name: z.string().min(1),
  contentType: z.string().optional(),
  contentBytes: z.string(),
  isInline: z.boolean().optional(),
  contentId: z.string().nullish(),
});
export type GraphFileAttachment = z.infer<typeof fileAttachmentSchema>;

/** The writable part of Graph's message resource (sendMail, POST /messages, PATCH of a draft). */
export const messageInputSchema = z.object({
  subject: z.string().optional(),
  body: z.object({ contentType: z.string().regex(/^(text|html)$/i), content: z.string() }).optional(),
  toRecipients: z.array(recipientSchema).optional(),
  ccRecipients: z.array(recipientSchema).optional(),
  bccRecipients: z.array(recipientSchema).optional(),
  replyTo: z.array(recipientSchema).optional(),
  from: recipientSchema.optional(),
  sender: recipientSchema.optional(),
  importance: z.enum(['low', 'normal', 'high', 'Low', 'Normal', 'High']).optional(),
  internetMessageHeaders: z.array(z.object({ name: z.string().min(1), value: z.string() })).optional(),
  attachments: z.array(fileAttachmentSchema).optional(),
  categories: z.array(z.string()).optional(),
  isDeliveryReceiptRequested: z.boolean().optional(),
  isReadReceiptRequested: z.boolean().optional(),
  /** A client may set the Message-ID of a new message (RFC 5322 form, brackets optional). */
  internetMessageId: z.string().regex(/^<?[^<>\s@]+@[^<>\s@]+>?$/).optional(),
}).loose();
export type GraphMessageInput = z.infer<typeof messageInputSchema>;

const asAddress = (r: GraphRecipient): Mail.Address => ({ name: r.emailAddress.name ?? '', address: r.emailAddress.address });

/** Base64 as Graph accepts it (standard alphabet, padding optional); else the documented 400. */
export function decodeBase64Strict(text: string, error: () => GraphError): Buffer {
  const compact = text.replace(/\s+/g, '');
  if (compact === '' || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) throw error();
  return Buffer.from(compact, 'base64');
}

/** Build RFC 5322 bytes for a Graph message JSON; `from` is the mailbox unless the JSON names one. */
export async function composeMessage(
  input: GraphMessageInput,
  opts: { from: { address: string; name?: string }; domain: string; nowMs: number; keepBcc: boolean },
): Promise<Buffer> {
  const headers: Record<string, string> = {};
  for (const h of input.internetMessageHeaders ?? []) {
    if (!/^x-/i.test(h.name)) {
      throw new GraphError(400, 'InvalidInternetMessageHeader', `The internet message header name '${h.name}' should start with 'x-' or 'X-'.`);
    }
    headers[h.name] = h.value;
  }
  if (input.isReadReceiptRequested) headers['Disposition-Notification-To'] = opts.from.address;
  const importance = input.importance?.toLowerCase() as 'low' | 'normal' | 'high' | undefined;
  const isHtml = input.body?.contentType.toLowerCase() === 'html';
  const from = input.from ? asAddress(input.from) : { name: opts.from.name ?? '', address: opts.from.address };
  const mail: Mail.Options = {
    from,
    ...(input.sender ? { sender: asAddress(input.sender) } : {}),
    to: (input.toRecipients ?? []).map(asAddress),
    cc: (input.ccRecipients ?? []).map(asAddress),
    bcc: (input.bccRecipients ?? []).map(asAddress),
    replyTo: (input.replyTo ?? []).map(asAddress),
    subject: input.subject ?? '',
    ...(isHtml ? { html: input.body?.content ?? '' } : { text: input.body?.content ?? '' }),
    headers,
    ...(importance ? { priority: importance } : {}),
    date: new Date(opts.nowMs),
    // Exchange keeps a client-set internetMessageId on a new message; otherwise it makes one.
    messageId: input.internetMessageId ? `<${input.internetMessageId.replace(/^<|>$/g, '')}>` : `<${randomBytes(12).toString('hex')}@${opts.domain}>`,
    attachments: (input.attachments ?? []).map((a) => attachmentOptions(a)),
  };
  const node = new MailComposer(mail).compile();
  node.keepBcc = opts.keepBcc;
  return node.build();
}

function attachmentOptions(a: GraphFileAttachment): Mail.Attachment {
  const content = decodeBase64Strict(a.contentBytes, () => badRequest(`The attachment '${a.name}' has invalid contentBytes.`, 'ErrorInvalidRequest'));
  return {
    filename: a.name,
    content,
    contentType: a.contentType ?? 'application/octet-stream',
    ...(a.isInline ? { contentDisposition: 'inline' as const } : {}),
    ...(a.contentId ? { cid: a.contentId } : {}),
  };
}

/** Split raw MIME at the header/body boundary (CRLF or bare LF). */
function splitHead(raw: Buffer): { head: string; body: Buffer; eol: string } {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf <= lf)) return { head: raw.subarray(0, crlf).toString('latin1'), body: raw.subarray(crlf + 4), eol: '\r\n' };
  if (lf >= 0) return { head: raw.subarray(0, lf).toString('latin1'), body: raw.subarray(lf + 2), eol: '\n' };
  return { head: raw.toString('latin1'), body: Buffer.alloc(0), eol: '\r\n' };
}

/** Header fields as unfolded [name, rawLines] pairs, in order. */
function headerFields(head: string, eol: string): string[] {
  const out: string[] = [];
  for (const line of head.split(eol)) {
    if (/^[ \t]/.test(line) && out.length > 0) out[out.length - 1] += eol + line;
    else out.push(line);
  }
  return out;
}

const fieldName = (f: string): string => f.slice(0, Math.max(0, f.indexOf(':'))).trim().toLowerCase();

/** Replace (or drop, with value undefined) top-level header fields of a raw message. */
export function setHeaders(raw: Buffer, changes: Record<string, string | undefined>): Buffer {
  const { head, body, eol } = splitHead(raw);
  const lower = Object.fromEntries(Object.entries(changes).map(([k, v]) => [k.toLowerCase(), { name: k, value: v }]));
  const fields = headerFields(head, eol).filter((f) => !(fieldName(f) in lower));
  for (const { name, value } of Object.values(lower)) if (value !== undefined) fields.push(`${name}: ${value}`);
  return Buffer.concat([Buffer.from(fields.join(eol) + eol + eol, 'latin1'), body]);
}

/** The header fields that describe the body (moved into a part when wrapping a single-part message). */
const CONTENT_FIELDS = new Set(['content-type', 'content-transfer-encoding', 'content-disposition', 'content-id', 'content-description']);

/**
 * Add a file attachment at the MIME level, leaving everything else byte for byte: append a part
 * to a multipart/mixed message, or wrap any other message's body into a new multipart/mixed.
 */
export function addAttachmentToMime(raw: Buffer, att: { name: string; contentType: string; content: Buffer; isInline: boolean; contentId?: string }): Buffer {
  const { head, body, eol } = splitHead(raw);
  const fields = headerFields(head, eol);
  const ctField = fields.find((f) => fieldName(f) === 'content-type');
  const ctValue = ctField ? ctField.slice(ctField.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim() : 'text/plain';
  const encodedName = /^[\x20-\x7e]*$/.test(att.name) ? `"${att.name.replace(/["\\]/g, '\\$&')}"` : `"=?UTF-8?B?${Buffer.from(att.name).toString('base64')}?="`;
  const partHead = [
    `Content-Type: ${att.contentType}; name=${encodedName}`,
    'Content-Transfer-Encoding: base64',
    `Content-Disposition: ${att.isInline ? 'inline' : 'attachment'}; filename=${encodedName}`,
    ...(att.contentId ? [`Content-ID: <${att.contentId}>`] : []),
  ].join(eol);
  const b64 = (att.content.toString('base64').match(/.{1,76}/g) ?? []).join(eol);
  const part = `${partHead}${eol}${eol}${b64}${eol}`;
  const boundaryMatch = /boundary="?([^";]+)"?/i.exec(ctValue);
  if (/^multipart\/mixed/i.test(ctValue) && boundaryMatch) {
    const closing = Buffer.from(`--${boundaryMatch[1]}--`, 'latin1');
    const at = body.lastIndexOf(closing);
    if (at >= 0) {
      return Buffer.concat([
        Buffer.from(head + eol + eol, 'latin1'), body.subarray(0, at),
        Buffer.from(`--${boundaryMatch[1]}${eol}${part}`, 'latin1'), body.subarray(at),
      ]);
    }
  }
  const boundary = `----=_sandbox_${randomBytes(8).toString('hex')}`;
  const outer = fields.filter((f) => !CONTENT_FIELDS.has(fieldName(f)));
  if (!outer.some((f) => fieldName(f) === 'mime-version')) outer.push('MIME-Version: 1.0');
  outer.push(`Content-Type: multipart/mixed; boundary="${boundary}"`);
  const inner = fields.filter((f) => CONTENT_FIELDS.has(fieldName(f)));
  if (inner.length === 0) inner.push('Content-Type: text/plain; charset=us-ascii');
  return Buffer.concat([
    Buffer.from(`${outer.join(eol)}${eol}${eol}--${boundary}${eol}${inner.join(eol)}${eol}${eol}`, 'latin1'),
    body,
    Buffer.from(`${eol}--${boundary}${eol}${part}--${boundary}--${eol}`, 'latin1'),
  ]);
}
