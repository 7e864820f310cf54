import { once } from 'node:events';
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import type { Duplex } from 'node:stream';
import type { ExchangeContext, SandboxMailbox } from '../contract.js';
import { COMMANDS, UID_COMMANDS } from './commands/index.js';
import type { CommandResult } from './commands/types.js';
import type { MetaCache } from './meta.js';
import { GREETING, TEXT } from './responses.js';
import type { SelectedView } from './selected.js';
import { ImapSyntaxError, literalMarker, parseCommand, type CommandInput, type ImapCommand } from './wire/parser.js';
import { LineTooLongError, WireReader } from './wire/reader.js';

export type SessionState = 'notauth' | 'auth' | 'selected' | 'logout';

/** Longest command line (without literals): Exchange's limit is not documented; 64 KiB fits any real client. */
const MAX_LINE = 64 * 1024;
/** Largest literal (APPEND): Exchange's 150 MB message limit. */
const MAX_LITERAL = 150 * 1024 * 1024;

/** What every session shares: the sandbox, the parsed-message cache, TLS. */
export interface ServerShared {
  ctx: ExchangeContext;
  meta: MetaCache;
  secureContext: SecureContext;
}

/** One IMAP connection: the state machine of RFC 3501 §3 and the command loop. */
export class ImapSession {
  state: SessionState = 'notauth';
  /** The mailbox address logged in to (may be a shared mailbox). */
  user: string | undefined;
  mailbox: SandboxMailbox | undefined;
  selected: SelectedView | undefined;
  secure: boolean;
  readonly shared: ServerShared;
  #socket: Duplex;
  readonly #reader = new WireReader();
  /** drop_connection fault: bytes still allowed out before the connection is cut. */
  #dropAfter: number | undefined;
  #closed = false;

  constructor(shared: ServerShared, socket: Duplex, secure: boolean) {
    this.shared = shared;
    this.#socket = socket;
    this.secure = secure;
    this.#reader.attach(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.#closed = true;
    });
  }

  get ctx(): ExchangeContext {
    return this.shared.ctx;
  }

  get closed(): boolean {
    return this.#closed;
  }

  async run(): Promise<void> {
    try {
      await this.send(`* OK ${GREETING}\r\n`);
      while (this.state !== 'logout' && !this.#closed) {
        const input = await this.#readCommand();
        if (!input) break;
        await this.#execute(input);
      }
    } catch (e) {
      if (e instanceof LineTooLongError) await this.send('* BYE Connection is closed. 13\r\n').catch(() => undefined);
      else if (!(e instanceof ConnectionGone)) throw e;
    } finally {
      this.selected?.close();
      this.selected = undefined;
      this.#socket.end();
    }
  }

  async #execute(input: CommandInput): Promise<void> {
    let cmd: ImapCommand;
    try {
      cmd = parseCommand(input);
    } catch (e) {
      if (!(e instanceof ImapSyntaxError)) throw e;
      const tag = (e as { tag?: string }).tag;
      await this.send(`${tag ?? '*'} BAD ${e.message}\r\n`);
      return;
    }
    let name = cmd.name;
    let uid = false;
    let handler = COMMANDS[name];
    if (name === 'UID') {
      const sub = cmd.args[0];
      name = sub?.type === 'atom' ? sub.value.toUpperCase() : '';
      handler = UID_COMMANDS[name];
      cmd = { ...cmd, name, args: cmd.args.slice(1) };
      uid = true;
    }
    if (!handler) {
      await this.send(`${cmd.tag} BAD ${TEXT.commandError}\r\n`);
      return;
    }
    if (!handler.states.includes(this.state)) {
      await this.send(`${cmd.tag} BAD ${TEXT.invalidState}\r\n`);
      return;
    }
    const faulted = this.state === 'auth' || this.state === 'selected' ? await this.#applyFault(cmd) : undefined;
    // RFC 3501 §7.4.1: no EXPUNGE during FETCH, STORE or SEARCH by sequence number.
    const allowExpunge = uid || !['FETCH', 'STORE', 'SEARCH'].includes(name);
    // Messages other sessions added are announced first, so the command sees them (a SEARCH finds them).
    if (this.selected && !faulted) await this.flushUpdates(allowExpunge);
    let result: CommandResult;
    if (faulted) {
      result = faulted;
    } else {
      try {
        result = await handler.run(this, cmd, uid);
      } catch (e) {
        if (e instanceof ImapSyntaxError) result = { status: 'BAD', text: e.message };
        else throw e;
      }
    }
    if (this.#closed || result.silent) return;
    if (this.selected && !result.noUpdates) await this.flushUpdates(allowExpunge);
    const code = result.code ? `[${result.code}] ` : '';
    await this.send(`${cmd.tag} ${result.status} ${code}${result.text}\r\n`);
  }

  /**
   * Faults (ctx.takeFault) are taken once per command in the authenticated states. Throttling
   * answers as Exchange Online does (imapflow's source quotes the live reply: `BAD Request is
   * throttled. Suggested Backoff Time: N milliseconds`); microsoft.md §3.7 has no IMAP text.
   */
  async #applyFault(cmd: ImapCommand): Promise<CommandResult | undefined> {
    if (cmd.name === 'LOGOUT') return undefined;
    const fault = this.ctx.takeFault('imap', this.user);
    if (!fault) return undefined;
    switch (fault.kind) {
      case 'throttle':
        return { status: 'BAD', text: `Request is throttled. Suggested Backoff Time: ${fault.value ?? 1000} milliseconds`, noUpdates: true };
      case 'server_error':
        return { status: 'NO', text: 'Server Unavailable. 15', noUpdates: true };
      case 'slow':
        await new Promise((r) => setTimeout(r, fault.value ?? 1000));
        return undefined;
      case 'drop_connection':
        this.#dropAfter = fault.value ?? 0;
        return undefined;
    }
  }

  /** Untagged EXPUNGE / EXISTS / FETCH FLAGS the selected folder has collected. */
  async flushUpdates(allowExpunge: boolean): Promise<void> {
    const out = this.selected?.takeUpdates(allowExpunge);
    if (out && out.length > 0) await this.send(Buffer.concat(out));
  }

  async #readCommand(): Promise<CommandInput | null> {
    const pieces: Buffer[] = [];
    const literals: Buffer[] = [];
    let line = await this.#reader.readLine(MAX_LINE);
    while (line !== null) {
      const marker = literalMarker(line);
      if (!marker) {
        pieces.push(line);
        return { pieces, literals };
      }
      if (marker.size > MAX_LITERAL) {
        const tag = (pieces[0] ?? line).toString('latin1').split(' ')[0] ?? '*';
        if (!marker.sync) throw new LineTooLongError();
        await this.send(`${tag} BAD Command Argument Error. 11\r\n`);
        return this.#readCommand();
      }
      if (marker.sync) await this.send(`+ ${TEXT.continueLiteral}\r\n`);
      const literal = await this.#reader.readBytes(marker.size);
      if (!literal) return null;
      pieces.push(line);
      literals.push(literal);
      line = await this.#reader.readLine(MAX_LINE);
    }
    return null;
  }

  /** The next raw line (AUTHENTICATE's continuation, IDLE's DONE); null when the client left. */
  readLine(): Promise<Buffer | null> {
    return this.#reader.readLine(MAX_LINE);
  }

  /** Writes, waiting for the socket to drain; a drop_connection fault cuts it here. */
  async send(data: string | Buffer): Promise<void> {
    if (this.#closed) throw new ConnectionGone();
    let buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    if (this.#dropAfter !== undefined) {
      if (buf.length >= this.#dropAfter) {
        buf = buf.subarray(0, this.#dropAfter);
        this.#dropAfter = undefined;
        this.#socket.write(buf);
        this.#closed = true;
        // Give the bytes a moment to leave, then cut without BYE, as a network drop does.
        setImmediate(() => this.#socket.destroy());
        throw new ConnectionGone();
      }
      this.#dropAfter -= buf.length;
    }
    if (!this.#socket.write(buf)) await this.#drain();
  }

  async #drain(): Promise<void> {
    if (this.#closed) throw new ConnectionGone();
    const ac = new AbortController();
    try {
      await Promise.race([once(this.#socket, 'drain', { signal: ac.signal }), once(this.#socket, 'close', { signal: ac.signal })]);
    } finally {
      ac.abort();
    }
    if (this.#closed) throw new ConnectionGone();
  }

  /** STARTTLS: from here on the session talks TLS over the same TCP connection. */
  startTls(): void {
    this.#reader.detach();
    const plain = this.#socket as Socket;
    const secure = new TLSSocket(plain, { isServer: true, secureContext: this.shared.secureContext });
    secure.on('error', () => undefined);
    secure.on('close', () => {
      this.#closed = true;
    });
    this.#socket = secure;
    this.#reader.attach(secure);
    this.secure = true;
  }

  /** Bytes the client sent after a command without waiting for its answer. */
  get pipelined(): number {
    return this.#reader.buffered;
  }

  /** Ends the connection (LOGOUT, BYE). */
  end(): void {
    this.state = 'logout';
  }
}

/** The connection went away mid-command: stop quietly. */
export class ConnectionGone extends Error {}
