import type { Duplex } from 'node:stream';

/**
 * Reads CRLF lines and exact byte counts (literals) from a socket that may be swapped for
 * its TLS wrapper mid-stream (STARTTLS). Backpressure: the socket is paused while more than
 * HIGH_WATER bytes wait unread, unless a literal being read needs them.
 */
const HIGH_WATER = 1 << 20;

export class WireReader {
  #chunks: Buffer[] = [];
  #length = 0;
  #need = 0;
  #ended = false;
  #wake: (() => void) | undefined;
  #stream: Duplex | undefined;
  readonly #onData = (chunk: Buffer) => {
    this.#chunks.push(chunk);
    this.#length += chunk.length;
    if (this.#length > HIGH_WATER && this.#length >= this.#need) this.#stream?.pause();
    this.#signal();
  };
  readonly #onEnd = () => {
    this.#ended = true;
    this.#signal();
  };

  attach(stream: Duplex): void {
    this.#stream = stream;
    stream.on('data', this.#onData);
    stream.on('end', this.#onEnd);
    stream.on('close', this.#onEnd);
  }

  /** Detaches and drops anything unread: after STARTTLS, bytes sent in the clear must not count. */
  detach(): void {
    const s = this.#stream;
    if (s) {
      s.off('data', this.#onData);
      s.off('end', this.#onEnd);
      s.off('close', this.#onEnd);
    }
    this.#stream = undefined;
    this.#chunks = [];
    this.#length = 0;
  }

  /** Bytes already received and not yet read (a client pipelining into STARTTLS). */
  get buffered(): number {
    return this.#length;
  }

  /** The next line without CRLF; null at end of stream; throws when longer than `max`. */
  async readLine(max: number): Promise<Buffer | null> {
    for (;;) {
      const at = this.#indexOfLf();
      if (at >= 0) {
        const line = this.#take(at + 1);
        const cut = line.length >= 2 && line[line.length - 2] === 0x0d ? 2 : 1;
        return line.subarray(0, line.length - cut);
      }
      if (this.#length > max) throw new LineTooLongError();
      if (this.#ended) return null;
      await this.#wait(this.#length + 1);
    }
  }

  /** Exactly `n` bytes; null at end of stream. */
  async readBytes(n: number): Promise<Buffer | null> {
    while (this.#length < n) {
      if (this.#ended) return null;
      await this.#wait(n);
    }
    return this.#take(n);
  }

  #indexOfLf(): number {
    let offset = 0;
    for (const c of this.#chunks) {
      const i = c.indexOf(0x0a);
      if (i >= 0) return offset + i;
      offset += c.length;
    }
    return -1;
  }

  #take(n: number): Buffer {
    const all = this.#chunks.length === 1 ? (this.#chunks[0] as Buffer) : Buffer.concat(this.#chunks, this.#length);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.#chunks = rest.length > 0 ? [rest] : [];
    this.#length = rest.length;
    if (this.#length < HIGH_WATER) this.#stream?.resume();
    return out;
  }

  #wait(need: number): Promise<void> {
    this.#need = need;
    this.#stream?.resume();
    return new Promise((resolve) => {
      this.#wake = resolve;
    });
  }

  #signal(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

export class LineTooLongError extends Error {}
