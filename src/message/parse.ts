/**
 * Raw RFC 5322 message → MailMessage (plus attachment contents), with every charset decode
 * routed through charset/ so Japanese mail reads as Outlook shows it.
 *
 * mailparser decodes with libmime's own tables (encoding-japanese for ISO-2022-JP/EUC-JP, which
 * gives U+301C for the wave dash and loses NEC/IBM characters), skips the charset step for parts
 * labelled ASCII or nothing, and takes file names from mailsplit's separate libmime. simpleParser
 * gives no handle on the parser it creates, so we drive MailParser the same way simpleParser
 * does and replace three things: every text body goes to charset/body.ts (routeBodyDecoding),
 * the parser's libmime `decodeWord` (the single step every header decode ends in) and its
 * `decodeHeader` (raw 8-bit header bytes) are ours, and attachment names are read from the
 * headers the parser decoded with them (attachmentFilename). libmime still joins adjacent
 * encoded-words of one charset before calling decodeWord, which keeps a character split across
 * two words whole.
 *
 * Malformed input: mailparser is tolerant, so we decode best-effort and list what was guessed
 * in `warnings` (unknown charsets, raw 8-bit headers). Only a failure of the parser itself (or
 * of the input stream) is an error: ProtocolError MIME_MALFORMED / MESSAGE_READ_FAILED.
 */
import type { Readable } from 'node:stream';
import { MailParser } from 'mailparser';
import type { AddressObject, EmailAddress, HeaderValue } from 'mailparser';
import { ProtocolError, isMailbridgeError } from '../errors.js';
import { BodyDecodeStream, decodeEncodedWord, decodeUnlabelled } from './charset/index.js';
import type { AttachmentInfo, Importance, MailAddress, MailMessage } from './message.js';

/** An attachment with its decoded bytes. */
export interface ParsedAttachment extends AttachmentInfo {
  content: Buffer;
}

/** A message parsed from its RFC 5322 source: the MailMessage with attachment bytes and what had to be guessed. */
export interface ParsedMessage extends MailMessage {
  attachments: ParsedAttachment[];
  /** What had to be guessed while decoding (unknown charset, raw 8-bit header, …). */
  warnings: string[];
}

/** What the backend knows that the raw message does not. */
export interface ParseContext {
  id?: string;
  folder?: string;
  flags?: string[];
  receivedAt?: Date;
  size?: number;
}

/** The part of the parser's libmime instance we replace; see the module comment. */
interface LibmimeInternals {
  decodeWord(charset: string, encoding: string, text: string): string;
  decodeWords(text: string): string;
  decodeHeader(line: string): { key: string; value: string };
}

/**
 * Header bytes that are not ASCII: raw JIS (ESC sequences), raw Shift_JIS/EUC-JP or UTF-8, as
 * old Japanese mailers wrote them without RFC 2047, in any header, MIME parameters included
 * (`filename=` with raw JIS is common). mailparser reads header bytes as UTF-8, so the bytes are
 * decoded here by the same guess as unlabelled bodies (charset/sniff.ts) and handed back as the
 * UTF-8 "binary" string mailparser expects. Encoded-words and RFC 2231 values are plain ASCII,
 * so they pass through untouched and are decoded afterwards, as before.
 */
function repairRawHeader(binary: string, warn: (w: string) => void): string {
  const bytes = Buffer.from(binary, 'latin1');
  const { text, charset } = decodeUnlabelled(bytes);
  if (charset === 'ascii' || charset === 'utf-8') return binary;
  if (charset !== 'iso-2022-jp') {
    const name = charset === 'cp932' ? 'Shift_JIS (CP932)' : charset === 'euc-jp' ? 'EUC-JP' : 'Windows-1252';
    warn(`header: raw 8-bit bytes without RFC 2047 encoding, decoded as ${name}`);
  }
  return Buffer.from(text, 'utf8').toString('latin1');
}

/** Marks a text part's charset so that the body decoder (charset/body.ts) sees the label and the part type. */
const PART_MARK = 'x-mailbridge-part:';

interface ParserNode {
  contentType?: string | false;
  charset?: string | false;
  isAttachment?: boolean;
}

/** The parameters of a part header as mailparser's processHeaders left them (decoded through our libmime). */
interface StructuredHeaderValue {
  value?: string;
  params?: Record<string, string>;
}

/**
 * An attachment's file name from the part headers the parser decoded with our decoders:
 * mailsplit's own `filename` is decoded by a second, untouched libmime (encoding-japanese tables)
 * and never sees raw-byte repair, so `$BGd_e=8(B.xls` would come out of it.
 */
function attachmentFilename(
  headers: Map<string, unknown> | undefined, fallback: string | undefined,
): string | undefined {
  const disposition = headers?.get('content-disposition') as StructuredHeaderValue | undefined;
  const type = headers?.get('content-type') as StructuredHeaderValue | undefined;
  const name = disposition?.params?.filename ?? type?.params?.name;
  return typeof name === 'string' && name !== '' ? name : fallback;
}

interface RawParse {
  headers: Map<string, HeaderValue>;
  headerLines: Array<{ key: string; line: string }>;
  text?: string;
  html?: string;
  attachments: ParsedAttachment[];
}

interface ParserAttachment {
  type: 'attachment';
  headers?: Map<string, unknown>;
  content: Readable;
  contentType: string;
  contentDisposition?: string;
  filename?: string;
  cid?: string;
  related?: boolean;
  size?: number;
  checksum?: string;
  release(): void;
}
interface ParserText {
  type: 'text';
  text?: string;
  html?: string | false;
}

/** Receives each attachment as a stream; the parser waits until the returned promise settles. */
export type AttachmentSink = (a: { filename?: string; contentType: string; inline: boolean; content: Readable }) => Promise<void>;

/**
 * Every text part's body goes through charset/body.ts. mailparser only calls its decoder for
 * parts labelled neither ASCII nor UTF-8 (so an unlabelled ISO-2022-JP body kept its escapes):
 * each text part's charset is replaced by a mark carrying the real label and the part type,
 * which makes mailparser call the decoder for all of them, and the decoder is ours.
 */
function routeBodyDecoding(parser: MailParser, warn: (w: string) => void): void {
  const internals = parser as unknown as {
    createNode(node: unknown): ParserNode;
    decoder: { decodeStream(charset: string): NodeJS.ReadWriteStream };
  };
  const createNode = internals.createNode.bind(parser);
  internals.createNode = (node) => {
    const created = createNode(node);
    if (!created.isAttachment && (created.contentType === 'text/plain' || created.contentType === 'text/html')) {
      const kind = created.contentType === 'text/html' ? 'html' : 'text';
      created.charset = `${PART_MARK}${kind}:${created.charset || ''}`;
    }
    return created;
  };
  internals.decoder = {
    decodeStream(charset: string) {
      const marked = charset.startsWith(PART_MARK);
      const rest = marked ? charset.slice(PART_MARK.length) : charset;
      const html = marked && rest.startsWith('html:');
      const label = marked ? rest.slice(rest.indexOf(':') + 1) : rest;
      return new BodyDecodeStream({ ...(label !== '' ? { charset: label } : {}), html }, warn);
    },
  };
}

function runParser(
  raw: Buffer | Readable, warn: (w: string) => void, libmimeOut: { ref?: LibmimeInternals }, sink?: AttachmentSink,
): Promise<RawParse> {
  return new Promise((resolve, reject) => {
    const parser = new MailParser({ skipImageLinks: true, skipTextToHtml: true });
    routeBodyDecoding(parser, warn);
    const libmime = (parser as unknown as { libmime: LibmimeInternals }).libmime;
    libmime.decodeWord = (charset, encoding, text) => decodeEncodedWord(charset, encoding, text, warn);
    const decodeHeader = libmime.decodeHeader.bind(libmime);
    libmime.decodeHeader = (line) => {
      const h = decodeHeader(line);
      return { key: h.key, value: repairRawHeader(h.value, warn) };
    };
    libmimeOut.ref = libmime;

    const out: RawParse = { headers: new Map(), headerLines: [], attachments: [] };
    let settled = false;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      if (isMailbridgeError(err)) return reject(err);
      reject(
        new ProtocolError({
          code: 'MIME_MALFORMED',
          message: `the message could not be parsed: ${err instanceof Error ? err.message : String(err)}`,
          hint: 'save it with --raw and check its MIME structure; the server copy is untouched',
          cause: err,
        }),
      );
    };
    parser.on('error', fail);
    parser.on('headers', (headers: Map<string, HeaderValue>) => {
      out.headers = headers;
      out.headerLines = (parser as unknown as { headerLines: Array<{ key: string; line: string }> }).headerLines;
    });
    let reading = false;
    const read = (): void => {
      reading = true;
      const data = parser.read() as ParserAttachment | ParserText | null;
      if (data === null) {
        reading = false;
        return;
      }
      if (data.type === 'text') {
        if (data.text !== undefined) out.text = data.text;
        if (typeof data.html === 'string') out.html = data.html;
        return read();
      }
      const filename = attachmentFilename(data.headers, data.filename);
      if (sink) {
        // Streamed straight to the sink: a 200 MB attachment never sits in memory.
        sink({ ...(filename !== undefined ? { filename } : {}), contentType: data.contentType,
          inline: data.contentDisposition === 'inline', content: data.content })
          .then(() => { data.release(); read(); }, (err: unknown) => { data.content.resume(); parser.destroy(); fail(err); });
        return;
      }
      const chunks: Buffer[] = [];
      data.content.on('data', (c: Buffer) => chunks.push(c));
      data.content.on('end', () => {
        const content = Buffer.concat(chunks);
        out.attachments.push({
          ...(filename !== undefined ? { filename } : {}),
          contentType: data.contentType,
          size: content.length,
          ...(data.cid ? { contentId: data.cid } : {}),
          inline: data.contentDisposition === 'inline',
          ...(data.checksum ? { checksum: data.checksum } : {}),
          content,
        });
        data.release();
        read();
      });
    };
    parser.on('readable', () => {
      if (!reading) read();
    });
    parser.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(out);
    });
    if (Buffer.isBuffer(raw)) parser.end(raw);
    else {
      raw.once('error', (err: unknown) => {
        parser.destroy();
        if (isMailbridgeError(err)) return fail(err);
        if (settled) return;
        settled = true;
        reject(
          new ProtocolError({
            code: 'MESSAGE_READ_FAILED',
            message: `reading the message failed: ${err instanceof Error ? err.message : String(err)}`,
            hint: 'retry; if it keeps failing, check the connection to the mail server',
            cause: err,
            details: { family: 103 },
          }),
        );
      });
      raw.pipe(parser);
    }
  });
}

function flatten(list: EmailAddress[]): MailAddress[] {
  return list.flatMap((a): MailAddress[] => {
    if (a.group) return flatten(a.group);
    if (!a.address) return [];
    return [a.name ? { name: a.name, address: a.address } : { address: a.address }];
  });
}

function addresses(value: HeaderValue | undefined): MailAddress[] {
  if (value === undefined) return [];
  const objects = (Array.isArray(value) ? value : [value]) as AddressObject[];
  return objects.flatMap((o) => (o && Array.isArray(o.value) ? flatten(o.value) : []));
}

function importanceOf(value: HeaderValue | undefined): Importance | undefined {
  return value === 'high' || value === 'low' || value === 'normal' ? value : undefined;
}

/** Header lines → lower-case name → decoded value(s), in message order. */
function headerRecord(lines: RawParse['headerLines'], libmime: LibmimeInternals | undefined): Record<string, string | string[]> {
  const record: Record<string, string | string[]> = {};
  for (const { key, line } of lines) {
    const h = libmime ? libmime.decodeHeader(line) : { key, value: line.slice(line.indexOf(':') + 1).trim() };
    let value = Buffer.from(h.value, 'latin1').toString('utf8');
    try {
      value = libmime ? libmime.decodeWords(value) : value;
    } catch {
      // a broken encoded-word stays as written
    }
    const prev = record[key];
    if (prev === undefined) record[key] = value;
    else record[key] = Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  return record;
}

/** Parses a raw message (Buffer or stream). Never throws a raw exception: see the module comment. */
export async function parseMessage(raw: Buffer | Readable, ctx: ParseContext = {}): Promise<ParsedMessage> {
  const warnings: string[] = [];
  const warn = (w: string) => {
    if (!warnings.includes(w)) warnings.push(w);
  };
  const libmime: { ref?: LibmimeInternals } = {};
  const p = await runParser(raw, warn, libmime);
  const h = p.headers;
  const subject = h.get('subject');
  const messageId = h.get('message-id');
  const date = h.get('date');
  const from = addresses(h.get('from'))[0];
  const sender = addresses(h.get('sender'))[0];
  const flags = ctx.flags ?? [];
  const importance = importanceOf(h.get('priority'));
  return {
    id: ctx.id ?? (typeof messageId === 'string' ? messageId : ''),
    ...(ctx.folder !== undefined ? { folder: ctx.folder } : {}),
    ...(typeof messageId === 'string' ? { messageId } : {}),
    subject: typeof subject === 'string' ? subject : '',
    ...(from ? { from } : {}),
    ...(sender ? { sender } : {}),
    to: addresses(h.get('to')),
    cc: addresses(h.get('cc')),
    bcc: addresses(h.get('bcc')),
    replyTo: addresses(h.get('reply-to')),
    ...(date instanceof Date ? { date } : {}),
    ...(ctx.receivedAt ? { receivedAt: ctx.receivedAt } : {}),
    flags,
    seen: flags.includes('\\Seen'),
    flagged: flags.includes('\\Flagged'),
    size: ctx.size ?? (Buffer.isBuffer(raw) ? raw.length : undefined),
    hasAttachments: p.attachments.some((a) => !a.inline),
    ...(p.text !== undefined ? { text: p.text } : {}),
    ...(p.html !== undefined ? { html: p.html } : {}),
    headers: headerRecord(p.headerLines, libmime.ref),
    attachments: p.attachments,
    ...(importance ? { importance } : {}),
    warnings,
  };
}

/**
 * Streams every attachment of a raw message to `sink`, decoding file names exactly as
 * parseMessage does; bodies are parsed and dropped. Bulk fetch uses it on the saved .eml so
 * each message crosses the network once.
 */
export async function streamAttachments(raw: Readable, sink: AttachmentSink): Promise<void> {
  await runParser(raw, () => undefined, {}, sink);
}

/** Parses only the header block (for listings): no bodies, no attachments. */
export async function parseHeadersOnly(raw: Buffer, ctx: ParseContext = {}): Promise<ParsedMessage> {
  const end = raw.indexOf('\r\n\r\n');
  const endLf = raw.indexOf('\n\n');
  const cut = end >= 0 ? end + 4 : endLf >= 0 ? endLf + 2 : raw.length;
  // The body is cut off; a multipart Content-Type then just yields no parts.
  const head = raw.subarray(0, cut);
  const parsed = await parseMessage(Buffer.concat([head, Buffer.from('\r\n')]), { ...ctx, size: ctx.size ?? raw.length });
  return { ...parsed, hasAttachments: false, attachments: [] };
}

/**
 * An attachment's file name from its part's raw MIME header block (IMAP BODY[n.MIME]), decoded
 * exactly as parseMessage decodes names; undefined when the header names no file.
 */
export async function partFilename(mimeHeader: Buffer): Promise<string | undefined> {
  const parsed = await parseMessage(Buffer.concat([mimeHeader, Buffer.from('\r\n\r\n')]));
  return parsed.attachments[0]?.filename;
}
