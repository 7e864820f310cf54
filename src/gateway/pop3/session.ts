import { nameResourceInHint } from '../../errors.js';
import type { Logger } from '../../log.js';
import { connectPop3 } from '../../protocols/pop3/client.js';
import {
  lineText,
  WireBuffer,
  WireBufferClosed,
  WireBufferTimeout,
  WireBufferTooLong,
} from '../../protocols/wire-buffer.js';
import type { GatewayPrincipal } from '../directory.js';
import type { GatewayConnection, GatewayListenerOptions } from '../relay/listener.js';
import { decodeSaslPlain } from '../relay/sasl-plain.js';
import { relaySession } from '../relay/splice.js';
import { classifyUpstreamFailure } from '../relay/upstream-failure.js';

/**
 * One client of the POP3 gateway, from greeting to relay (RFC 1939; CAPA RFC 2449; STLS
 * RFC 2595; AUTH PLAIN RFC 5034/4616; response codes RFC 3206). Hand-written for the same
 * reason as the IMAP front: no library is a pre-login POP3 proxy front. Only the
 * AUTHORIZATION state is spoken here; once the upstream takes the resource's token
 * (protocols/pop3's client, which then hands its connection over) bytes are relayed untouched.
 */

const MAX_LINE = 8 * 1024;
const MAX_PRE_LOGIN_COMMANDS = 50;

type Options = Pick<GatewayListenerOptions, 'directory' | 'upstreams' | 'preAuthTimeoutMs' | 'maxLoginFailures'> & {
  logger?: Logger;
};

export async function runPop3Session(conn: GatewayConnection, opts: Options): Promise<void> {
  const log = opts.logger?.child({ session: conn.id, remote: conn.remoteAddress });
  const started = Date.now();
  log?.info({ secure: conn.secure }, 'pop3 session opened');
  const timeoutMs = opts.preAuthTimeoutMs ?? 60_000;
  let buffer = new WireBuffer(conn.socket, { timeoutMs });
  const send = (text: string) => {
    if (!conn.socket.destroyed) conn.socket.write(`${text}\r\n`);
  };
  send('+OK mailbridge POP3 gateway ready');
  let user: string | undefined;
  let failures = 0;

  const login = async (name: string, password: string): Promise<'relay' | 'refused' | 'closed'> => {
    const result = await opts.directory.authenticate(name, password, {
      protocol: 'pop3',
      remoteAddress: conn.remoteAddress,
    });
    if (!result.ok) {
      failures++;
      log?.warn({ user: name, reason: result.reason }, 'pop3 gateway login refused');
      send('-ERR [AUTH] Authentication failed');
      if (failures >= (opts.maxLoginFailures ?? 3)) {
        conn.socket.end();
        return 'closed';
      }
      return 'refused';
    }
    return (await relay(conn, buffer, result.principal, opts, log, started)) ? 'relay' : 'refused';
  };

  for (let n = 0; n < MAX_PRE_LOGIN_COMMANDS; n++) {
    let line: string;
    try {
      line = lineText(await buffer.readLine(MAX_LINE));
    } catch (err) {
      if (err instanceof WireBufferTimeout) send('-ERR Autologout; idle for too long');
      else if (err instanceof WireBufferTooLong) send('-ERR Line too long');
      else if (!(err instanceof WireBufferClosed)) throw err;
      log?.info({ reason: err instanceof Error ? err.message : String(err) }, 'pop3 session closed before login');
      conn.socket.destroy();
      return;
    }
    const space = line.indexOf(' ');
    const verb = (space < 0 ? line : line.slice(0, space)).toUpperCase();
    const rest = space < 0 ? '' : line.slice(space + 1);
    switch (verb) {
      case 'CAPA':
        send('+OK Capability list follows');
        for (const cap of preLoginCapa(conn)) send(cap);
        send('.');
        break;
      case 'QUIT':
        send('+OK Bye');
        conn.socket.end();
        return;
      case 'STLS':
        if (!conn.canStartTls) {
          send(`-ERR ${conn.secure ? 'TLS is already on' : 'STLS is not offered here'}`);
          break;
        }
        // Anything pipelined behind STLS would be plaintext injected into the TLS session (RFC 2595 §3.1).
        if (buffer.buffered > 0) {
          send('-ERR Data after STLS');
          conn.socket.destroy();
          return;
        }
        send('+OK Begin TLS negotiation');
        buffer.release({ pause: false });
        buffer = new WireBuffer(await conn.startTls(), { timeoutMs });
        user = undefined;
        break;
      case 'USER':
        if (!conn.loginAllowed) {
          send('-ERR [AUTH] Log in after STLS');
          break;
        }
        if (!rest) {
          send('-ERR USER takes a name');
          break;
        }
        user = rest;
        send('+OK Send PASS');
        break;
      case 'PASS': {
        if (!conn.loginAllowed) {
          send('-ERR [AUTH] Log in after STLS');
          break;
        }
        if (user === undefined) {
          send('-ERR USER first');
          break;
        }
        // RFC 1939 §7: the password is the rest of the line, spaces included.
        const outcome = await login(user, rest);
        user = undefined;
        if (outcome !== 'refused') return;
        break;
      }
      case 'AUTH': {
        const [mechanism, initial, ...extra] = rest.split(' ').filter((x) => x.length > 0);
        if (!mechanism) {
          // A bare AUTH lists the mechanisms (a pre-RFC 5034 habit some clients keep).
          send('+OK');
          if (conn.loginAllowed) send('PLAIN');
          send('.');
          break;
        }
        if (!conn.loginAllowed) {
          send('-ERR [AUTH] Log in after STLS');
          break;
        }
        if (mechanism.toUpperCase() !== 'PLAIN' || extra.length > 0) {
          send('-ERR Only AUTH PLAIN is offered here');
          break;
        }
        let response = initial;
        if (response === undefined) {
          send('+ ');
          response = lineText(await buffer.readLine(MAX_LINE));
        }
        if (response === '*') {
          send('-ERR AUTH cancelled');
          break;
        }
        const decoded = decodeSaslPlain(response === '=' ? '' : response);
        if (!decoded || (decoded.authzid && decoded.authzid !== decoded.authcid)) {
          send('-ERR Malformed AUTH PLAIN response');
          break;
        }
        const outcome = await login(decoded.authcid, decoded.password);
        if (outcome !== 'refused') return;
        break;
      }
      default:
        send(`-ERR ${verb || 'An empty line'} is not valid before login`);
    }
  }
  send('-ERR Too many commands before login');
  conn.socket.end();
}

/** What a client can use before login: passwords (USER, SASL PLAIN) only while they may travel, STLS while plain. */
function preLoginCapa(state: { canStartTls: boolean; loginAllowed: boolean }): string[] {
  const caps = ['TOP', 'UIDL', 'RESP-CODES', 'AUTH-RESP-CODE'];
  if (state.loginAllowed) caps.push('USER', 'SASL PLAIN');
  if (state.canStartTls) caps.push('STLS');
  caps.push('IMPLEMENTATION mailbridge-gateway');
  return caps;
}

/** Logs in upstream as the user's resource; on success the session becomes a relay (true). */
async function relay(
  conn: GatewayConnection,
  buffer: WireBuffer,
  principal: GatewayPrincipal,
  opts: Options,
  log: Logger | undefined,
  started: number,
): Promise<boolean> {
  const send = (text: string) => conn.socket.write(`${text}\r\n`);
  const who = { user: principal.user, resource: principal.resource };
  let upstream;
  try {
    const resource = await opts.upstreams.resource(principal.resource);
    if (resource.kind !== 'pop3') {
      log?.error(
        { ...who, kind: resource.kind },
        `pop3 gateway: resource ${resource.name} is a ${resource.kind} resource; map the user to a pop3 resource`,
      );
      send('-ERR [AUTH] This account has no POP3 mailbox');
      return false;
    }
    const session = await connectPop3({
      resource,
      tokens: opts.upstreams.provider(resource.name),
      ...(log ? { logger: log } : {}),
    });
    upstream = await session.handOver();
  } catch (err) {
    const failure = classifyUpstreamFailure(nameResourceInHint(err, principal.resource));
    log?.error(
      { ...who, code: failure.code, hint: failure.hint },
      `pop3 gateway: upstream login failed: ${failure.message}`,
    );
    send(
      failure.kind === 'unavailable'
        ? '-ERR [SYS/TEMP] The mail server cannot be reached now; try again later'
        : "-ERR [AUTH] The mail server refused this account's sign-in; the administrator must renew it",
    );
    return false;
  }
  const clientLeftover = buffer.release();
  send('+OK Logged in');
  relaySession('pop3', conn.socket, upstream, clientLeftover, { who, started, log });
  return true;
}
