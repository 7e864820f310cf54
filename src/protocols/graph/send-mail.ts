import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { detectMimeType } from 'nodemailer/lib/mime-funcs';
import { z } from 'zod';
import { ConfigError, ProtocolError } from '../../errors.js';
import { buildRawMessage } from '../../message/compose.js';
import { assertNoLineBreak, assertRecipientLimit, parseAddressList, parseSingleAddress, validateCustomHeaders } from '../../message/headers.js';
import type { SendResult } from '../../message/message.js';
import type { DraftAttachment, MailAddress, MailDraft } from '../../message/message.js';
import { ERROR_FAMILY } from '../errors.js';
import type { GraphHttp } from './http.js';
import { seg } from './target.js';

/**
 * Sending through Graph (microsoft.md §5.1, §5.5):
 * - the usual case: one `POST {prefix}/sendMail` with the message as JSON, attachments inline
 *   as base64 (each under 3 MB);
 * - an attachment of 3 MB or more: create a draft, give each large attachment an upload
 *   session and PUT it in order in chunks under 4 MB (no Authorization header: the upload
 *   URL carries its own token), then `POST /messages/{id}/send`;
 * - a draft JSON cannot express (In-Reply-To/References, headers not starting with X-,
 *   ISO-2022-JP): the MIME message, base64, as text/plain.
 * The Message-ID is chosen here, so the caller knows it although sendMail answers 202 empty.
 */

/** Attachments from this size on go through an upload session. */
export const LARGE_ATTACHMENT_BYTES = 3 * 1024 * 1024;
/** Chunk size for upload sessions: under 4 MB, a multiple of 320 KiB. */
export const UPLOAD_CHUNK_BYTES = 10 * 320 * 1024;
/** Graph's limit per attachment. */
export const MAX_ATTACHMENT_BYTES = 150 * 1024 * 1024;
/** A MIME send is one request body; Graph takes about 4 MB of base64. */
const MAX_MIME_BYTES = 3 * 1024 * 1024;

interface ResolvedAttachment {
  name: string;
  contentType: string;
  content: Buffer;
  contentId?: string;
}

async function readStream(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
  return Buffer.concat(chunks);
}

async function resolveAttachment(a: DraftAttachment, i: number): Promise<ResolvedAttachment> {
  const field = `attachments.${i}`;
  let content: Buffer;
  let name = a.filename;
  if ('path' in a) {
    try {
      content = await readFile(a.path);
    } catch (cause) {
      throw new ConfigError({ code: 'ATTACHMENT_UNREADABLE', message: `cannot read attachment ${a.path}`, hint: 'check the path and that the file is readable', field, cause });
    }
    name ??= basename(a.path);
  } else if ('content' in a) content = a.content;
  else content = await readStream(a.stream);
  if (!name) throw new ConfigError({ code: 'DRAFT_INVALID', message: `attachment ${i + 1} has no file name`, hint: 'give a filename for content or stream attachments', field: `${field}.filename` });
  if (content.length > MAX_ATTACHMENT_BYTES) {
    throw new ConfigError({ code: 'ATTACHMENT_TOO_LARGE', message: `${name} is ${content.length} bytes; Graph takes attachments up to 150 MB`, hint: 'share the file by link instead', field });
  }
  return { name, contentType: a.contentType ?? detectMimeType(name) ?? 'application/octet-stream', content, ...(a.cid ? { contentId: a.cid } : {}) };
}

const recipient = (a: MailAddress) => ({ emailAddress: { address: a.address, ...(a.name ? { name: a.name } : {}) } });

function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1) || 'mailbridge.invalid';
}

/** Does the draft need the MIME path (something Graph's JSON message cannot carry)? */
function needsMime(draft: MailDraft): boolean {
  if (draft.encoding === 'iso-2022-jp' || draft.inReplyTo || draft.references?.length) return true;
  return Object.keys(draft.headers ?? {}).some((h) => !/^x-/i.test(h));
}

function fileAttachmentJson(a: ResolvedAttachment): Record<string, unknown> {
  return {
    '@odata.type': '#microsoft.graph.fileAttachment',
    name: a.name,
    contentType: a.contentType,
    contentBytes: a.content.toString('base64'),
    ...(a.contentId ? { contentId: a.contentId, isInline: true } : {}),
  };
}

/** The draft as Graph's message JSON (without large attachments). */
function messageJson(draft: MailDraft, internetMessageId: string, small: ResolvedAttachment[]): Record<string, unknown> {
  const from = parseSingleAddress('from', draft.from);
  const headers = validateCustomHeaders(draft.headers ?? {});
  return {
    subject: draft.subject,
    body: draft.html !== undefined ? { contentType: 'HTML', content: draft.html } : { contentType: 'Text', content: draft.text ?? '' },
    from: recipient(from),
    ...(draft.sender ? { sender: recipient(parseSingleAddress('sender', draft.sender)) } : {}),
    toRecipients: parseAddressList('to', draft.to).map(recipient),
    ccRecipients: parseAddressList('cc', draft.cc ?? []).map(recipient),
    bccRecipients: parseAddressList('bcc', draft.bcc ?? []).map(recipient),
    replyTo: parseAddressList('replyTo', draft.replyTo ?? []).map(recipient),
    ...(draft.priority ? { importance: draft.priority } : {}),
    internetMessageId,
    ...(Object.keys(headers).length ? { internetMessageHeaders: Object.entries(headers).map(([name, value]) => ({ name, value })) } : {}),
    ...(small.length ? { attachments: small.map(fileAttachmentJson) } : {}),
  };
}

function recipientsOf(draft: MailDraft): string[] {
  return [...parseAddressList('to', draft.to), ...parseAddressList('cc', draft.cc ?? []), ...parseAddressList('bcc', draft.bcc ?? [])].map((a) => a.address);
}

const draftCreatedSchema = z.object({ id: z.string(), internetMessageId: z.string().nullish() }).loose();
const uploadSessionSchema = z.object({ uploadUrl: z.string().url(), nextExpectedRanges: z.array(z.string()).optional() }).loose();
const chunkAnswerSchema = z.object({
  nextExpectedRanges: z.array(z.string()).optional(),
  NextExpectedRanges: z.array(z.string()).optional(),
}).loose();

/** PUTs `content` to an upload session in order, in chunks under 4 MB, without Authorization. */
export async function uploadInChunks(http: GraphHttp, uploadUrl: string, content: Buffer, chunkBytes = UPLOAD_CHUNK_BYTES): Promise<void> {
  const total = content.length;
  let offset = 0;
  while (offset < total) {
    const end = Math.min(offset + chunkBytes, total);
    const res = await http.send({
      method: 'PUT', url: uploadUrl, auth: false, operation: 'send', body: content.subarray(offset, end), contentType: 'application/octet-stream',
      headers: { 'content-range': `bytes ${offset}-${end - 1}/${total}` },
    });
    if (end >= total) return;
    // The service says where it wants the next byte (outlook.office.com answers in PascalCase).
    let next = end;
    try {
      const answer = chunkAnswerSchema.parse(JSON.parse(res.body || '{}'));
      const range = (answer.nextExpectedRanges ?? answer.NextExpectedRanges)?.[0];
      const start = range ? Number(/^(\d+)/.exec(range)?.[1]) : NaN;
      if (Number.isFinite(start)) next = start;
    } catch {
      // An empty or unreadable answer to a middle chunk: continue in order.
    }
    if (next <= offset) {
      throw new ProtocolError({
        code: 'GRAPH_UPLOAD_STALLED', message: `the upload session asked for byte ${next} again after ${offset}`,
        hint: 'retry sending; if it repeats the upload session expired', details: { family: ERROR_FAMILY.send, protocol: 'graph' },
      });
    }
    offset = next;
  }
}

async function sendMime(http: GraphHttp, prefix: string, draft: MailDraft): Promise<SendResult> {
  const raw = await buildRawMessage(draft);
  if (raw.length > MAX_MIME_BYTES) {
    throw new ConfigError({
      code: 'DRAFT_TOO_LARGE_FOR_MIME',
      message: `this message needs Graph's MIME send (In-Reply-To/References, non-X- headers or ISO-2022-JP), which takes messages up to 3 MB; it is ${raw.length} bytes`,
      hint: 'drop those headers (or send as UTF-8) so large attachments can go through an upload session, or send through an smtp resource',
      field: 'attachments',
    });
  }
  await http.send({ method: 'POST', url: `${prefix}/sendMail`, body: Buffer.from(raw.toString('base64')), contentType: 'text/plain', operation: 'send' });
  const messageId = /^Message-ID:\s*<([^>\r\n]+)>/im.exec(raw.toString('latin1'))?.[1] ?? '';
  return { messageId, accepted: recipientsOf(draft), rejected: [] };
}

/** Sends a draft through Graph as the mailbox at `prefix` (`/me` or `/users/{id}`). */
export async function sendMessage(http: GraphHttp, prefix: string, draft: MailDraft): Promise<SendResult> {
  const recipients = recipientsOf(draft);
  assertRecipientLimit(recipients.length);
  if (recipients.length === 0) throw new ConfigError({ code: 'DRAFT_INVALID', message: 'the message has no recipients', hint: 'give at least one to, cc or bcc address', field: 'to' });
  assertNoLineBreak('subject', draft.subject);
  if (needsMime(draft)) return sendMime(http, prefix, draft);

  const from = parseSingleAddress('from', draft.from);
  const messageIdBare = `${randomUUID()}@${domainOf(from.address)}`;
  const attachments = await Promise.all((draft.attachments ?? []).map(resolveAttachment));
  const small = attachments.filter((a) => a.content.length < LARGE_ATTACHMENT_BYTES);
  const large = attachments.filter((a) => a.content.length >= LARGE_ATTACHMENT_BYTES);
  const message = messageJson(draft, `<${messageIdBare}>`, small);

  if (large.length === 0) {
    await http.send({ method: 'POST', url: `${prefix}/sendMail`, json: { message, saveToSentItems: true }, operation: 'send' });
    return { messageId: messageIdBare, accepted: recipients, rejected: [] };
  }

  const created = await http.json({ method: 'POST', url: `${prefix}/messages`, json: message, operation: 'send' }, draftCreatedSchema);
  try {
    for (const a of large) {
      const session = await http.json({
        method: 'POST', url: `${prefix}/messages/${seg(created.id)}/attachments/createUploadSession`, operation: 'send',
        json: { AttachmentItem: { attachmentType: 'file', name: a.name, size: a.content.length, contentType: a.contentType, ...(a.contentId ? { contentId: a.contentId, isInline: true } : {}) } },
      }, uploadSessionSchema);
      await uploadInChunks(http, session.uploadUrl, a.content);
    }
    await http.send({ method: 'POST', url: `${prefix}/messages/${seg(created.id)}/send`, operation: 'send' });
  } catch (e) {
    // Leave no half-built draft behind in Drafts.
    await http.send({ method: 'DELETE', url: `${prefix}/messages/${seg(created.id)}` }).catch(() => undefined);
    throw e;
  }
  const sent = created.internetMessageId?.replace(/^<|>$/g, '') || messageIdBare;
  return { messageId: sent, accepted: recipients, rejected: [] };
}
