/**
 * One body part streamed from the server to the caller as it arrives: `UID FETCH <uid>
 * (BODY.PEEK[<part>])` on a connection of its own, the literal handed to a sink (a decoder)
 * straight from one reused read buffer (the socket's `onread`: no buffer allocated per read),
 * with back-pressure to the socket (it pauses while the sink holds two outputs not yet taken).
 *
 * Written by hand because imapflow collects every literal whole before it hands it on
 * (handler/imap-stream.js joins the literal's chunks), so a 200 MiB attachment costs either
 * 270 MiB of memory in one FETCH or, with its `download()`, one round trip per 64 KiB window
 * (3,200 of them: 4–6 MB/s where the link gives 30+). This file speaks only what that needs
 * (RFC 3501 §6.2.2 AUTHENTICATE with XOAUTH2, §6.3.2 EXAMINE, §6.4.5 UID FETCH, §4.3 literals)
 * over implicit TLS; anything else it meets before the first byte of the part (STARTTLS
 * servers, no XOAUTH2, a folder name that needs modified UTF-7, a refusal) makes it throw
 * {@link PartStreamUnavailable}, and the caller uses imapflow's download instead.
 * XOAUTH2: https://learn.microsoft.com/en-us/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth
 */
import { once } from 'node:events';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import type { Resource } from '../../config/resource.js';
import type { Secret } from '../../secret.js';
import { tlsOptionsFor } from '../tls.js';

/** The fast path cannot serve this part: use imapflow's download (nothing was yielded yet). */
export class PartStreamUnavailable extends Error {
  override readonly name = 'PartStreamUnavailable';
}

export interface StreamPartOptions {
  resource: Resource;
  user: string;
  token: Secret;
  folder: string;
  uid: number;
  /** IMAP part number, e.g. `2` or `1.2`. */
  part: string;
}

/** Where the literal goes (message/transfer-decode.ts's RingDecoder): decoded into buffers the caller takes. */
export interface PartSink {
  /** Consumes `chunk` before returning (the buffer is reused for the next read). */
  write(chunk: Buffer): void;
  end(): void;
  /** Outputs not taken yet; the socket pauses at 2. */
  readonly backlog: number;
  take(): Buffer | undefined;
}

/** The size of the one buffer every read of the socket lands in. */
const READ_BUFFER = 64 * 1024;

/**
 * The part's bytes through `sink` (its outputs, in order). Throws PartStreamUnavailable before
 * the first output when this path does not apply.
 */
export async function* streamPart(o: StreamPartOptions, sink: PartSink): AsyncGenerator<Buffer> {
  if (o.resource.server.secure !== 'tls') throw new PartStreamUnavailable('not implicit TLS');
  if (!/^[\x20-\x7e]*$/.test(o.folder)) throw new PartStreamUnavailable('folder name needs modified UTF-7');
  if (!/^\d+(\.\d+)*$/.test(o.part)) throw new PartStreamUnavailable(`part ${o.part}`);
  const wire = new Wire();
  // `onread` (https://nodejs.org/api/tls.html#tlsconnectoptions-callback) is missing from @types/node's ConnectionOptions.
  const options: ConnectionOptions & { onread: { buffer: Buffer; callback: (n: number, buf: Buffer) => boolean } } = {
    ...(await tlsOptionsFor(o.resource)),
    host: o.resource.server.host,
    port: o.resource.server.port,
    onread: { buffer: Buffer.allocUnsafeSlow(READ_BUFFER), callback: (n, buf) => wire.data(buf.subarray(0, n)) },
  };
  const socket = connect(options);
  wire.attach(socket);
  try {
    await Promise.race([once(socket, 'secureConnect'), wire.failed]);
    const greeting = await wire.line();
    if (!greeting.startsWith('* OK')) throw new PartStreamUnavailable(`greeting ${greeting.slice(0, 40)}`);
    await login(wire, o.user, o.token);
    await wire.command('A2', `EXAMINE ${quoted(o.folder)}`);
    socket.write(`A3 UID FETCH ${o.uid} (BODY.PEEK[${o.part}])\r\n`);
    const wanted = `BODY[${o.part}] {`.toUpperCase();
    for (;;) {
      const line = await wire.line();
      if (line.startsWith('A3 ')) {
        // no such message or part (OK without data), or a refusal: imapflow's download says which
        throw new PartStreamUnavailable(`UID FETCH: ${line.slice(3, 80) || 'no data'}`);
      }
      const literal = /\{(\d+)\}$/.exec(line);
      if (!literal) continue;
      const size = Number(literal[1]);
      // another item's literal (an unsolicited FETCH, say) is skipped with the rest of its line
      const ours = line.toUpperCase().endsWith(`${wanted}${literal[1]}}`);
      const done = wire.literal(size, ours ? sink : undefined);
      if (!ours) {
        await done;
        continue;
      }
      for (;;) {
        const out = sink.take();
        if (out) {
          yield out;
          if (sink.backlog < 2) wire.resume();
          continue;
        }
        if (wire.literalDone) break;
        await wire.next();
      }
      await done;
      sink.end();
      for (let out = sink.take(); out; out = sink.take()) yield out;
      // the rest of the response line, then the tagged OK
      while (!(await wire.line()).startsWith('A3 '));
      socket.end('A4 LOGOUT\r\n');
      return;
    }
  } finally {
    socket.destroy();
  }
}

async function login(wire: Wire, user: string, token: Secret): Promise<void> {
  // Without SASL-IR (RFC 4959): the continuation form every XOAUTH2 server accepts.
  wire.write('A1 AUTHENTICATE XOAUTH2\r\n');
  let line = await wire.line();
  if (!line.startsWith('+')) throw new PartStreamUnavailable('no XOAUTH2');
  wire.write(`${Buffer.from(`user=${user}\x01auth=Bearer ${token.reveal()}\x01\x01`).toString('base64')}\r\n`);
  for (;;) {
    line = await wire.line();
    // a refusal comes as a continuation holding the error JSON; the empty answer ends it
    if (line.startsWith('+')) wire.write('\r\n');
    else if (line.startsWith('A1 ')) break;
  }
  if (!/^A1 OK/i.test(line)) throw new PartStreamUnavailable('XOAUTH2 refused');
}

function quoted(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * The socket's bytes as lines (copied: the line phase is a few hundred bytes) or, during a
 * literal, straight into a sink from the reused read buffer.
 */
class Wire {
  #socket: TLSSocket | undefined;
  #lines: Buffer = Buffer.alloc(0);
  #literal: { left: number; sink: PartSink | undefined; done: () => void } | undefined;
  #wake: (() => void) | undefined;
  #error: Error | undefined;
  #paused = false;
  literalDone = false;
  readonly failed: Promise<never>;
  #fail!: (e: Error) => void;

  constructor() {
    this.failed = new Promise<never>((_, reject) => {
      this.#fail = reject;
    });
    this.failed.catch(() => undefined);
  }

  attach(socket: TLSSocket): void {
    this.#socket = socket;
    const stop = (e: Error) => {
      this.#error ??= e;
      this.#fail(this.#error);
      this.#wakeUp();
    };
    socket.on('error', stop);
    socket.on('close', () => stop(new Error('the IMAP server closed the connection')));
  }

  write(text: string): void {
    this.#socket?.write(text);
  }

  /** onread's callback: false pauses the socket. */
  data(chunk: Buffer): boolean {
    let d = chunk;
    while (d.length > 0) {
      const lit = this.#literal;
      if (!lit) {
        this.#lines = Buffer.concat([this.#lines, d]);
        break;
      }
      const take = Math.min(lit.left, d.length);
      if (lit.sink) lit.sink.write(d.subarray(0, take));
      lit.left -= take;
      d = d.subarray(take);
      if (lit.left === 0) {
        this.#literal = undefined;
        this.literalDone = true;
        lit.done();
      }
    }
    this.#wakeUp();
    const sink = this.#literal?.sink;
    this.#paused = (sink !== undefined && sink.backlog >= 2) || this.#lines.length > 1 << 20;
    return !this.#paused;
  }

  resume(): void {
    if (this.#paused) {
      this.#paused = false;
      this.#socket?.resume();
    }
  }

  /** Resolves at the next data, end or failure. */
  next(): Promise<void> {
    if (this.#error) return Promise.reject(this.#error);
    return new Promise((resolve) => {
      this.#wake = resolve;
    });
  }

  #wakeUp(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  /** One line without its CRLF (latin1: only the protocol's ASCII is read from it). */
  async line(): Promise<string> {
    for (;;) {
      const lf = this.#lines.indexOf(0x0a);
      if (lf >= 0) {
        const text = this.#lines.toString('latin1', 0, lf > 0 && this.#lines[lf - 1] === 0x0d ? lf - 1 : lf);
        this.#lines = this.#lines.subarray(lf + 1);
        return text;
      }
      if (this.#lines.length > 1 << 20) throw new PartStreamUnavailable('response line over 1 MiB');
      this.resume();
      await this.next();
    }
  }

  /** Sends a command and reads to its tagged answer; anything but OK makes the fast path give up. */
  async command(tag: string, text: string): Promise<void> {
    this.write(`${tag} ${text}\r\n`);
    for (;;) {
      const line = await this.line();
      if (!line.startsWith(`${tag} `)) continue;
      if (!/^\S+ OK/i.test(line))
        throw new PartStreamUnavailable(`${text.split(' ')[0]}: ${line.slice(tag.length + 1, 80)}`);
      return;
    }
  }

  /**
   * The next `n` bytes go to `sink` (or nowhere); resolves when they all passed, rejects when
   * the connection ends first.
   */
  literal(n: number, sink: PartSink | undefined): Promise<void> {
    this.literalDone = false;
    const done = new Promise<void>((resolve) => {
      this.#literal = { left: n, sink, done: resolve };
    });
    // what arrived with the line that announced the literal
    const early = this.#lines;
    this.#lines = Buffer.alloc(0);
    if (n === 0) {
      this.#literal = undefined;
      this.literalDone = true;
      this.#lines = early;
      return Promise.resolve();
    }
    if (early.length > 0) this.data(early);
    const passed = Promise.race([done, this.failed]);
    // the caller may stop on the same failure elsewhere first (waiting for data) and never await this
    passed.catch(() => undefined);
    return passed;
  }
}
