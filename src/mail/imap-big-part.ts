/**
 * A big attachment of an IMAP message as a decoded stream straight from the server (see
 * protocols/imap/stream-part.ts for why not imapflow's download), or undefined when that path
 * does not apply and the caller should download through imapflow.
 */
import { Readable } from 'node:stream';
import type { AccessTokenProvider } from '../auth/token-provider.js';
import type { Resource } from '../config/resource.js';
import { PartStreamUnavailable, streamPart } from '../protocols/imap/stream-part.js';
import { canStreamDecode, RingDecoder } from '../message/transfer-decode.js';

/** Encoded size above which a part is streamed on a connection of its own (a login costs ~10 ms). */
export const STREAM_PART_ABOVE = 4 * 2 ** 20;

export async function openBigPart(
  o: { resource: Resource; tokens: AccessTokenProvider },
  folder: string,
  uid: number,
  part: string,
  mimeHeader: Buffer | undefined,
): Promise<Readable | undefined> {
  const encoding = mimeHeader ? transferEncoding(mimeHeader) : undefined;
  const user = o.resource.user ?? o.resource.from;
  if (!mimeHeader || !canStreamDecode(encoding) || !user) return undefined;
  const chunks = streamPart(
    { resource: o.resource, user, token: await o.tokens.getAccessToken(), folder, uid, part },
    new RingDecoder(encoding),
  );
  let first: IteratorResult<Buffer>;
  try {
    // connect, log in, select and start the FETCH: any refusal up to here leaves nothing behind
    first = await chunks.next();
  } catch (e) {
    if (e instanceof PartStreamUnavailable) return undefined;
    throw e;
  }
  async function* all(): AsyncGenerator<Buffer> {
    if (!first.done) yield first.value;
    yield* chunks;
  }
  // highWaterMark 1: one output read ahead at most (the ring reuses the buffers taken before)
  return Readable.from(all(), { objectMode: false, highWaterMark: 1 });
}

/** Content-Transfer-Encoding of a part's MIME header block (unfolded), undefined when absent. */
export function transferEncoding(header: Buffer): string | undefined {
  const text = header.toString('latin1').replace(/\r?\n[ \t]+/g, ' ');
  const m = /^content-transfer-encoding:[ \t]*([^\s;(]+)/im.exec(text);
  return m?.[1]?.toLowerCase();
}
