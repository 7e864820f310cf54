import type { Duplex } from 'node:stream';

/**
 * Reading a line protocol's opening exchange off a socket, byte-exact: lines up to a cap,
 * exact byte counts (IMAP literals), and at the end `release()`, which detaches and hands
 * back whatever arrived beyond what was read, so a relay can pass it on untouched. The
 * gateways and the IMAP hand-over login read only their first few lines through this
 * (everything after is piped, never parsed); the POP3 client (pop3/wire.ts) reads all its
 * replies through it.
 */

/** The peer closed, or the socket failed, while a read was pending. */
export class WireBufferClosed extends Error {}
/** Nothing arrived within the read's timeout. */
export class WireBufferTimeout extends Error {}
/** A line longer than its cap: reading stopped there. */
export class WireBufferTooLong extends Error {}

export class WireBuffer {
  #socket: Duplex | undefined;
  #buffer: Buffer = Buffer.alloc(0);
  #ended: Error | undefined;
  #wake: (() => void) | undefined;
  readonly #timeoutMs: number;
  readonly #highWater: number;
  readonly #onData = (chunk: Buffer) => {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    // Stop reading instead of buffering a flood; reading resumes as the buffer is consumed.
    if (this.#buffer.length > this.#highWater) this.#socket?.pause();
    this.#notify();
  };
  readonly #onEnd = () => this.#finish(new WireBufferClosed('the peer closed the connection'));
  readonly #onError = (err: Error) =>
    this.#finish(new WireBufferClosed(`connection error: ${err.message}`, { cause: err }));

  /**
   * `highWater`: how much may wait unread before the socket is paused. The gateways' opening
   * exchange is a few lines (256 KiB is plenty); the POP3 client reads whole messages line by
   * line through it and keeps more in flight.
   */
  constructor(socket: Duplex, opts: { timeoutMs: number; highWater?: number }) {
    this.#timeoutMs = opts.timeoutMs;
    this.#highWater = opts.highWater ?? HIGH_WATER;
    this.attach(socket);
  }

  /** Reads from `socket` from now on (after a TLS upgrade, the TLS socket). */
  attach(socket: Duplex): void {
    this.#detach();
    this.#ended = undefined;
    this.#socket = socket;
    socket.on('data', this.#onData);
    socket.on('end', this.#onEnd);
    socket.on('close', this.#onEnd);
    socket.on('error', this.#onError);
    socket.resume();
  }

  /** Bytes received and not yet read (none may be pending when TLS starts: STARTTLS injection, RFC 2595 §3.1). */
  get buffered(): number {
    return this.#buffer.length;
  }

  /**
   * Stops reading and returns what arrived beyond the reads, for the relay to pass on first.
   * The socket is paused so nothing arrives with no listener before the caller pipes it;
   * `{ pause: false }` before a TLS upgrade, where the TLS socket takes the raw one over.
   */
  release(opts: { pause?: boolean } = {}): Buffer {
    const socket = this.#socket;
    this.#detach();
    if (opts.pause !== false) socket?.pause();
    const rest = this.#buffer;
    this.#buffer = Buffer.alloc(0);
    return rest;
  }

  /** One line with its line ending, as raw bytes; longer than `maxLength` is WireBufferTooLong. */
  async readLine(maxLength: number, timeoutMs = this.#timeoutMs): Promise<Buffer> {
    for (;;) {
      const lf = this.#buffer.indexOf(0x0a);
      if (lf >= 0) {
        if (lf + 1 > maxLength) throw new WireBufferTooLong(`a line longer than ${maxLength} bytes`);
        return this.#take(lf + 1);
      }
      if (this.#buffer.length > maxLength) throw new WireBufferTooLong(`a line longer than ${maxLength} bytes`);
      if (this.#ended) throw this.#ended;
      await this.#waitForData(timeoutMs);
    }
  }

  /** Exactly `count` bytes (an IMAP literal). */
  async readExact(count: number, timeoutMs = this.#timeoutMs): Promise<Buffer> {
    while (this.#buffer.length < count) {
      if (this.#ended) throw this.#ended;
      await this.#waitForData(timeoutMs);
    }
    return this.#take(count);
  }

  #take(count: number): Buffer {
    const out = this.#buffer.subarray(0, count);
    this.#buffer = this.#buffer.subarray(count);
    if (this.#buffer.length < this.#highWater) this.#socket?.resume();
    return out;
  }

  #detach(): void {
    const s = this.#socket;
    if (!s) return;
    s.off('data', this.#onData);
    s.off('end', this.#onEnd);
    s.off('close', this.#onEnd);
    s.off('error', this.#onError);
    this.#socket = undefined;
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  #finish(err: Error): void {
    if (!this.#ended) this.#ended = err;
    this.#notify();
  }

  #waitForData(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#wake = undefined;
        reject(new WireBufferTimeout(`nothing arrived within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
      this.#socket?.resume();
    });
  }
}

const HIGH_WATER = 256 * 1024;

/** A line without its CRLF (or bare LF), decoded as UTF-8 (RFC 6855 lets IMAP carry UTF-8 in quoted strings). */
export function lineText(line: Buffer): string {
  let end = line.length;
  if (end > 0 && line[end - 1] === 0x0a) end--;
  if (end > 0 && line[end - 1] === 0x0d) end--;
  return line.subarray(0, end).toString('utf8');
}
