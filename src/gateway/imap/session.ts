import { nameResourceInHint } from '../../errors.js';
import type { Logger } from '../../log.js';
import { loginImapForRelay } from '../../protocols/imap/relay-login.js';
import { WireBuffer, WireBufferClosed, WireBufferTimeout, WireBufferTooLong } from '../../protocols/wire-buffer.js';
import type { GatewayPrincipal } from '../directory.js';
import type { GatewayConnection, GatewayListenerOptions } from '../relay/listener.js';
import { decodeSaslPlain } from '../relay/sasl-plain.js';
import { relaySession } from '../relay/splice.js';
import { classifyUpstreamFailure } from '../relay/upstream-failure.js';
import { postLoginCapabilities, preLoginCapabilities } from './capabilities.js';
import { readImapCommand, type ImapCommand } from './command.js';

/**
 * One client of the IMAP gateway, from greeting to relay. Hand-written because no library
 * does this part: IMAP server libraries (none maintained on npm) would own the whole session,
 * and the proxies (email-oauth2-proxy, EmailEngine) are applications. So the front is kept
 * to the pre-login commands (CAPABILITY, NOOP, LOGOUT, ID, STARTTLS, LOGIN, AUTHENTICATE
 * PLAIN); once the upstream accepts the resource's token, bytes are relayed untouched.
 */

const LIMITS = { maxLine: 8 * 1024, maxLiteral: 8 * 1024 };
/** Commands before login on one connection (a client needs a handful; EmailEngine's proxy crashed past 50, emailengine#596). */
const MAX_PRE_LOGIN_COMMANDS = 50;

type Options = Pick<GatewayListenerOptions, 'directory' | 'upstreams' | 'preAuthTimeoutMs' | 'maxLoginFailures'> & {
  logger?: Logger;
};

export async function runImapSession(conn: GatewayConnection, opts: Options): Promise<void> {
  const log = opts.logger?.child({ session: conn.id, remote: conn.remoteAddress });
  const started = Date.now();
  log?.info({ secure: conn.secure }, 'imap session opened');
  let buffer = new WireBuffer(conn.socket, { timeoutMs: opts.preAuthTimeoutMs ?? 60_000 });
  const send = (text: string) => {
    if (!conn.socket.destroyed) conn.socket.write(`${text}\r\n`);
  };
  const caps = () => preLoginCapabilities(conn).join(' ');
  send(`* OK [CAPABILITY ${caps()}] mailbridge IMAP gateway ready`);
  let failures = 0;

  for (let n = 0; n < MAX_PRE_LOGIN_COMMANDS; n++) {
    let read;
    try {
      read = await readImapCommand(
        buffer,
        () => send('+ Ready for literal data'),
        LIMITS,
        (name) => (name === 'LOGIN' && !conn.loginAllowed ? 'Log in after STARTTLS' : undefined),
      );
    } catch (err) {
      if (err instanceof WireBufferTimeout) send('* BYE Autologout; idle for too long');
      else if (err instanceof WireBufferTooLong) send('* BYE Line too long');
      else if (!(err instanceof WireBufferClosed)) throw err;
      log?.info({ reason: err instanceof Error ? err.message : String(err) }, 'imap session closed before login');
      conn.socket.destroy();
      return;
    }
    if (read.kind === 'bad') {
      send(`${read.tag ?? '*'} BAD ${read.reason}`);
      continue;
    }
    if (read.kind === 'literal-refused') {
      const code = read.reason.startsWith('Log in') ? '[PRIVACYREQUIRED] ' : '';
      send(`${read.tag} ${read.name === 'LOGIN' ? 'NO' : 'BAD'} ${code}${read.reason}`);
      if (read.sync) continue;
      // The client is sending the literal anyway ({n+}): the rest of the line cannot be found again.
      send('* BYE Cannot continue after a refused literal');
      conn.socket.destroy();
      return;
    }
    const cmd = read.command;
    switch (cmd.name) {
      case 'CAPABILITY':
        send(`* CAPABILITY ${caps()}`);
        send(`${cmd.tag} OK CAPABILITY completed`);
        break;
      case 'NOOP':
        send(`${cmd.tag} OK NOOP completed`);
        break;
      case 'ID':
        send('* ID ("name" "mailbridge gateway")');
        send(`${cmd.tag} OK ID completed`);
        break;
      case 'LOGOUT':
        send('* BYE Logging out');
        send(`${cmd.tag} OK LOGOUT completed`);
        conn.socket.end();
        return;
      case 'STARTTLS': {
        if (!conn.canStartTls) {
          send(`${cmd.tag} BAD ${conn.secure ? 'TLS is already on' : 'STARTTLS is not offered here'}`);
          break;
        }
        // Anything sent after STARTTLS before the handshake could be injected plaintext (RFC 2595 §3.1).
        if (buffer.buffered > 0) {
          send(`${cmd.tag} BAD Data after STARTTLS`);
          conn.socket.destroy();
          return;
        }
        send(`${cmd.tag} OK Begin TLS negotiation now`);
        buffer.release({ pause: false });
        const secured = await conn.startTls();
        buffer = new WireBuffer(secured, { timeoutMs: opts.preAuthTimeoutMs ?? 60_000 });
        break;
      }
      case 'LOGIN':
      case 'AUTHENTICATE': {
        if (cmd.name === 'AUTHENTICATE' && !conn.loginAllowed) {
          send(`${cmd.tag} NO [PRIVACYREQUIRED] Log in after STARTTLS`);
          break;
        }
        const credentials = cmd.name === 'LOGIN' ? loginArgs(cmd) : await authenticatePlain(cmd, buffer, send);
        if ('refusal' in credentials) {
          if (credentials.refusal) send(`${cmd.tag} ${credentials.refusal}`);
          break;
        }
        if (!conn.loginAllowed) {
          send(`${cmd.tag} NO [PRIVACYREQUIRED] Log in after STARTTLS`);
          break;
        }
        const login = await opts.directory.authenticate(credentials.user, credentials.password, {
          protocol: 'imap',
          remoteAddress: conn.remoteAddress,
        });
        if (!login.ok) {
          failures++;
          log?.warn({ user: credentials.user, reason: login.reason }, 'imap gateway login refused');
          send(`${cmd.tag} NO [AUTHENTICATIONFAILED] Authentication failed`);
          if (failures >= (opts.maxLoginFailures ?? 3)) {
            send('* BYE Too many failed logins');
            conn.socket.end();
            return;
          }
          break;
        }
        if (await relay(conn, buffer, cmd.tag, login.principal, opts, log, started)) return;
        break;
      }
      default:
        send(`${cmd.tag} BAD ${cmd.name} is not valid before login`);
    }
  }
  send('* BYE Too many commands before login');
  conn.socket.end();
}

/** Logs in upstream as the user's resource; on success the session becomes a relay (true). */
async function relay(
  conn: GatewayConnection,
  buffer: WireBuffer,
  tag: string,
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
    if (resource.kind !== 'imap') {
      log?.error(
        { ...who, kind: resource.kind },
        `imap gateway: resource ${resource.name} is a ${resource.kind} resource; map the user to an imap resource`,
      );
      send(`${tag} NO [AUTHENTICATIONFAILED] This account has no IMAP mailbox`);
      return false;
    }
    upstream = await loginImapForRelay({
      resource,
      tokens: opts.upstreams.provider(resource.name),
      ...(log ? { logger: log } : {}),
    });
  } catch (err) {
    const failure = classifyUpstreamFailure(nameResourceInHint(err, principal.resource));
    log?.error(
      { ...who, code: failure.code, hint: failure.hint },
      `imap gateway: upstream login failed: ${failure.message}`,
    );
    send(
      failure.kind === 'unavailable'
        ? `${tag} NO [UNAVAILABLE] The mail server cannot be reached now; try again later`
        : `${tag} NO [AUTHENTICATIONFAILED] The mail server refused this account's sign-in; the administrator must renew it`,
    );
    return false;
  }
  const clientLeftover = buffer.release();
  send(`${tag} OK [CAPABILITY ${postLoginCapabilities(upstream.capabilities).join(' ')}] Logged in`);
  relaySession('imap', conn.socket, upstream, clientLeftover, { who, started, log });
  return true;
}

type Credentials = { user: string; password: string } | { refusal: string | undefined };

function loginArgs(cmd: ImapCommand): Credentials {
  const [user, password] = cmd.args;
  if (cmd.args.length !== 2 || user === undefined || password === undefined)
    return { refusal: 'BAD LOGIN takes a user name and a password' };
  return { user, password };
}

/** AUTHENTICATE PLAIN, with the initial response on the line (SASL-IR, `=` for empty) or after a `+`. */
async function authenticatePlain(
  cmd: ImapCommand,
  buffer: WireBuffer,
  send: (t: string) => void,
): Promise<Credentials> {
  const [mechanism, initial, ...extra] = cmd.args;
  if (!mechanism || extra.length > 0)
    return { refusal: 'BAD AUTHENTICATE takes a mechanism and an optional initial response' };
  if (mechanism.toUpperCase() !== 'PLAIN') return { refusal: 'NO [CANNOT] Only AUTHENTICATE PLAIN is offered here' };
  let response = initial;
  if (response === undefined) {
    send('+ ');
    response = (await buffer.readLine(LIMITS.maxLine)).toString('utf8').replace(/\r?\n$/, '');
  }
  if (response === '*') return { refusal: 'BAD AUTHENTICATE cancelled' };
  const decoded = decodeSaslPlain(response === '=' ? '' : response);
  if (!decoded) return { refusal: 'BAD Malformed AUTHENTICATE PLAIN response' };
  if (decoded.authzid && decoded.authzid !== decoded.authcid)
    return { refusal: 'NO [AUTHORIZATIONFAILED] Logging in as another user is not supported' };
  return { user: decoded.authcid, password: decoded.password };
}
