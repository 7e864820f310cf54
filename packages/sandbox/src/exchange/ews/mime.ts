import { randomBytes } from 'node:crypto';
import { simpleParser, type Attachment, type ParsedMail } from 'mailparser';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';

/**
 * MIME for the EWS endpoint: reading a stored message's body and attachments (mailparser), and
 * writing the RFC 5322 message of a structured CreateItem (nodemailer's composer), as
 * Exchange converts between its item properties and MIME.
 */

export interface Address {
  name?: string;
  address: string;
}

export interface ParsedBody {
  html?: string;
  text?: string;
  attachments: Attachment[];
}

export async function parseMime(raw: Buffer): Promise<ParsedBody> {
  const parsed: ParsedMail = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true });
  return {
    ...(typeof parsed.html === 'string' ? { html: parsed.html } : {}),
    ...(parsed.text !== undefined ? { text: parsed.text } : {}),
    attachments: parsed.attachments,
  };
}

export interface ComposeInput {
  from: Address;
  to: Address[];
  cc: Address[];
  bcc: Address[];
  replyTo: Address[];
  subject: string;
  body?: { type: 'HTML' | 'Text'; content: string };
  importance?: 'low' | 'normal' | 'high';
  date: Date;
  attachments: { name: string; contentType: string; content: Buffer; contentId?: string; inline: boolean }[];
}

/** Build the message; `keepBcc` for the copy kept in the sender's mailbox (the transported one has no Bcc). */
export async function composeMime(input: ComposeInput, keepBcc: boolean): Promise<Buffer> {
  const fmt = (a: Address) => ({ name: a.name ?? '', address: a.address });
  const composer = new MailComposer({
    from: fmt(input.from),
    to: input.to.map(fmt),
    cc: input.cc.map(fmt),
    bcc: input.bcc.map(fmt),
    replyTo: input.replyTo.map(fmt),
    subject: input.subject,
    date: input.date,
    messageId: `<${randomBytes(12).toString('hex')}@sandbox.exchange>`,
    ...(input.body?.type === 'HTML' ? { html: input.body.content } : { text: input.body?.content ?? '' }),
    ...(input.importance && input.importance !== 'normal' ? { priority: input.importance } : {}),
    attachments: input.attachments.map((a) => ({
      filename: a.name,
      contentType: a.contentType,
      content: a.content,
      ...(a.contentId ? { cid: a.contentId } : {}),
      contentDisposition: a.inline ? 'inline' : 'attachment',
    })),
  });
  const node = composer.compile();
  node.keepBcc = keepBcc;
  return node.build();
}

/**
 * Add a file to an existing message without touching the rest of it: the message's own body
 * (with its Content-* headers) becomes the first part of a new multipart/mixed.
 */
export function addAttachmentToMime(raw: Buffer, file: { name: string; contentType: string; content: Buffer }): Buffer {
  const text = raw.toString('latin1');
  const split = text.search(/\r?\n\r?\n/);
  const headerText = split < 0 ? text : text.slice(0, split);
  const bodyText = split < 0 ? '' : text.slice(split).replace(/^\r?\n\r?\n/, '');
  const unfolded = headerText.split(/\r?\n(?![ \t])/);
  const isContent = (h: string) => /^content-/i.test(h);
  const outer = unfolded.filter((h) => !isContent(h) && !/^mime-version:/i.test(h));
  const inner = unfolded.filter(isContent);
  if (!inner.some((h) => /^content-type:/i.test(h))) inner.push('Content-Type: text/plain; charset=us-ascii');
  const boundary = `----=_sandbox_${randomBytes(8).toString('hex')}`;
  const safeName = file.name.replace(/["\\\r\n]/g, '_');
  const b64 = file.content.toString('base64').replace(/.{76}/g, '$&\r\n');
  const out = [
    ...outer,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    `--${boundary}`,
    ...inner,
    '',
    bodyText,
    `--${boundary}`,
    `Content-Type: ${file.contentType}; name="${safeName}"`,
    `Content-Disposition: attachment; filename="${safeName}"`,
    'Content-Transfer-Encoding: base64',
    '',
    b64,
    `--${boundary}--`,
    '',
  ].join('\r\n');
  return Buffer.from(out, 'latin1');
}
