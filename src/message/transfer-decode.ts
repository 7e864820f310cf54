/**
 * Content-Transfer-Encoding undone on a stream, for parts too big to hold whole (a streamed
 * attachment), in flat memory: base64 is decoded byte by byte through a table into a small
 * ring of output buffers that are reused once written, so a 200 MiB part allocates no
 * strings and almost no buffers (libbase64's stream, what imapflow and mailparser use, cleans
 * the text with a regular expression per chunk and decodes it through strings: the garbage
 * grows the process by tens of MiB before the collector runs, and costs more CPU than the TLS).
 * The ring assumes what saveAttachmentStream does: each chunk is written before the next is read.
 */
const OUT_CHUNK = 256 * 1024;
/** Chunks that may be alive at once: one being written, one read ahead by the stream, one filling. */
const RING = 4;

/** Whether {@link decodeTransferStream} handles this encoding (quoted-printable is not streamed here). */
export function canStreamDecode(encoding: string | undefined): boolean {
  const e = (encoding ?? '7bit').trim().toLowerCase();
  return e === 'base64' || e === '7bit' || e === '8bit' || e === 'binary';
}

/** base64 alphabet → 6-bit value; 64 for '=', 255 for anything RFC 2045 §6.8 says to ignore. */
const TABLE = (() => {
  const t = new Uint8Array(256).fill(255);
  const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < abc.length; i++) t[abc.charCodeAt(i)] = i;
  t[0x3d] = 64;
  return t;
})();

/**
 * The decoded bytes of `chunks`. Identity encodings pass through as they come. Each yielded
 * buffer is valid until the consumer asks for the RING-th next one.
 */
export async function* decodeTransferStream(chunks: AsyncIterable<Buffer>, encoding: string | undefined): AsyncGenerator<Buffer> {
  if ((encoding ?? '').trim().toLowerCase() !== 'base64') {
    yield* chunks;
    return;
  }
  const ring = Array.from({ length: RING }, () => Buffer.allocUnsafeSlow(OUT_CHUNK));
  let slot = 0;
  let out = ring[0] as Buffer;
  let o = 0;
  // the bits of an unfinished group (a group can span chunks), and how many characters it has
  let acc = 0;
  let n = 0;
  let ended = false;
  for await (const chunk of chunks) {
    for (let i = 0; i < chunk.length; i++) {
      const v = TABLE[chunk[i] as number] as number;
      if (v === 255 || ended) continue;
      if (v === 64) {
        // padding: the group ends short (RFC 4648 §4); what follows it is not data
        if (n === 2) out[o++] = acc >> 4;
        else if (n === 3) {
          out[o++] = acc >> 10;
          out[o++] = (acc >> 2) & 0xff;
        }
        ended = n >= 2;
        acc = 0;
        n = 0;
        continue;
      }
      acc = (acc << 6) | v;
      if (++n === 4) {
        out[o++] = acc >> 16;
        out[o++] = (acc >> 8) & 0xff;
        out[o++] = acc & 0xff;
        acc = 0;
        n = 0;
        if (o > OUT_CHUNK - 3) {
          yield out.subarray(0, o);
          slot = (slot + 1) % RING;
          out = ring[slot] as Buffer;
          o = 0;
        }
      }
    }
  }
  // a last group cut short without padding (a broken sender): as far as it goes, as libbase64 does
  if (n === 2) out[o++] = acc >> 4;
  else if (n === 3) {
    out[o++] = acc >> 10;
    out[o++] = (acc >> 2) & 0xff;
  }
  if (o > 0) yield out.subarray(0, o);
}
