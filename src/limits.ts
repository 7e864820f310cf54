/**
 * Upper bounds on every read from a peer (mail server, HTTP endpoint, webhook receiver), so a
 * hostile or broken one cannot grow mailbridge's memory without bound. Each cap is generous
 * for honest peers; exceeding one is a typed error with a hint (the callers build it), the
 * stream is destroyed at once, and nothing past the cap is buffered.
 */
const MiB = 1024 * 1024;

/**
 * The largest message mailbridge reads whole: Exchange Online accepts messages up to 150 MB,
 * base64 on the wire included; MAILBRIDGE_MAX_MESSAGE_BYTES changes it. Message limits:
 * https://learn.microsoft.com/en-us/office365/servicedescriptions/exchange-online-service-description/exchange-online-limits
 */
export function maxMessageBytes(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.MAILBRIDGE_MAX_MESSAGE_BYTES);
  return Number.isSafeInteger(v) && v > 0 ? v : 256 * MiB;
}

export const READ_LIMITS = {
  /** POP3 LIST/UIDL/CAPA as a whole: a million messages' lines fit. */
  pop3ListingBytes: 64 * MiB,
  /** EWS SOAP answers carry a whole message base64-encoded (GetItem MimeContent). */
  ewsResponseBytes: 320 * MiB,
  /** Graph JSON answers (pages of messages with bodies); attachments and $value are streamed. */
  graphJsonBytes: 64 * MiB,
  /** Graph error bodies: only the error object is needed. */
  graphErrorBytes: 64 * 1024,
  /** Token endpoint answers: tokens are a few KB (an id_token with many group claims, tens). */
  tokenResponseBytes: 1 * MiB,
  /** Webhook answers: only a little is kept for the error message. */
  webhookResponseBytes: 4 * 1024,
} as const;

/** A peer sent more than a cap allows (callers turn it into their typed error). */
export class ReadLimitExceeded extends Error {
  constructor(
    readonly limit: number,
    what: string,
  ) {
    super(`${what} is larger than ${formatBytes(limit)}`);
  }
}

export function formatBytes(n: number): string {
  if (n >= MiB && n % MiB === 0) return `${n / MiB} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} bytes`;
}

/**
 * Reads a body up to `limit` bytes. A Content-Length above the cap fails before reading;
 * reading past it destroys the source (through the iterator's return) and fails.
 */
export async function readCapped(
  source: AsyncIterable<Uint8Array | string>,
  limit: number,
  what: string,
  contentLength?: string | number | null,
): Promise<Buffer> {
  const declared = contentLength === undefined || contentLength === null ? NaN : Number(contentLength);
  if (Number.isFinite(declared) && declared > limit) {
    const s = source as { destroy?: () => void; cancel?: () => Promise<void> };
    if (s.destroy) s.destroy();
    else await s.cancel?.().catch(() => undefined);
    throw new ReadLimitExceeded(limit, what);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of source) {
    const b = typeof c === 'string' ? Buffer.from(c) : Buffer.from(c.buffer, c.byteOffset, c.byteLength);
    size += b.length;
    if (size > limit) throw new ReadLimitExceeded(limit, what); // leaving the loop destroys the stream
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/**
 * The first `limit` bytes of a fetch() Response body, then the body is cancelled: the rest is
 * never read, whatever its announced length. For messages built from a peer's answer.
 */
export async function readResponsePrefix(res: Response, limit: number): Promise<{ text: string; cut: boolean }> {
  const body = res.body;
  if (!body) return { text: '', cut: false };
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let cut = false;
  try {
    for (;;) {
      const { done, value } = (await reader.read()) as { done: boolean; value?: Uint8Array };
      if (done || !value) break;
      chunks.push(value);
      size += value.byteLength;
      if (size > limit) {
        cut = true;
        break;
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const bytes = Buffer.concat(chunks).subarray(0, limit);
  // A cut may split a UTF-8 sequence: the decoder's U+FFFD marks it, which is fine for a message.
  return { text: bytes.toString('utf8'), cut };
}
