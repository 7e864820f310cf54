import type { Socket } from 'node:net';
import type { ConnectionOptions, TLSSocket } from 'node:tls';
import { assertTokenFitsProtocol, decodeAccessTokenClaims } from '../../auth/claims.js';
import type { AccessTokenProvider } from '../../auth/token-provider.js';
import type { Resource } from '../../config/resource.js';
import { MailbridgeError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { Secret } from '../../secret.js';
import {
  connectionError,
  errorFromServerReply,
  makeProtocolError,
  resourceContext,
  toProtocolError,
  type ProtocolContext,
} from '../errors.js';
import { parseOAuthErrorChallenge, xoauth2Initial } from '../sasl.js';
import { openSocket, upgradeToTls } from '../socket-open.js';
import { assertCredentialsMayTravel, tlsOptionsFor } from '../tls.js';
import { lineText, WireBuffer, WireBufferClosed, WireBufferTimeout, WireBufferTooLong } from '../wire-buffer.js';

/**
 * An IMAP login with XOAUTH2 that hands the authenticated connection over as a plain byte
 * stream, for the IMAP gateway's relay. Why not imapflow (used everywhere else): it owns its
 * socket and parser after connect and negotiates on its own (COMPRESS, ID, ENABLE), so it
 * cannot give back a connection whose next byte is the server's answer to the client's next
 * command. This reads only the greeting, STARTTLS, CAPABILITY and AUTHENTICATE (RFC 9051 §6.2,
 * RFC 4959 SASL-IR, Microsoft's XOAUTH2:
 * https://learn.microsoft.com/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth).
 */

export interface ImapRelayLoginOptions {
  resource: Resource;
  tokens: AccessTokenProvider;
  logger?: Logger;
  /** Per-reply timeout; default 30 s. */
  timeoutMs?: number;
}

export interface ImapRelayConnection {
  /** The authenticated connection, paused, with no listeners of ours left on it. */
  socket: Socket | TLSSocket;
  /** Bytes the server sent after the tagged OK (none in practice): pass them on first. */
  leftover: Buffer;
  /** The server's post-login CAPABILITY list (atoms as sent). */
  capabilities: string[];
}

const MAX_LINE = 64 * 1024;
const DEFAULT_TIMEOUT_MS = 30_000;

/** Connects to the resource's IMAP server, logs in with its access token, and hands the connection over. */
export async function loginImapForRelay(opts: ImapRelayLoginOptions): Promise<ImapRelayConnection> {
  const { resource } = opts;
  const { host, port, secure } = resource.server;
  const ctx: ProtocolContext = {
    protocol: 'imap',
    host,
    port,
    operation: 'connect',
    secure,
    ...(resource.user ? { user: resource.user } : {}),
    ...resourceContext(resource),
  };
  const user = resource.user ?? resource.from;
  if (!user) {
    throw makeProtocolError(ctx, {
      code: 'IMAP_USER_MISSING',
      message: `resource ${resource.name} has no mailbox user name`,
      hint: "set the resource's user to the mailbox address",
    });
  }
  assertCredentialsMayTravel(resource);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const tlsOptions = secure === 'none' ? undefined : await tlsOptionsFor(resource);
  let socket: Socket | TLSSocket | undefined;
  try {
    // A few small round trips, then a relay of interactive traffic: no Nagle delay.
    socket = await openSocket(host, port, secure === 'tls' ? tlsOptions : undefined, timeoutMs, {
      noDelay: true,
      proxy: ctx.proxy,
    });
    const wire = new ImapWire(new WireBuffer(socket, { timeoutMs }), socket);
    const greeting = await wire.readLine();
    if (!/^\* OK\b/i.test(greeting)) throw errorFromServerReply(ctx, greeting.replace(/^\* /, ''));
    let caps = capabilityCode(greeting);
    if (secure === 'starttls' && tlsOptions) {
      const reply = await wire.command('STARTTLS');
      if (!/^OK\b/i.test(reply.status)) {
        throw makeProtocolError(
          ctx,
          {
            code: 'TLS_WRONG_MODE',
            message: `${host}:${port} refused STARTTLS`,
            hint: 'use port 993 with TLS (secure: tls)',
          },
          reply.status,
        );
      }
      socket = await wire.upgrade(tlsOptions, timeoutMs);
      caps = undefined; // RFC 9051 §6.2.1: capabilities learnt before TLS are void.
    }
    caps ??= (await wire.command('CAPABILITY')).capabilities;
    if (caps && !caps.some((c) => c.toUpperCase() === 'AUTH=XOAUTH2')) {
      throw errorFromServerReply(
        ctx,
        `NO [AUTHENTICATIONFAILED] the server offers no AUTH=XOAUTH2 (capabilities: ${caps.join(' ')})`,
      );
    }
    const saslIr = caps?.some((c) => c.toUpperCase() === 'SASL-IR') ?? false;

    let result = await authenticate(wire, user, fitToken(await opts.tokens.getAccessToken(), user), saslIr);
    if (!result.ok) {
      // Exchange answers alike for an expired and a wrong token: only a fresh one tells them apart.
      opts.logger?.info(
        { resource: resource.name, reply: result.status },
        'imap: token refused, retrying once with a refreshed token',
      );
      result = await authenticate(
        wire,
        user,
        fitToken(await opts.tokens.getAccessToken({ forceRefresh: true }), user),
        saslIr,
      );
    }
    if (!result.ok) {
      const error = errorFromServerReply(ctx, result.status);
      const challenge = result.challenge === undefined ? undefined : parseOAuthErrorChallenge(result.challenge);
      if (challenge) error.details.oauthError = challenge;
      throw error;
    }
    const after = result.capabilities ?? (await wire.command('CAPABILITY')).capabilities ?? [];
    return { socket, leftover: wire.release(), capabilities: after };
  } catch (err) {
    socket?.destroy();
    if (err instanceof MailbridgeError) throw err;
    if (err instanceof WireBufferClosed) throw connectionError(ctx, 'CONNECTION_DROPPED', err.message);
    if (err instanceof WireBufferTimeout) throw connectionError(ctx, 'TIMEOUT', err.message);
    if (err instanceof WireBufferTooLong || err instanceof ImapWireViolation)
      throw connectionError(ctx, 'PROTOCOL_VIOLATION', err.message);
    throw toProtocolError(ctx, err);
  }
}

function fitToken(token: Secret, user: string): Secret {
  // Audience and scope first, so a Graph token fails with a plain message rather than "AUTHENTICATE failed".
  assertTokenFitsProtocol(decodeAccessTokenClaims(token), 'imap', user);
  return token;
}

type AuthResult = { ok: true; capabilities?: string[] } | { ok: false; status: string; challenge?: string };

async function authenticate(wire: ImapWire, user: string, token: Secret, saslIr: boolean): Promise<AuthResult> {
  const initial = xoauth2Initial(user, token);
  const tag = wire.nextTag();
  wire.write(saslIr ? `${tag} AUTHENTICATE XOAUTH2 ${initial}\r\n` : `${tag} AUTHENTICATE XOAUTH2\r\n`);
  let sentInitial = saslIr;
  let challenge: string | undefined;
  const untaggedCaps: string[][] = [];
  for (;;) {
    const line = await wire.readLine();
    if (line.startsWith('+')) {
      if (!sentInitial) {
        wire.write(`${initial}\r\n`);
        sentInitial = true;
      } else {
        // A refused XOAUTH2 token gets a base64 JSON challenge; an empty line ends the exchange (NO follows).
        challenge = line.slice(1).trim();
        wire.write('\r\n');
      }
      continue;
    }
    if (line.startsWith('* ')) {
      const caps = untaggedCapability(line);
      if (caps) untaggedCaps.push(caps);
      continue;
    }
    const status = tagged(line, tag);
    if (status === undefined)
      throw new ImapWireViolation(`an unexpected line during AUTHENTICATE: ${line.slice(0, 80)}`);
    if (/^OK\b/i.test(status)) {
      const caps = capabilityCode(status) ?? untaggedCaps.at(-1);
      return caps ? { ok: true, capabilities: caps } : { ok: true };
    }
    return { ok: false, status, ...(challenge !== undefined ? { challenge } : {}) };
  }
}

class ImapWireViolation extends Error {}

/** The few client-side exchanges of the login: one command at a time, our own tags. */
class ImapWire {
  #seq = 0;
  constructor(
    readonly buffer: WireBuffer,
    public socket: Socket | TLSSocket,
  ) {}

  nextTag(): string {
    return `mb${++this.#seq}`;
  }

  write(text: string): void {
    this.socket.write(text);
  }

  /** A response line; a literal at its end (`{n}`) is read and folded in so the line stays whole. */
  async readLine(): Promise<string> {
    let text = lineText(await this.buffer.readLine(MAX_LINE));
    for (let m = /\{(\d+)\}$/.exec(text); m; m = /\{(\d+)\}$/.exec(text)) {
      const n = Number(m[1]);
      if (n > MAX_LINE) throw new ImapWireViolation(`a literal of ${n} bytes during login`);
      text =
        text.slice(0, m.index) +
        JSON.stringify((await this.buffer.readExact(n)).toString('utf8')) +
        lineText(await this.buffer.readLine(MAX_LINE));
    }
    return text;
  }

  async command(verb: string): Promise<{ status: string; capabilities?: string[] }> {
    const tag = this.nextTag();
    this.write(`${tag} ${verb}\r\n`);
    let capabilities: string[] | undefined;
    for (;;) {
      const line = await this.readLine();
      if (line.startsWith('* ')) {
        capabilities = untaggedCapability(line) ?? capabilities;
        continue;
      }
      const status = tagged(line, tag);
      if (status === undefined) throw new ImapWireViolation(`an unexpected line after ${verb}: ${line.slice(0, 80)}`);
      if (!/^OK\b/i.test(status) && verb !== 'STARTTLS')
        throw new ImapWireViolation(`${verb} was refused: ${status.slice(0, 200)}`);
      capabilities ??= capabilityCode(status);
      return { status, ...(capabilities ? { capabilities } : {}) };
    }
  }

  async upgrade(tlsOptions: ConnectionOptions, timeoutMs: number): Promise<TLSSocket> {
    // Anything after the OK and before the handshake would be injected plaintext.
    if (this.buffer.buffered > 0)
      throw new ImapWireViolation('data after the STARTTLS reply, before the TLS handshake');
    this.buffer.release({ pause: false });
    // The TLS socket reports the raw one's failures; a listener here keeps a stray one from being uncaught.
    this.socket.on('error', () => undefined);
    const secured = await upgradeToTls(this.socket, tlsOptions, timeoutMs);
    this.socket = secured;
    this.buffer.attach(secured);
    return secured;
  }

  release(): Buffer {
    return this.buffer.release();
  }
}

/** The status part of a tagged reply (`OK …`), or undefined if the line is not tagged `tag`. */
function tagged(line: string, tag: string): string | undefined {
  return line.startsWith(`${tag} `) ? line.slice(tag.length + 1) : undefined;
}

/** The atoms of a `[CAPABILITY …]` response code in a status line. */
export function capabilityCode(line: string): string[] | undefined {
  const m = /\[CAPABILITY ([^\]]*)\]/i.exec(line);
  return m?.[1] ? m[1].trim().split(/\s+/) : undefined;
}

function untaggedCapability(line: string): string[] | undefined {
  const m = /^\* CAPABILITY (.*)$/i.exec(line);
  return m?.[1] ? m[1].trim().split(/\s+/) : undefined;
}
