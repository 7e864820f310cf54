import type { Duplex } from 'node:stream';
import { z } from 'zod';
import { formatBytes, maxMessageBytes, READ_LIMITS } from '../../limits.js';
import { lineText, WireBuffer, WireBufferClosed, WireBufferTimeout, WireBufferTooLong } from '../wire-buffer.js';

/**
 * The POP3 wire format (RFC 1939, RFC 2449): reading status lines and dot-terminated
 * multi-line responses from a socket, and parsing the replies the client uses. Kept apart
 * from the commands (client.ts) so the byte handling can be read and tested on its own.
 * Everything a server sends is checked strictly: a reply that does not fit is a
 * WireViolation, never a guess, and a silent server is a timeout, never a hang.
 */

/** A server reply that breaks the protocol (the caller turns it into a ProtocolError). */
export class WireViolation extends Error {
  constructor(message: string, readonly line?: string) {
    super(message);
  }
}
/** A reply larger than its cap (a line, a listing, a message): reading stopped there. */
export class WireTooLarge extends WireViolation {
  constructor(message: string, readonly limit: number, readonly isMessage = false) {
    super(message);
  }
}
/** The connection ended or failed while a reply was expected. */
export class WireClosed extends Error {}
/** Nothing arrived within the timeout. */
export class WireTimeout extends Error {}

/** RFC 2449 §4: status lines are at most 512 octets; allow slack for chatty servers. */
const MAX_STATUS_LINE = 8 * 1024;
/** Message lines have no hard limit in practice; this only stops a runaway server. */
const MAX_DATA_LINE = 4 * 1024 * 1024;
/** Lines of LIST, UIDL and CAPA: RFC 2449 §4 allows 512 octets; allow slack as for status lines. */
const MAX_TEXT_LINE = MAX_STATUS_LINE;
/** Stop reading from the socket while this much is buffered and unconsumed (a RETR streams through). */
const HIGH_WATER = 1024 * 1024;

const CRLF = Buffer.from('\r\n');

/**
 * Reads lines from a socket: the byte handling is the shared WireBuffer (../wire-buffer.ts, the
 * gateways' reader too); this adds the POP3 replies on top and says its failures in the POP3
 * client's terms. Attach once; after STLS call `attach` again with the TLS socket. Only one read
 * may be pending at a time (POP3 is strictly request/response).
 */
export class LineReader {
  readonly #wire: WireBuffer;
  readonly #timeoutMs: number;

  constructor(socket: Duplex, opts: { timeoutMs: number }) {
    this.#timeoutMs = opts.timeoutMs;
    this.#wire = new WireBuffer(socket, { timeoutMs: opts.timeoutMs, highWater: HIGH_WATER });
  }

  /** Reads from `socket` from now on (the plain socket's listeners are removed). */
  attach(socket: Duplex): void {
    this.#wire.attach(socket);
  }

  /** Stops reading; used right before a TLS upgrade takes the raw socket over (nothing may be buffered then). */
  detach(): void {
    this.#wire.release({ pause: false });
  }

  /**
   * Stops reading and returns the bytes received but not read, leaving the socket paused: the
   * gateway's relay takes the connection over after login and passes these on first.
   */
  release(): Buffer {
    return this.#wire.release();
  }

  /** Bytes received but not yet read: must be none when TLS starts (RFC 2595 §3.1, STARTTLS injection). */
  get buffered(): number {
    return this.#wire.buffered;
  }

  /** One line including its CRLF, as raw bytes; a longer one is WireTooLarge (nothing more is buffered). */
  async readLineBytes(maxLength: number, what = 'a line'): Promise<Buffer> {
    try {
      return await this.#wire.readLine(maxLength);
    } catch (e) {
      if (e instanceof WireBufferTooLong) throw new WireTooLarge(`${what} longer than ${maxLength} bytes`, maxLength);
      if (e instanceof WireBufferTimeout) throw new WireTimeout(`no reply within ${this.#timeoutMs} ms`);
      if (e instanceof WireBufferClosed) {
        throw new WireClosed(e.message.replace('the peer', 'the server'), e.cause ? { cause: e.cause } : undefined);
      }
      throw e;
    }
  }

  /** A status line (`+OK …`, `-ERR …`, `+ …`) as text without its line ending. */
  async readStatusLine(): Promise<string> {
    const bytes = await this.readLineBytes(MAX_STATUS_LINE);
    return lineText(bytes);
  }

  /**
   * The data lines of a multi-line response, dot-unstuffed, each with its line ending as
   * sent (so a message comes out byte for byte). Ends at the terminating `.` line; the
   * connection ending first throws WireClosed, so a caller never mistakes a part for the whole.
   * More than `maxBytes` in all (the terminator aside), or a line over `maxLine`, is WireTooLarge.
   */
  async *readMultiline(cap: MultilineCap = { maxBytes: maxMessageBytes(), what: 'the reply' }): AsyncGenerator<Buffer> {
    let total = 0;
    for (;;) {
      // The terminator (".\r\n") may follow a response of exactly maxBytes.
      const budget = Math.min(cap.maxLine ?? MAX_DATA_LINE, cap.maxBytes - total + 3);
      let line: Buffer;
      try {
        line = await this.readLineBytes(budget, `a line of ${cap.what}`);
      } catch (e) {
        // Over the budget because of the whole, not the line: say which cap was hit.
        if (e instanceof WireTooLarge && budget < (cap.maxLine ?? MAX_DATA_LINE)) throw tooLarge(cap);
        throw e;
      }
      total += line.length;
      if (line[0] === 0x2e /* . */) {
        if (line.length === 3 && line[1] === 0x0d) return; // ".\r\n"
        if (line.length === 2) return; // ".\n" from a sloppy server: still the terminator
      }
      if (total > cap.maxBytes) throw tooLarge(cap);
      yield line[0] === 0x2e ? line.subarray(1) : line; // RFC 1939 §3: a leading "." was doubled by the server
    }
  }
}

/** The caps of one multi-line reply: in all, per line, and what to call it in the error. */
export interface MultilineCap {
  maxBytes: number;
  maxLine?: number;
  what: string;
  /** A message (RETR): its error is POP3_MESSAGE_TOO_LARGE. */
  isMessage?: boolean;
}

function tooLarge(cap: MultilineCap): WireTooLarge {
  return new WireTooLarge(`${cap.what} is larger than ${formatBytes(cap.maxBytes)}`, cap.maxBytes, cap.isMessage);
}

/** The three kinds of status line. `+ ` is a SASL continuation (RFC 5034). */
export type StatusLine =
  | { kind: 'ok'; text: string }
  | { kind: 'err'; text: string }
  | { kind: 'continue'; text: string };

export function parseStatusLine(line: string): StatusLine {
  if (line === '+OK' || line.startsWith('+OK ')) return { kind: 'ok', text: line.slice(4) };
  if (line === '-ERR' || line.startsWith('-ERR ')) return { kind: 'err', text: line.slice(5) };
  if (line === '+' || line.startsWith('+ ')) return { kind: 'continue', text: line.slice(2) };
  throw new WireViolation('a reply that is neither +OK nor -ERR', line);
}

const messageNumber = z.coerce.number().int().min(1);
const octets = z.coerce.number().int().min(0);

/** `+OK nn mm` of STAT (RFC 1939 §5). */
export function parseStat(text: string): { count: number; size: number } {
  const m = /^(\d+) (\d+)(?: .*)?$/.exec(text);
  if (!m) throw new WireViolation('a STAT reply without "count size"', text);
  return { count: checked(octets, m[1], text), size: checked(octets, m[2], text) };
}

/** A number out of range (message 0, more digits than a safe integer) breaks the protocol too. */
function checked(schema: typeof octets, value: string | undefined, line: string): number {
  const r = schema.safeParse(value);
  if (!r.success) throw new WireViolation(`a number out of range in the reply (${value ?? ''})`, line);
  return r.data;
}

/** `+OK n size` of `LIST n` (RFC 1939 §5; text after the size is allowed there). */
export function parseListReply(text: string): { number: number; size: number } {
  const m = /^(\d+) (\d+)(?: .*)?$/.exec(text);
  if (!m) throw new WireViolation('a LIST reply without "number size"', text);
  return { number: checked(messageNumber, m[1], text), size: checked(octets, m[2], text) };
}

/** One `n size` line of LIST. */
export function parseListLine(line: string): { number: number; size: number } {
  const m = /^(\d+) (\d+)$/.exec(line);
  if (!m) throw new WireViolation('a LIST line without "number size"', line);
  return { number: checked(messageNumber, m[1], line), size: checked(octets, m[2], line) };
}

/** One `n uid` line of UIDL: the uid is 1-70 printable ASCII characters (RFC 1939 §7). */
export function parseUidlLine(line: string): { number: number; uid: string } {
  const m = /^(\d+) ([\x21-\x7e]{1,70})$/.exec(line);
  if (!m) throw new WireViolation('a UIDL line without "number unique-id"', line);
  return { number: checked(messageNumber, m[1], line), uid: m[2] as string };
}

/** CAPA lines: the capability name, upper-cased, with its arguments. */
export function parseCapaLine(line: string): { name: string; args: string[] } {
  const parts = line.trim().split(/\s+/);
  const name = parts[0];
  if (!name || !/^[\x21-\x7e]+$/.test(name)) throw new WireViolation('an empty or binary CAPA line', line);
  return { name: name.toUpperCase(), args: parts.slice(1) };
}

/** A multi-line response whose lines are text (LIST, UIDL, CAPA), decoded; capped in line length and in all. */
export async function readTextLines(
  reader: LineReader, what = 'a listing', maxBytes = READ_LIMITS.pop3ListingBytes,
): Promise<string[]> {
  const out: string[] = [];
  for await (const line of reader.readMultiline({ maxBytes, maxLine: MAX_TEXT_LINE, what })) {
    out.push(lineText(line));
  }
  return out;
}

/** A command line: refuses CR/LF inside arguments so a value can never smuggle a second command. */
export function commandLine(verb: string, ...args: string[]): Buffer {
  const text = [verb, ...args].join(' ');
  if (/[\r\n]/.test(text)) throw new WireViolation('a command argument containing a line break');
  return Buffer.concat([Buffer.from(text, 'utf8'), CRLF]);
}
