import type { Socket } from 'node:net';

/** A line reader over a socket that can be swapped for its TLS wrapper mid-session (STLS). */
export class LineReader {
  private buf = Buffer.alloc(0);
  private waiting: ((line: string | undefined) => void) | undefined;
  private ended = false;
  private socket: Socket | undefined;
  private readonly onData = (chunk: Buffer): void => {
    this.buf = Buffer.concat([this.buf, chunk]);
    if (this.buf.length > this.maxLine && this.buf.indexOf(10) < 0) {
      // A client that never ends its line: drop it rather than buffer without bound.
      this.socket?.destroy();
      return;
    }
    this.deliver();
  };
  private readonly onEnd = (): void => {
    this.ended = true;
    this.deliver();
  };

  constructor(socket: Socket, private readonly maxLine = 64 * 1024) {
    this.attach(socket);
  }

  attach(socket: Socket): void {
    this.detach();
    this.socket = socket;
    socket.on('data', this.onData);
    socket.on('end', this.onEnd);
    socket.on('close', this.onEnd);
  }

  detach(): void {
    this.socket?.off('data', this.onData);
    this.socket?.off('end', this.onEnd);
    this.socket?.off('close', this.onEnd);
    this.socket = undefined;
  }

  /** Bytes already read after the last line (must be none when STLS starts). */
  pending(): number {
    return this.buf.length;
  }

  /** The next line without its CRLF, or undefined when the peer is gone. */
  next(): Promise<string | undefined> {
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.deliver();
    });
  }

  private deliver(): void {
    if (!this.waiting) return;
    const nl = this.buf.indexOf(10);
    if (nl >= 0) {
      const line = this.buf.subarray(0, nl).toString('utf8').replace(/\r$/, '');
      this.buf = this.buf.subarray(nl + 1);
      const w = this.waiting;
      this.waiting = undefined;
      w(line);
    } else if (this.ended) {
      const w = this.waiting;
      this.waiting = undefined;
      w(undefined);
    }
  }
}
