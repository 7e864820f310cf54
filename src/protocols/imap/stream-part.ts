/**
 * One body part streamed from the server to the caller as it arrives: `UID FETCH <uid>
 * (BODY.PEEK[<part>])` on a connection of its own, the literal passed on chunk by chunk with
 * back-pressure to the socket (the next chunk is read from TLS only when the caller asks).
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
import { connect, type TLSSocket } from 'node:tls';
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

/**
 * The part's bytes as the server stores them (still in their Content-Transfer-Encoding).
 * Throws PartStreamUnavailable before the first chunk when this path does not apply.
 */
export async function* streamPart(o: StreamPartOptions): AsyncGenerator<Buffer> {
  if (o.resource.server.secure !== 'tls') throw new PartStreamUnavailable('not implicit TLS');
  if (!/^[\x20-\x7e]*$/.test(o.folder)) throw new PartStreamUnavailable('folder name needs modified UTF-7');
  if (!/^\d+(\.\d+)*$/.test(o.part)) throw new PartStreamUnavailable(`part ${o.part}`);
  const socket = connect({ ...(await tlsOptionsFor(o.resource)), host: o.resource.server.host, port: o.resource.server.port });
  const wire = new Wire(socket);
  try {
    await Promise.race([once(socket, 'secureConnect'), once(socket, 'error').then(([e]) => Promise.reject(e))]);
    const greeting = await wire.line();
    if (!greeting.startsWith('* OK')) throw new PartStreamUnavailable(`greeting ${greeting.slice(0, 40)}`);
    await login(wire, o.user, o.token);
    await wire.command('A2', `EXAMINE ${quoted(o.folder)}`);
    socket.write(`A3 UID FETCH ${o.uid} (BODY.PEEK[${o.part}])\r\n`);
    const wanted = `BODY[${o.part}] {`;
    for (;;) {
      const line = await wire.line();
      if (line.startsWith('A3 ')) {
        // no such message or part (OK without data), or a refusal: imapflow's download says which
        throw new PartStreamUnavailable(`UID FETCH: ${line.slice(3, 80) || 'no data'}`);
      }
      const literal = /\{(\d+)\}$/.exec(line);
      if (!literal) continue;
      const size = Number(literal[1]);
      const ours = line.toUpperCase().endsWith(wanted.toUpperCase() + literal[1] + '}');
      if (!ours) {
        // another item's literal (an unsolicited FETCH, say): skip it and the rest of its line
        for await (const _ of wire.bytes(size)) void _;
        continue;
      }
      yield* wire.bytes(size);
      // the rest of the response line, then the tagged OK
      for (;;) {
        const rest = await wire.line();
        if (rest.startsWith('A3 ')) break;
      }
      socket.end('A4 LOGOUT\r\n');
      return;
    }
  } finally {
    socket.destroy();
  }
}

async function login(wire: Wire, user: string, token: Secret): Promise<void> {
  // Without SASL-IR (RFC 4959): the continuation form every XOAUTH2 server accepts.
  wire.socket.write('A1 AUTHENTICATE XOAUTH2\r\n');
  let line = await wire.line();
  if (!line.startsWith('+')) throw new PartStreamUnavailable('no XOAUTH2');
  wire.socket.write(`${Buffer.from(`user=${user}\x01auth=Bearer ${token.reveal()}\x01\x01`).toString('base64')}\r\n`);
  for (;;) {
    line = await wire.line();
    // a refusal comes as a continuation holding the error JSON; the empty answer ends it
    if (line.startsWith('+')) wire.socket.write('\r\n');
    else if (line.startsWith('A1 ')) break;
  }
  if (!/^A1 OK/i.test(line)) throw new PartStreamUnavailable('XOAUTH2 refused');
}

function quoted(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** Lines and literal bytes off a socket, pulled one chunk at a time (the socket's back-pressure). */
class Wire {
  readonly socket: TLSSocket;
  readonly #chunks: AsyncIterator<Buffer>;
  #buf: Buffer = Buffer.alloc(0);

  constructor(socket: TLSSocket) {
    this.socket = socket;
    this.#chunks = socket[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }

  async #more(): Promise<void> {
    const next = await this.#chunks.next();
    if (next.done) throw new Error('the IMAP server closed the connection');
    this.#buf = this.#buf.length === 0 ? next.value : Buffer.concat([this.#buf, next.value]);
  }

  /** One line without its CRLF (latin1: only the protocol's ASCII is read from it). */
  async line(): Promise<string> {
    for (;;) {
      const lf = this.#buf.indexOf(0x0a);
      if (lf >= 0) {
        const text = this.#buf.toString('latin1', 0, lf > 0 && this.#buf[lf - 1] === 0x0d ? lf - 1 : lf);
        this.#buf = this.#buf.subarray(lf + 1);
        return text;
      }
      if (this.#buf.length > 1 << 20) throw new PartStreamUnavailable('response line over 1 MiB');
      await this.#more();
    }
  }

  /** Sends a command and reads to its tagged answer; anything but OK makes the fast path give up. */
  async command(tag: string, text: string): Promise<void> {
    this.socket.write(`${tag} ${text}\r\n`);
    for (;;) {
      const line = await this.line();
      if (!line.startsWith(`${tag} `)) continue;
      if (!/^\S+ OK/i.test(line)) throw new PartStreamUnavailable(`${text.split(' ')[0]}: ${line.slice(tag.length + 1, 80)}`);
      return;
    }
  }

  /** Exactly `n` bytes, as they arrive; an early end of the connection throws. */
  async *bytes(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.#buf.length === 0) await this.#more();
      const take = Math.min(left, this.#buf.length);
      const piece = this.#buf.subarray(0, take);
      this.#buf = this.#buf.subarray(take);
      left -= take;
      yield piece;
    }
  }
}
