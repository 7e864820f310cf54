/**
 * Cuts the attachments out of a message held whole in memory (a bulk fetch's source, at most
 * STREAMED_ABOVE bytes) into a folder, without parsing anything else: the MIME tree is split by
 * mailsplit (the splitter mailparser itself runs, so parts, limits and failures are the same as
 * `get`'s), each attachment part's transfer encoding is undone by mailsplit's decoder, and only the attachment's
 * header block goes through the full decoder (parse.ts partFilename) for its file name. Text
 * bodies are neither decoded nor kept: a bulk fetch saves the .eml, and `get` parses it fully
 * when asked. This is several times cheaper than mailparser's whole parse (which decodes every
 * text body to UTF-8, hashes every attachment, and builds the header model), and it is what
 * lets the fetch keep up with the network.
 */
import { once } from 'node:events';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Transform } from 'node:stream';
import { Splitter } from '@zone-eu/mailsplit';
import { ProtocolError, StoreError, isMailbridgeError, type ErrorCode } from '../errors.js';
import { candidate, sanitizeFilename } from '../message/attachments.js';
import { leafRegions } from './mime-regions.js';
import { partFilename } from '../message/parse.js';

export interface CutResult {
  /** The attachment files written (inside `dir`), in message order. */
  files: string[];
  /** Set when the parser refused the message (too many parts, a huge header block, …): nothing was kept. */
  failure?: { code: ErrorCode; message: string };
}

/** mailparser's text part types (keepDeliveryStatus off): a part of these types is an attachment only when not inline. */
const TEXT_TYPES = ['text/plain', 'text/html', 'message/delivery-status'];

interface SplitNode {
  type: 'node';
  root: boolean;
  multipart: string | false;
  contentType: string | false;
  disposition: string | false;
  filename: string | false;
  encoding: string | false;
  messageNode?: boolean;
  getHeaders(): Buffer;
  getDecoder(): Transform;
}
type SplitChunk = SplitNode | { type: 'body' | 'data'; value: Buffer; node: SplitNode };

/**
 * mailparser's rule (MailParser#createNode) for which leaf parts are attachments, so that a
 * bulk fetch cuts exactly what `get` lists: a disposition other than inline or attachment
 * counts as attachment; without one, every non-text type is an attachment.
 */
export function isAttachmentNode(node: Pick<SplitNode, 'root' | 'contentType' | 'disposition'>): boolean {
  const type = node.contentType || (node.root ? 'text/plain' : '');
  let disposition = node.disposition || '';
  if (disposition && disposition !== 'attachment' && disposition !== 'inline') disposition = 'attachment';
  if (!disposition) disposition = TEXT_TYPES.includes(type) ? 'inline' : 'attachment';
  return !TEXT_TYPES.includes(type) || disposition !== 'inline';
}

interface FoundPart {
  node: SplitNode;
  lines: Buffer[];
}

/**
 * The attachment parts of `source` with their encoded bodies: found by delimiter search
 * (mime-regions.ts) when that is sure to agree with mailsplit, else by mailsplit in one pass.
 */
function splitParts(source: Buffer): Promise<FoundPart[]> {
  const regions = leafRegions(source);
  if (regions) {
    const parts = regions
      .filter((r) => isAttachmentNode(r.node))
      .map((r) => ({ node: r.node as unknown as SplitNode, lines: [r.body] }));
    return Promise.resolve(parts);
  }
  return new Promise((resolve, reject) => {
    const parts: FoundPart[] = [];
    let current: FoundPart | undefined;
    const splitter = new Splitter() as unknown as NodeJS.ReadWriteStream;
    splitter.on('data', (chunk: SplitChunk) => {
      if (chunk.type === 'node') {
        current = undefined;
        if (chunk.multipart || chunk.messageNode || !isAttachmentNode(chunk)) return;
        current = { node: chunk, lines: [] };
        parts.push(current);
      } else if (chunk.type === 'body' && current) current.lines.push(chunk.value);
    });
    splitter.once('end', () => resolve(parts));
    splitter.once('error', reject);
    // In 64 KiB writes: the splitter scans each write for line ends, and one multi-megabyte
    // write made it twice as slow.
    for (let at = 0; at < source.length; at += 65_536) splitter.write(source.subarray(at, at + 65_536));
    splitter.end();
  });
}

/**
 * The part's file name as `get` decodes it. A header block of plain ASCII without encoded-words
 * or RFC 2231 parameters has nothing to decode, so mailsplit's reading of it is already the
 * answer; anything else goes through the full decoder (raw JIS/Shift_JIS, RFC 2047, RFC 2231),
 * which costs a parser setup (milliseconds) per attachment.
 */
async function filenameOf(node: SplitNode): Promise<string | undefined> {
  const header = node.getHeaders();
  const plain =
    !/[^\x00-\x7f]/.test(header.toString('latin1')) &&
    !header.includes('=?') &&
    !/\*\s*=/.test(header.toString('latin1'));
  if (plain) return node.filename || undefined;
  return (await partFilename(header)) ?? (node.filename || undefined);
}

/**
 * Undoes the part's transfer encoding as mailsplit's decoder would (what mailparser hands out).
 * Base64 made of the alphabet and line ends only, padded at its end only, is decoded natively
 * in one call (the decoder's per-character clean-up cost as much as the rest of the cut); the
 * result is the same, since that decoder only drops the characters outside the alphabet.
 */
async function decodePart(p: FoundPart): Promise<Buffer> {
  const body = Buffer.concat(p.lines);
  if (p.node.encoding === 'base64') {
    const text = body.toString('latin1');
    const pad = text.indexOf('=');
    if (!/[^A-Za-z0-9+/=\r\n]/.test(text) && (pad < 0 || !/[^=\r\n]/.test(text.slice(pad))))
      return Buffer.from(text, 'base64');
  }
  const decoder = p.node.getDecoder();
  const out: Buffer[] = [];
  decoder.on('data', (c: Buffer) => out.push(c));
  const done = once(decoder, 'end');
  decoder.end(body);
  await done;
  return Buffer.concat(out);
}

/**
 * Writes every attachment of `source` into `dir` (created on the first one; names cleaned and
 * made unique, files not fsynced: the caller syncs a batch at once). `dir` must be a folder of
 * this run's own (a staged `.mb-*.d.part`): files are created under their final names with
 * O_EXCL, since the whole folder is renamed into place only once complete. A message the
 * splitter refuses is a `failure` with nothing written; a disk error throws.
 */
export async function cutAttachments(source: Buffer, dir: string): Promise<CutResult> {
  let parts: FoundPart[];
  const names: Array<string | undefined> = [];
  try {
    parts = await splitParts(source);
    for (const p of parts) names.push(await filenameOf(p.node));
  } catch (e) {
    // A message the parser refuses is this message's problem only.
    if (e instanceof ProtocolError) return { files: [], failure: { code: e.code, message: e.message } };
    if (isMailbridgeError(e)) throw e;
    const message = `the message could not be parsed: ${e instanceof Error ? e.message : String(e)}`;
    return { files: [], failure: { code: 'MIME_MALFORMED', message } };
  }
  const files: string[] = [];
  if (parts.length === 0) return { files };
  await mkdir(dir, { recursive: true }).catch((e: unknown) => {
    throw saveFailed(`cannot create the directory ${dir}`, e);
  });
  for (const [i, p] of parts.entries()) {
    const content = await decodePart(p);
    files.push(await writeExclusive(dir, sanitizeFilename(names[i], `attachment-${i + 1}`), content));
  }
  return { files };
}

/** Creates `dir/name` (or `name (1)`, … when taken) with O_EXCL: never over another file or a planted link. */
async function writeExclusive(dir: string, name: string, content: Buffer): Promise<string> {
  for (let n = 0; ; n++) {
    const path = join(dir, candidate(name, n));
    try {
      await writeFile(path, content, { flag: 'wx', mode: 0o600 });
      return path;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || n >= 9999)
        throw saveFailed(`saving ${name} to ${dir} failed`, e);
    }
  }
}

function saveFailed(what: string, cause: unknown): StoreError {
  return new StoreError({
    code: 'ATTACHMENT_SAVE_FAILED',
    message: `${what}: ${(cause as Error).message}`,
    hint: 'retry; check free disk space and that you can write to the directory',
    cause,
  });
}

/** The failure of a cut as the error a whole parse would have thrown. */
export function cutFailure(f: NonNullable<CutResult['failure']>): ProtocolError {
  return new ProtocolError({
    code: f.code,
    message: f.message,
    hint: 'save it with --raw and check its MIME structure; the server copy is untouched',
  });
}
