/**
 * MailDraft → nodemailer Mail.Options (what the SMTP sender passes to sendMail), and → raw
 * RFC 5322 bytes through nodemailer's MailComposer (IMAP APPEND, tests).
 *
 * UTF-8 (default): bodies base64, headers as B-words, file names as RFC 2231 UTF-8 plus a
 * B-word name= for old readers: Outlook, Gmail, iOS and Android mailers all display this.
 * ISO-2022-JP (on request): subject, display names, bodies and file names in ISO-2022-JP
 * (RFC 1468), the way Japanese mailers have sent for decades; see charset/iso2022jp.ts.
 */
import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { SendMailOptions } from 'nodemailer/lib/mailer';
import { detectMimeType, foldLines } from 'nodemailer/lib/mime-funcs';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { encodeIso2022jp, encodeIso2022jpWords } from './charset/index.js';
import {
  DEFAULT_MAX_RECIPIENTS,
  assertNoLineBreak,
  assertRecipientLimit,
  parseAddressList,
  parseSingleAddress,
  validateCustomHeaders,
} from './headers.js';
import type { DraftAttachment, MailAddress, MailDraft } from './message.js';

type Attachment = NonNullable<SendMailOptions['attachments']>[number];

/** Options of `composeMessage` and `buildRawMessage`. */
export interface ComposeOptions {
  /** Recipients (to+cc+bcc) allowed per message; default 500 (Exchange Online). */
  maxRecipients?: number;
}

// ----------------------------------------------------------------- the draft at the boundary

const addressInput = z.union([
  z.string().min(1),
  z.object({ name: z.string().optional(), address: z.string().min(1) }),
]);
const attachmentBase = {
  filename: z.string().min(1).optional(),
  contentType: z.string().min(1).optional(),
  cid: z.string().min(1).optional(),
};
const draftAttachment = z.union([
  z.object({ path: z.string().min(1), ...attachmentBase }),
  z.object({ content: z.instanceof(Buffer), ...attachmentBase }),
  z.object({ stream: z.instanceof(Readable), ...attachmentBase }),
]);

/** zod schema of a MailDraft, for drafts that arrive from outside (CLI, REST, files). */
export const mailDraftSchema = z.object({
  from: addressInput,
  sender: addressInput.optional(),
  to: z.array(addressInput),
  cc: z.array(addressInput).optional(),
  bcc: z.array(addressInput).optional(),
  replyTo: z.array(addressInput).optional(),
  subject: z.string(),
  text: z.string().optional(),
  html: z.string().optional(),
  attachments: z.array(draftAttachment).optional(),
  priority: z.enum(['high', 'normal', 'low']).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  inReplyTo: z.string().optional(),
  references: z.array(z.string()).optional(),
  encoding: z.enum(['utf-8', 'iso-2022-jp']).optional(),
});

/** Validates an external draft; throws ConfigError DRAFT_INVALID naming the first bad field. */
export function parseMailDraft(input: unknown): MailDraft {
  const r = mailDraftSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue?.path.join('.') || 'draft';
  throw new ConfigError({
    code: 'DRAFT_INVALID',
    message: `the message draft is invalid at ${field}: ${issue?.message ?? 'unknown problem'}`,
    hint: 'check the draft fields (from, to[], subject, text/html, attachments[])',
    field,
  });
}

// ----------------------------------------------------------------- validation

interface CheckedDraft {
  from: MailAddress;
  sender?: MailAddress;
  to: MailAddress[];
  cc: MailAddress[];
  bcc: MailAddress[];
  replyTo: MailAddress[];
  attachments: Array<{ source: DraftAttachment; filename: string; contentType: string }>;
}

function checkDraft(draft: MailDraft, opts: ComposeOptions): CheckedDraft {
  const from = parseSingleAddress('from', draft.from);
  const sender = draft.sender === undefined ? undefined : parseSingleAddress('sender', draft.sender);
  const to = parseAddressList('to', draft.to);
  const cc = parseAddressList('cc', draft.cc ?? []);
  const bcc = parseAddressList('bcc', draft.bcc ?? []);
  const replyTo = parseAddressList('replyTo', draft.replyTo ?? []);
  assertRecipientLimit(to.length + cc.length + bcc.length, opts.maxRecipients ?? DEFAULT_MAX_RECIPIENTS);
  assertNoLineBreak('subject', draft.subject);
  if (draft.inReplyTo !== undefined) assertNoLineBreak('inReplyTo', draft.inReplyTo);
  for (const r of draft.references ?? []) assertNoLineBreak('references', r);
  validateCustomHeaders(draft.headers ?? {});
  for (const name of Object.keys(draft.headers ?? {})) {
    if (name.toLowerCase().startsWith(JIS_HEADER_PREFIX)) {
      throw new ConfigError({
        code: 'HEADER_RESERVED',
        message: `custom header ${name} uses a prefix mailbridge reserves for itself`,
        hint: 'rename the header',
        field: `headers.${name}`,
      });
    }
  }
  const attachments = (draft.attachments ?? []).map((a, i) => {
    const field = `attachments[${i}]`;
    const filename = a.filename ?? ('path' in a ? basename(a.path) : undefined);
    if (filename === undefined) {
      throw new ConfigError({
        code: 'ATTACHMENT_NAME_MISSING',
        message: `${field} has content but no filename`,
        hint: 'give every buffer or stream attachment a filename',
        field: `${field}.filename`,
      });
    }
    assertNoLineBreak(`${field}.filename`, filename);
    if (a.contentType !== undefined) assertNoLineBreak(`${field}.contentType`, a.contentType);
    if (a.cid !== undefined) {
      assertNoLineBreak(`${field}.cid`, a.cid);
      if (/[<>\s]/.test(a.cid)) {
        throw new ConfigError({
          code: 'ATTACHMENT_CID_INVALID',
          message: `${field}.cid must not contain spaces or angle brackets`,
          hint: 'use a cid like logo@example (referenced as cid:logo@example in the HTML)',
          field: `${field}.cid`,
        });
      }
    }
    const contentType = a.contentType ?? detectMimeType(filename.split('.').pop() ?? false);
    return { source: a, filename, contentType };
  });
  return {
    from,
    ...(sender ? { sender } : {}),
    to,
    cc,
    bcc,
    replyTo,
    attachments,
  };
}

// ----------------------------------------------------------------- ISO-2022-JP pieces

function unmappableError(field: string, chars: string[]): ConfigError {
  const shown = [...new Set(chars)].slice(0, 5).join(' ');
  return new ConfigError({
    code: 'CHARSET_UNMAPPABLE',
    message: `${field} has characters ISO-2022-JP cannot carry: ${shown}`,
    hint: "send with encoding 'utf-8' (the default), or remove those characters",
    field,
  });
}

function jisWords(field: string, text: string): string {
  const { value, unmappable } = encodeIso2022jpWords(text);
  if (unmappable.length > 0) throw unmappableError(field, unmappable);
  return value;
}

function jisAddress(field: string, a: MailAddress): string {
  if (!a.name) return `<${a.address}>`;
  // ASCII names are quoted (a comma or dot in a name must not split it); encoded-words never are.
  const name = /[^\x00-\x7f]/.test(a.name) ? jisWords(field, a.name) : quote(a.name);
  return `${name} <${a.address}>`;
}

function jisAddressList(field: string, list: MailAddress[]): string {
  return list.map((a) => jisAddress(field, a)).join(', ');
}

/** RFC 5322 quoted-string. */
function quote(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** Longest body line, in bytes with its escape sequences, that old Japanese mailers take (RFC 2822 §2.1.1's 78). */
const JIS_LINE_BYTES = 76;

/**
 * A plain-text line cut into pieces of at most JIS_LINE_BYTES encoded bytes, each a whole JIS
 * sequence (ESC ( B before its end), cut between characters, never inside one.
 */
function foldJisLine(line: string): string[] {
  const pieces: string[] = [];
  let piece = '';
  for (const ch of line) {
    // +1 for the space that marks a soft break
    if (piece !== '' && encodeIso2022jp(piece + ch).bytes.length + 1 > JIS_LINE_BYTES) {
      pieces.push(piece);
      piece = '';
    }
    piece += ch;
  }
  return [...pieces, piece];
}

/** An ISO-2022-JP body: its Content-Type and its bytes, CRLF line ends, ASCII before each. */
interface JisBody {
  contentType: string;
  bytes: Buffer;
}

/**
 * text/plain in ISO-2022-JP as old Japanese mailers expect it (RFC 1468): ESC ( B before every
 * line end, lines of at most 76 bytes. A longer line is folded as format=flowed with DelSp=yes
 * (RFC 3676 §4.2, meant for languages written without spaces): a flowed reader (Thunderbird,
 * Apple Mail, mailparser) rejoins it exactly, any other shows the breaks.
 */
function jisTextBody(text: string): JisBody {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const long = lines.some((l) => encodeIso2022jp(l).bytes.length > JIS_LINE_BYTES);
  let out: string[] = lines;
  if (long) {
    out = lines.flatMap((line) => {
      // RFC 3676 §4.2/4.4: a hard line ends without a space; space-stuff lines a reader would misread
      const hard = line.replace(/ +$/, '');
      const stuffed = /^(?: |>|From )/.test(hard) ? ` ${hard}` : hard;
      const pieces = foldJisLine(stuffed);
      return pieces.map((p, i) => (i < pieces.length - 1 ? `${p} ` : p));
    });
  }
  const { bytes, unmappable } = encodeIso2022jp(out.join('\r\n'));
  if (unmappable.length > 0) throw unmappableError('text', unmappable);
  const flowed = long ? '; format=flowed; delsp=yes' : '';
  return { contentType: `text/plain; charset=ISO-2022-JP${flowed}`, bytes };
}

/** text/html in ISO-2022-JP; its lines are not folded (a reader could not rejoin them safely). */
function jisHtmlBody(html: string): JisBody {
  const { bytes, unmappable } = encodeIso2022jp(html.replace(/\r?\n/g, '\r\n'));
  if (unmappable.length > 0) throw unmappableError('html', unmappable);
  return { contentType: 'text/html; charset=ISO-2022-JP', bytes };
}

/** RFC 5322 §2.1.1: the longest line a 7bit body may have, CRLF excluded. */
const MAX_7BIT_LINE = 998;

/** 7bit (RFC 2045 §2.7) describes the bytes: no NUL, no 8-bit byte, no line over 998 bytes. */
function fitsSevenBit(bytes: Buffer): boolean {
  if (bytes.some((b) => b === 0 || b >= 0x80)) return false;
  return bytes.toString('latin1').split('\r\n').every((line) => line.length <= MAX_7BIT_LINE);
}

/**
 * A body part in ISO-2022-JP sent as it is, Content-Transfer-Encoding 7bit, the form RFC 1468
 * describes and old Japanese mailers expect. nodemailer labels any body holding ESC bytes
 * quoted-printable or base64 whatever it is told (its 7bit test rejects control characters), so
 * the part goes in as a pre-built (raw) node. HTML with a line over 998 bytes stays base64.
 */
function jisBodyPart(body: JisBody): Attachment {
  if (!fitsSevenBit(body.bytes)) {
    return { contentType: body.contentType, content: body.bytes, contentTransferEncoding: 'base64' };
  }
  const head = `${foldLines(`Content-Type: ${body.contentType}`, 76)}\r\nContent-Transfer-Encoding: 7bit`;
  return { contentType: body.contentType, raw: Buffer.concat([Buffer.from(`${head}\r\n\r\n`, 'latin1'), body.bytes]) };
}

async function* bytesOf(src: DraftAttachment): AsyncGenerator<Buffer> {
  if ('content' in src) {
    yield src.content;
    return;
  }
  const stream = 'path' in src ? createReadStream(src.path) : src.stream;
  for await (const chunk of stream) yield Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
}

/** 57 input bytes → one 76-character base64 line. */
const BASE64_LINE_BYTES = 57;

async function* base64Part(head: string, src: DraftAttachment): AsyncGenerator<Buffer> {
  yield Buffer.from(`${head}\r\n\r\n`, 'latin1');
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of bytesOf(src)) {
    carry = Buffer.concat([carry, chunk]);
    const whole = carry.length - (carry.length % BASE64_LINE_BYTES);
    const lines: string[] = [];
    for (let i = 0; i < whole; i += BASE64_LINE_BYTES) lines.push(carry.subarray(i, i + BASE64_LINE_BYTES).toString('base64'));
    if (lines.length) yield Buffer.from(lines.join('\r\n') + '\r\n', 'latin1');
    carry = carry.subarray(whole);
  }
  if (carry.length) yield Buffer.from(carry.toString('base64') + '\r\n', 'latin1');
}

/**
 * An attachment whose file name is an ISO-2022-JP encoded-word in quotes
 * (`filename="=?ISO-2022-JP?B?...?="`), the form Japanese mailers send and Outlook reads.
 * nodemailer would turn any non-token file name into RFC 2231 UTF-8, so the part is written
 * here and handed over as a pre-built (raw) part.
 */
function jisAttachment(a: CheckedDraft['attachments'][number], i: number): Attachment {
  const name = quote(jisWords(`attachments[${i}].filename`, a.filename));
  const cid = a.source.cid;
  const disposition = cid !== undefined ? 'inline' : 'attachment';
  const head = [
    foldLines(`Content-Type: ${a.contentType}; name=${name}`, 76),
    'Content-Transfer-Encoding: base64',
    foldLines(`Content-Disposition: ${disposition}; filename=${name}`, 76),
    ...(cid !== undefined ? [`Content-ID: <${cid}>`] : []),
  ].join('\r\n');
  return {
    contentType: a.contentType,
    ...(cid !== undefined ? { cid, contentDisposition: 'inline' as const } : {}),
    raw: Readable.from(base64Part(head, a.source)),
  };
}

/**
 * Custom headers are emitted under this prefix and renamed by normalizeHeaderKey on the way
 * out: nodemailer re-encodes (and quotes) display names given through from/to or through
 * prepared From/To headers, so this is the one way to put ISO-2022-JP encoded-words there.
 */
const JIS_HEADER_PREFIX = 'x-mailbridge-jis-';

function renameJisHeader(key: string): string {
  return key.toLowerCase().startsWith(JIS_HEADER_PREFIX) ? key.slice(JIS_HEADER_PREFIX.length) : key;
}

// ----------------------------------------------------------------- composition

function toNodemailerAttachment(
  a: CheckedDraft['attachments'][number],
  filename: string,
): Attachment {
  const src = a.source;
  const base: Attachment = { filename, contentType: a.contentType };
  if (src.cid !== undefined) Object.assign(base, { cid: src.cid, contentDisposition: 'inline' as const });
  if ('path' in src) return { ...base, path: src.path };
  if ('content' in src) return { ...base, content: src.content };
  return { ...base, content: src.stream };
}

/**
 * The priority headers Outlook reads (Importance) and older clients read (X-Priority,
 * X-MSMail-Priority). Written here rather than through nodemailer's `priority` option, which
 * only sendMail applies, so buildRawMessage produces the same message.
 */
function priorityHeaders(priority: MailDraft['priority']): Record<string, string> {
  if (priority === 'high') return { 'X-Priority': '1 (Highest)', 'X-MSMail-Priority': 'High', Importance: 'High' };
  if (priority === 'low') return { 'X-Priority': '5 (Lowest)', 'X-MSMail-Priority': 'Low', Importance: 'Low' };
  return {};
}

const plain = (a: MailAddress) => (a.name ? { name: a.name, address: a.address } : a.address);

/** MailDraft → Mail.Options for nodemailer's sendMail. Throws ConfigError on bad input. */
export function composeMessage(draft: MailDraft, opts: ComposeOptions = {}): SendMailOptions {
  const c = checkDraft(draft, opts);
  const common: SendMailOptions = {
    ...(draft.inReplyTo ? { inReplyTo: draft.inReplyTo } : {}),
    ...(draft.references?.length ? { references: draft.references } : {}),
  };
  if ((draft.encoding ?? 'utf-8') === 'utf-8') {
    return {
      ...common,
      from: plain(c.from),
      ...(c.sender ? { sender: plain(c.sender) } : {}),
      to: c.to.map(plain),
      ...(c.cc.length ? { cc: c.cc.map(plain) } : {}),
      ...(c.bcc.length ? { bcc: c.bcc.map(plain) } : {}),
      ...(c.replyTo.length ? { replyTo: c.replyTo.map(plain) } : {}),
      subject: draft.subject,
      ...(draft.text !== undefined ? { text: draft.text } : {}),
      ...(draft.html !== undefined ? { html: draft.html } : {}),
      headers: { ...(draft.headers ?? {}), ...priorityHeaders(draft.priority) },
      attachments: c.attachments.map((a) => toNodemailerAttachment(a, a.filename)),
      // base64 bodies and B-words: Japanese text is shorter this way than in QP, and every
      // reader handles it.
      textEncoding: 'base64',
    };
  }
  return composeIso2022jp(draft, c, common);
}

/** ISO-2022-JP mode: see the helpers above for why each piece is built the way it is. */
function composeIso2022jp(draft: MailDraft, c: CheckedDraft, common: SendMailOptions): SendMailOptions {
  const headers: Record<string, string> = { ...(draft.headers ?? {}), ...priorityHeaders(draft.priority) };
  const put = (name: string, value: string) => {
    headers[`${JIS_HEADER_PREFIX}${name}`] = value;
  };
  put('From', jisAddress('from', c.from));
  if (c.sender) put('Sender', jisAddress('sender', c.sender));
  put('To', jisAddressList('to', c.to));
  if (c.cc.length) put('Cc', jisAddressList('cc', c.cc));
  if (c.replyTo.length) put('Reply-To', jisAddressList('replyTo', c.replyTo));
  const bodies: JisBody[] = [];
  if (draft.text !== undefined) bodies.push(jisTextBody(draft.text));
  if (draft.html !== undefined) bodies.push(jisHtmlBody(draft.html));
  if (bodies.length === 0) bodies.push(jisTextBody(''));
  const options: SendMailOptions = {
    ...common,
    subject: jisWords('subject', draft.subject),
    headers,
    normalizeHeaderKey: renameJisHeader,
    // nodemailer derives the envelope from the from/to options, which are left out here.
    envelope: { from: c.from.address, to: [...c.to, ...c.cc, ...c.bcc].map((a) => a.address) },
  };
  const [only] = bodies;
  if (bodies.length === 1 && c.attachments.length === 0 && only !== undefined && fitsSevenBit(only.bytes)) {
    return singlePartJis(options, only);
  }
  return { ...options, alternatives: bodies.map(jisBodyPart), attachments: c.attachments.map(jisAttachment) };
}

/**
 * A message that is one 7bit ISO-2022-JP body. A pre-built part at the root would lose the
 * message headers, so nodemailer writes the headers for an ASCII stand-in body (which it labels
 * 7bit itself) and the real bytes follow them; the result goes out as nodemailer's `raw` message.
 */
function singlePartJis(options: SendMailOptions, body: JisBody): SendMailOptions {
  const standIn = { contentType: body.contentType, content: '.' };
  const root = new MailComposer({ ...options, alternatives: [standIn] }).compile();
  const head = root.buildHeaders();
  return {
    envelope: options.envelope,
    // the same id sendMail reports back
    messageId: root.messageId(),
    raw: Buffer.concat([Buffer.from(`${head}\r\n\r\n`, 'utf8'), body.bytes]),
  };
}

/** Collects a readable into one Buffer. */
async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks);
}

/** The full RFC 5322 message for a draft (IMAP APPEND, .eml export, tests). Bcc is not written. */
export async function buildRawMessage(draft: MailDraft, opts: ComposeOptions = {}): Promise<Buffer> {
  const options = composeMessage(draft, opts);
  return readAll(new MailComposer(options).compile().createReadStream());
}
