import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import { assertTokenFitsProtocol, decodeAccessTokenClaims } from '../../auth/claims.js';
import type { AccessTokenProvider } from '../../auth/token-provider.js';
import type { Resource } from '../../config/resource.js';
import { ConfigError, MailbridgeError } from '../../errors.js';
import type { Secret } from '../../secret.js';
import {
  connectionError, errorFromServerReply, makeProtocolError, resourceContext, toProtocolError, type Operation, type ProtocolContext,
} from '../errors.js';
import { parseOAuthErrorChallenge, xoauth2Initial } from '../sasl.js';
import { openSocket, upgradeToTls } from '../socket-open.js';
import { assertCredentialsMayTravel, tlsOptionsFor } from '../tls.js';
import {
  commandLine, LineReader, parseCapaLine, parseListLine, parseListReply, parseStat, parseStatusLine, parseUidlLine,
  readTextLines, WireClosed, WireTimeout, WireTooLarge, WireViolation, type StatusLine,
} from './wire.js';
import { formatBytes, maxMessageBytes } from '../../limits.js';

/**
 * A POP3 client (RFC 1939, CAPA RFC 2449, STLS RFC 2595, AUTH RFC 5034) with XOAUTH2.
 *
 * Why not a library: the npm POP3 clients (node-pop3 0.11, poplib, tk-pop3-client) log in
 * with USER/PASS only — no SASL AUTH, so no XOAUTH2 — none does STLS, and they hand RETR back
 * as a decoded string, which breaks the byte-exact messages that Japanese charsets need.
 *
 * Deletion semantics (RFC 1939 §6): DELE only marks a message. The server removes marked
 * messages when the session ends with QUIT; if the connection drops or `close()` is called
 * instead, nothing is deleted. `reset()` (RSET) unmarks everything.
 */

export interface Pop3Options {
  resource: Resource;
  /** For authType oauth2: the access token source (asked again with forceRefresh once on a refused token). */
  tokens?: AccessTokenProvider;
  /** For authType basic. */
  password?: Secret;
  logger?: Logger;
  /** Per-reply inactivity timeout; default 30 s. */
  timeoutMs?: number;
  /** The largest message RETR reads; default maxMessageBytes() (MAILBRIDGE_MAX_MESSAGE_BYTES, 256 MiB). */
  maxMessageBytes?: number;
}

export interface Pop3MessageInfo {
  number: number;
  size: number;
}
export interface Pop3UidInfo {
  number: number;
  uid: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/**
 * RETR may exceed LIST's size by this much: a server counting bare LF line ends (as some
 * store them) sends CRLF, at most one more byte per line, so at most twice the size, plus slack.
 */
const retrCap = (announced: number, max: number) => Math.min(max, announced * 2 + 64 * 1024);
/** RFC 5034 §4: a command line with the initial response must fit in 255 octets; else use `+`. */
const MAX_SASL_IR_LINE = 255;

export class Pop3Session {
  #socket: Socket | TLSSocket;
  readonly #reader: LineReader;
  readonly #ctx: Omit<ProtocolContext, 'operation'>;
  #busy: Promise<unknown> = Promise.resolve();
  #capabilities = new Map<string, string[]>();
  #closed = false;
  /** What the command in flight is doing, for the error family of a -ERR reply. */
  #operation: Operation = 'connect';
  readonly #maxMessageBytes: number;
  /** Sizes from the last LIST: message numbers are stable within a session. */
  #sizes: Map<number, number> | undefined;

  /** @internal use connectPop3 */
  constructor(
    socket: Socket | TLSSocket,
    reader: LineReader,
    ctx: Omit<ProtocolContext, 'operation'>,
    maxBytes = maxMessageBytes(),
  ) {
    this.#socket = socket;
    this.#reader = reader;
    this.#ctx = ctx;
    this.#maxMessageBytes = maxBytes;
  }

  /** Capabilities from the last CAPA (names upper-cased), e.g. UIDL, SASL, STLS, USER. */
  get capabilities(): ReadonlyMap<string, string[]> {
    return this.#capabilities;
  }

  /** STAT: number of messages and their total size in octets (marked-deleted ones excluded). */
  stat(): Promise<{ count: number; size: number }> {
    return this.#run('receive', async () => parseStat(await this.#simple(commandLine('STAT'))));
  }

  /** LIST: every message's number and size. */
  list(): Promise<Pop3MessageInfo[]> {
    return this.#run('receive', async () => {
      await this.#simple(commandLine('LIST'));
      const list = (await readTextLines(this.#reader, 'the LIST reply')).map(parseListLine);
      this.#sizes = new Map(list.map((m) => [m.number, m.size]));
      return list;
    });
  }

  /** UIDL: every message's number and server-unique id; the id is stable across sessions, numbers are not. */
  uidl(): Promise<Pop3UidInfo[]> {
    return this.#run('receive', async () => {
      await this.#simple(commandLine('UIDL'));
      const uids = (await readTextLines(this.#reader, 'the UIDL reply')).map(parseUidlLine);
      // RFC 1939 §7: unique within the maildrop. Two messages under one id would be saved,
      // or deleted, one for the other.
      const seen = new Set<string>();
      for (const u of uids) {
        if (seen.has(u.uid)) {
          throw new WireViolation(`the unique-id ${u.uid} was announced twice`, `${u.number} ${u.uid}`);
        }
        seen.add(u.uid);
      }
      return uids;
    });
  }

  /**
   * RETR: the whole message, byte for byte. Rejects (keeping nothing) if the connection drops
   * midway, or with POP3_MESSAGE_TOO_LARGE past twice the size LIST announced (or the maximum).
   */
  retrieve(messageNumber: number): Promise<Buffer> {
    return this.#run('receive', async () => {
      const cap = await this.#retrieveCap(messageArg(messageNumber));
      await this.#simple(commandLine('RETR', String(messageNumber)));
      const parts: Buffer[] = [];
      for await (const line of this.#reader.readMultiline(cap)) parts.push(line);
      return Buffer.concat(parts);
    });
  }

  /** How much RETR may read: from LIST's size for the message (asked now unless a LIST gave it). */
  async #retrieveCap(n: string): Promise<{ maxBytes: number; what: string; isMessage: true }> {
    const announced = this.#sizes?.get(Number(n)) ?? parseListReply(await this.#simple(commandLine('LIST', n))).size;
    if (announced > this.#maxMessageBytes) {
      const max = this.#maxMessageBytes;
      throw new WireTooLarge(`message ${n} is ${announced} bytes, over the maximum (${formatBytes(max)})`, max, true);
    }
    return { maxBytes: retrCap(announced, this.#maxMessageBytes), what: `message ${n}`, isMessage: true };
  }

  /**
   * RETR as a stream, for large messages: the stream errors (a ProtocolError) instead of
   * ending if the connection drops, so a consumer writing a file knows to discard it.
   */
  retrieveStream(messageNumber: number): Readable {
    const reader = this.#reader;
    const session = this;
    async function* body(): AsyncGenerator<Buffer> {
      let release!: () => void;
      const done = new Promise<void>((r) => (release = r));
      // Hold the command queue until the body has been read to the end (or failed).
      const cap = await session.#run('receive', async () => {
        const c = await session.#retrieveCap(messageArg(messageNumber));
        await session.#simple(commandLine('RETR', String(messageNumber)));
        return c;
      }, done);
      try {
        for await (const line of reader.readMultiline(cap)) yield line;
      } catch (err) {
        throw session.#fail('receive', err);
      } finally {
        release();
      }
    }
    return Readable.from(body(), { objectMode: false });
  }

  /** DELE: marks the message; it is removed only when the session ends with quit(). */
  delete(messageNumber: number): Promise<void> {
    return this.#run('receive', async () => {
      await this.#simple(commandLine('DELE', messageArg(messageNumber)));
    });
  }

  /** RSET: unmarks every message marked by delete() in this session. */
  reset(): Promise<void> {
    return this.#run('receive', async () => {
      await this.#simple(commandLine('RSET'));
    });
  }

  /** NOOP: keeps the session alive and checks it still is. */
  noop(): Promise<void> {
    return this.#run('receive', async () => {
      await this.#simple(commandLine('NOOP'));
    });
  }

  /** QUIT: ends the session; this is when the server removes the messages marked by delete(). */
  quit(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    return this.#run('disconnect', async () => {
      await this.#simple(commandLine('QUIT'));
      this.#closed = true;
      this.#socket.end();
    });
  }

  /** Drops the connection without QUIT: nothing marked for deletion is deleted. */
  close(): void {
    this.#closed = true;
    this.#reader.detach();
    this.#socket.destroy();
  }

  /**
   * Gives up the logged-in connection, for the POP3 gateway's relay: no command may be in
   * flight. The socket comes back paused, with `leftover` (bytes read but not consumed) to pass on first.
   * @internal
   */
  async handOver(): Promise<{ socket: Socket | TLSSocket; leftover: Buffer }> {
    await this.#busy;
    this.#closed = true;
    return { socket: this.#socket, leftover: this.#reader.release() };
  }

  /** @internal */
  async refreshCapabilities(): Promise<void> {
    await this.#run('connect', async () => {
      this.#capabilities = await readCapabilities(this.#reader, (b) => this.#write(b));
    });
  }

  /** @internal the login exchanges of connectPop3. */
  async login(opts: Pop3Options): Promise<void> {
    await this.#run('connect', () => authenticate(this, opts));
  }

  /** @internal */
  async exchange(line: Buffer): Promise<StatusLine> {
    this.#write(line);
    return parseStatusLine(await this.#reader.readStatusLine());
  }

  /** @internal */
  context(operation: Operation): ProtocolContext {
    return { ...this.#ctx, operation };
  }

  #write(bytes: Buffer): void {
    if (this.#closed || this.#socket.destroyed) throw new WireClosed('the connection is closed');
    this.#socket.write(bytes);
  }

  /** Sends a command and expects +OK; -ERR becomes a typed error. */
  async #simple(line: Buffer): Promise<string> {
    const status = await this.exchange(line);
    if (status.kind === 'ok') return status.text;
    throw errorFromServerReply(this.context(this.#operation), `-ERR ${status.text}`);
  }

  /** Serialises commands (one in flight, as POP3 requires) and maps failures to ProtocolErrors. */
  #run<T>(operation: Operation, fn: () => Promise<T>, holdUntil?: Promise<void>): Promise<T> {
    const result = this.#busy.then(async () => {
      if (this.#closed) throw connectionError(this.context(operation), 'CONNECTION_DROPPED', 'the session was already closed');
      this.#operation = operation;
      try {
        return await fn();
      } catch (err) {
        throw this.#fail(operation, err);
      }
    });
    this.#busy = result.then(() => holdUntil, () => holdUntil).catch(() => undefined);
    return result;
  }

  /** After a wire failure the session state is unknown: close it so no later command misreads. */
  #fail(operation: Operation, err: unknown): MailbridgeError {
    if (err instanceof MailbridgeError) return err;
    this.close();
    return wireError(this.context(operation), err);
  }
}

function messageArg(n: number): string {
  if (!Number.isInteger(n) || n < 1) {
    throw new ConfigError({ code: 'POP3_BAD_MESSAGE_NUMBER', message: `${n} is not a POP3 message number`, hint: 'use a number from list() or uidl() (1, 2, …)' });
  }
  return String(n);
}

function wireError(ctx: ProtocolContext, err: unknown): MailbridgeError {
  if (err instanceof WireTooLarge) {
    return makeProtocolError(ctx, err.isMessage
      ? {
          code: 'POP3_MESSAGE_TOO_LARGE',
          message: `${ctx.host}:${ctx.port}: ${err.message}; reading stopped and nothing was kept`,
          hint: 'a message up to twice the size LIST announces is read; if it really is this large, '
            + 'raise MAILBRIDGE_MAX_MESSAGE_BYTES, otherwise the server is misbehaving',
        }
      : {
          code: 'POP3_RESPONSE_TOO_LARGE',
          message: `${ctx.host}:${ctx.port}: ${err.message}; reading stopped`,
          hint: 'check that host and port point at a POP3 server; a server sending this is broken or hostile',
        });
  }
  if (err instanceof WireClosed) return connectionError(ctx, 'CONNECTION_DROPPED', err.message);
  if (err instanceof WireTimeout) return connectionError(ctx, 'TIMEOUT', err.message);
  if (err instanceof WireViolation) return connectionError(ctx, 'PROTOCOL_VIOLATION', err.message, err.line);
  return toProtocolError(ctx, err);
}

async function readCapabilities(reader: LineReader, write: (b: Buffer) => void): Promise<Map<string, string[]>> {
  write(commandLine('CAPA'));
  const status = parseStatusLine(await reader.readStatusLine());
  const caps = new Map<string, string[]>();
  // CAPA is optional (RFC 2449); a server without it simply has no extensions we can rely on.
  if (status.kind !== 'ok') return caps;
  for (const line of await readTextLines(reader)) {
    const { name, args } = parseCapaLine(line);
    caps.set(name, args);
  }
  return caps;
}

async function authenticate(session: Pop3Session, opts: Pop3Options): Promise<void> {
  const { resource } = opts;
  const user = resource.user;
  if (!user) {
    throw new ConfigError({ code: 'POP3_USER_MISSING', message: `${resource.name} has no user name`, hint: 'set user to the mailbox address (UPN)', field: 'user' });
  }
  if (resource.authType === 'basic') {
    if (!opts.password) {
      throw new ConfigError({ code: 'POP3_PASSWORD_MISSING', message: `${resource.name} uses basic auth but no password was given`, hint: 'store the password for the resource', field: 'password' });
    }
    for (const line of [commandLine('USER', user), commandLine('PASS', opts.password.reveal())]) {
      const status = await session.exchange(line);
      if (status.kind !== 'ok') throw errorFromServerReply(session.context('connect'), `-ERR ${status.text}`);
    }
    return;
  }
  if (resource.authType !== 'oauth2' || !opts.tokens) {
    throw new ConfigError({
      code: 'POP3_AUTH_REQUIRED',
      message: `${resource.name}: POP3 always needs a login (authType ${resource.authType}${resource.authType === 'oauth2' ? ' without a token provider' : ''})`,
      hint: 'use authType oauth2 with a token provider, or basic with a password',
      field: 'authType',
    });
  }
  const sasl = session.capabilities.get('SASL');
  if (sasl && !sasl.some((m) => m.toUpperCase() === 'XOAUTH2')) {
    throw errorFromServerReply(session.context('connect'), `-ERR [AUTH] server offers SASL ${sasl.join(' ')} but not XOAUTH2`);
  }
  const first = await xoauth2Exchange(session, user, fitToken(await opts.tokens.getAccessToken(), user));
  if (first === undefined) return;
  // The server said the token is bad: it may have expired or been revoked since it was cached.
  opts.logger?.info({ resource: resource.name, reply: first.reply }, 'pop3: token refused, retrying once with a refreshed token');
  const second = await xoauth2Exchange(session, user, fitToken(await opts.tokens.getAccessToken({ forceRefresh: true }), user));
  if (second === undefined) return;
  const error = errorFromServerReply(session.context('connect'), second.reply);
  // The decoded challenge (e.g. {"status":"401","schemes":"bearer"}) says why, without any token.
  const challenge = second.challenge === undefined ? undefined : parseOAuthErrorChallenge(second.challenge);
  if (challenge) error.details.oauthError = challenge;
  throw error;
}

/**
 * Checks the token's audience and scopes before AUTH, so a Graph token (or one without
 * POP.AccessAsUser.All) fails with a plain message instead of `-ERR Authentication failure`.
 * Opaque (non-JWT) tokens pass: only the server can judge them.
 */
function fitToken(token: Secret, user: string): Secret {
  assertTokenFitsProtocol(decodeAccessTokenClaims(token), 'pop3', user);
  return token;
}

/** One AUTH XOAUTH2 exchange; undefined on success, else the final -ERR line and the server's challenge. */
async function xoauth2Exchange(session: Pop3Session, user: string, token: Secret): Promise<{ reply: string; challenge?: string } | undefined> {
  const initial = xoauth2Initial(user, token);
  let status: StatusLine;
  if (`AUTH XOAUTH2 ${initial}\r\n`.length <= MAX_SASL_IR_LINE) {
    status = await session.exchange(commandLine('AUTH', 'XOAUTH2', initial));
  } else {
    // Real access tokens are ~1.5-3 KB: Microsoft's documented two-step form (AUTH, "+", blob).
    status = await session.exchange(commandLine('AUTH', 'XOAUTH2'));
    if (status.kind !== 'continue') return failure(status);
    status = await session.exchange(commandLine(initial));
  }
  let challenge: string | undefined;
  if (status.kind === 'continue') {
    // A failed XOAUTH2 login answers with a JSON error challenge; an empty line ends the exchange (-ERR follows).
    challenge = status.text;
    status = await session.exchange(commandLine(''));
  }
  if (status.kind === 'ok') return undefined;
  return { ...failure(status), ...(challenge !== undefined ? { challenge } : {}) };
}

function failure(status: StatusLine): { reply: string } {
  if (status.kind === 'ok') throw new WireViolation('an unexpected +OK');
  return { reply: status.kind === 'err' ? `-ERR ${status.text}` : `+ ${status.text}` };
}

/** Opens, secures and logs in a POP3 session for a pop3 resource. */
export async function connectPop3(opts: Pop3Options): Promise<Pop3Session> {
  const { resource } = opts;
  const { host, port, secure } = resource.server;
  assertCredentialsMayTravel(resource);
  const tlsOptions = secure === 'none' ? undefined : await tlsOptionsFor(resource);
  const base = {
    protocol: 'pop3' as const, host, port, secure, ...(resource.user ? { user: resource.user } : {}), ...resourceContext(resource),
  };
  const ctx: ProtocolContext = { ...base, operation: 'connect' };
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  let socket: Socket | TLSSocket | undefined;
  try {
    socket = await openSocket(host, port, secure === 'tls' ? tlsOptions : undefined, timeoutMs, { proxy: base.proxy });
    const reader = new LineReader(socket, { timeoutMs });
    const greeting = parseStatusLine(await reader.readStatusLine());
    if (greeting.kind !== 'ok') throw errorFromServerReply(ctx, `-ERR ${greeting.text}`);

    if (secure === 'starttls' && tlsOptions) {
      socket = await startTls(socket as Socket, reader, tlsOptions, ctx, timeoutMs);
    }
    const session = new Pop3Session(socket, reader, base, opts.maxMessageBytes ?? maxMessageBytes());
    await session.refreshCapabilities();
    await session.login(opts);
    return session;
  } catch (err) {
    socket?.destroy();
    if (err instanceof MailbridgeError) throw err;
    throw wireError(ctx, err);
  }
}

/** STLS (RFC 2595 §4), then the TLS handshake over the same socket. */
async function startTls(plain: Socket, reader: LineReader, tlsOptions: ConnectionOptions, ctx: ProtocolContext, timeoutMs: number): Promise<TLSSocket> {
  plain.write(commandLine('STLS'));
  const status = parseStatusLine(await reader.readStatusLine());
  if (status.kind !== 'ok') {
    throw makeProtocolError(ctx, {
      code: 'TLS_WRONG_MODE',
      message: `${ctx.host}:${ctx.port} refused STLS`,
      hint: 'use port 995 with TLS (secure: tls); this port does not offer STLS',
    }, `-ERR ${status.text}`);
  }
  // Anything the server sent after +OK and before the handshake could be injected plaintext.
  if (reader.buffered > 0) throw new WireViolation('data after the STLS reply, before the TLS handshake');
  reader.detach();
  const secured = await upgradeToTls(plain, tlsOptions, timeoutMs);
  reader.attach(secured);
  return secured;
}
