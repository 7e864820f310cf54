import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import type { ExchangeContext, Folder, StoredMessage } from '../contract.js';
import { LineReader } from './lines.js';
import { POP3 } from './replies.js';
import { sendMessage } from './retr.js';

/** One POP3 connection: AUTHORIZATION, then TRANSACTION over a snapshot of the Inbox, then UPDATE on QUIT. */
export class Pop3Session {
  private socket: Socket;
  private readonly reader: LineReader;
  private secure: boolean;
  private mailbox: string | undefined;
  private inbox: Folder | undefined;
  /** The maildrop as it was at login: POP3 numbers must not shift during the session. */
  private messages: StoredMessage[] = [];
  private readonly deleted = new Set<number>();

  constructor(socket: Socket, private readonly ctx: ExchangeContext, private readonly tls: SecureContext) {
    this.socket = socket;
    this.secure = socket instanceof TLSSocket;
    this.reader = new LineReader(socket);
    socket.on('error', () => undefined);
  }

  async run(): Promise<void> {
    this.say(POP3.greeting);
    for (;;) {
      const line = await this.reader.next();
      if (line === undefined) break;
      const [verb = '', ...args] = line.trim().split(/\s+/);
      const keep = await this.command(verb.toUpperCase(), args);
      if (!keep) break;
    }
    this.socket.end();
  }

  private say(line: string): void {
    if (!this.socket.destroyed) this.socket.write(`${line}\r\n`);
  }

  private sayLines(first: string, lines: string[]): void {
    this.say([first, ...lines, '.'].join('\r\n'));
  }

  /** Handle one command; false ends the session. */
  private async command(verb: string, args: string[]): Promise<boolean> {
    switch (verb) {
      case 'CAPA':
        this.sayLines('+OK', ['TOP', 'UIDL', 'SASL PLAIN XOAUTH2', 'USER', ...(this.secure || this.mailbox ? [] : ['STLS'])]);
        return true;
      case 'NOOP':
        this.say(this.mailbox ? '+OK' : POP3.notInThisState);
        return true;
      case 'QUIT':
        this.quit();
        return false;
    }
    if (!this.mailbox) return this.authorization(verb, args);
    return this.transaction(verb, args);
  }

  private async authorization(verb: string, args: string[]): Promise<boolean> {
    switch (verb) {
      case 'STLS':
        if (this.secure) this.say(POP3.notInThisState);
        else await this.startTls();
        return true;
      case 'USER':
        // Exchange takes the name and refuses at PASS, as basic authentication is disabled.
        this.say(this.secure ? '+OK' : POP3.notInThisState);
        return true;
      case 'PASS':
        this.say(POP3.authFailed);
        return true;
      case 'AUTH':
        await this.auth(args);
        return true;
      default:
        this.say(POP3.protocolError);
        return true;
    }
  }

  private async auth(args: string[]): Promise<void> {
    const mech = (args[0] ?? '').toUpperCase();
    if (!this.secure) return this.say(POP3.notInThisState);
    if (mech !== 'XOAUTH2' && mech !== 'PLAIN') return this.say(POP3.protocolError);
    let response = args[1];
    if (response === undefined) {
      this.say('+ ');
      response = await this.reader.next();
      if (response === undefined) return;
    }
    if (response.trim() === '*') return this.say('-ERR Authentication canceled.');
    if (mech === 'PLAIN') return this.say(POP3.authFailed);
    const { user, token } = parseXoauth2(response.trim());
    if (!user || !token) return this.say(POP3.authFailed);
    const mailbox = user.toLowerCase();
    const result = await this.ctx.tokens.validate(token, {
      audience: 'outlook', anyScope: ['POP.AccessAsUser.All'], anyRole: ['POP.AccessAsApp'], mailbox,
    });
    const box = this.ctx.store.mailbox(mailbox);
    if (!result.ok || !box || !this.ctx.tokens.canAccess(result.principal, mailbox)) return this.say(POP3.authFailed);
    this.mailbox = mailbox;
    this.inbox = box.folder('inbox')!;
    this.messages = [...this.inbox.list()];
    this.say(POP3.authOk);
  }

  private async transaction(verb: string, args: string[]): Promise<boolean> {
    const fault = verb === 'RETR' || verb === 'TOP' ? this.ctx.takeFault('pop3', this.mailbox) : undefined;
    if (fault?.kind === 'slow') await new Promise((r) => setTimeout(r, fault.value ?? 1000));
    if (fault?.kind === 'throttle' || fault?.kind === 'server_error') {
      this.say(POP3.unavailable);
      return true;
    }
    switch (verb) {
      case 'STAT': {
        const live = this.live();
        this.say(`+OK ${live.length} ${live.reduce((n, [, m]) => n + m.size, 0)}`);
        return true;
      }
      case 'LIST':
      case 'UIDL': {
        const show = (n: number, m: StoredMessage) => `${n} ${verb === 'LIST' ? m.size : m.id}`;
        if (args[0] !== undefined) {
          const m = this.pick(args[0]);
          if (m) this.say(`+OK ${show(Number(args[0]), m)}`);
          return true;
        }
        const live = this.live();
        this.sayLines(verb === 'LIST' ? `+OK ${live.length} ${live.reduce((n, [, m]) => n + m.size, 0)}` : '+OK', live.map(([n, m]) => show(n, m)));
        return true;
      }
      case 'RETR':
      case 'TOP': {
        const m = this.pick(args[0]);
        if (!m) return true;
        let bodyLines: number | undefined;
        if (verb === 'TOP') {
          bodyLines = Number(args[1]);
          if (!/^\d+$/.test(args[1] ?? '')) {
            this.say(POP3.protocolError);
            return true;
          }
        }
        if (!this.inbox!.byUid(m.uid)) {
          // Expunged through another protocol since login.
          this.say(POP3.deleted);
          return true;
        }
        this.say(verb === 'RETR' ? `+OK ${m.size} octets` : '+OK');
        const result = await sendMessage(this.socket, this.inbox!.stream(m.uid), {
          ...(bodyLines !== undefined ? { bodyLines } : {}),
          ...(fault?.kind === 'drop_connection' ? { dropAfter: fault.value ?? 0 } : {}),
        });
        return result === 'sent';
      }
      case 'DELE': {
        const m = this.pick(args[0]);
        if (m) {
          this.deleted.add(Number(args[0]));
          this.say(`+OK`);
        }
        return true;
      }
      case 'RSET':
        this.deleted.clear();
        this.say('+OK');
        return true;
      default:
        this.say(verb === 'AUTH' || verb === 'USER' || verb === 'PASS' || verb === 'STLS' ? POP3.notInThisState : POP3.protocolError);
        return true;
    }
  }

  /** UPDATE state: deletions happen only on QUIT after a successful login (RFC 1939 §6). */
  private quit(): void {
    if (this.inbox && this.deleted.size > 0) {
      this.inbox.expunge([...this.deleted].map((n) => this.messages[n - 1]!.uid));
    }
    this.say(POP3.signingOff);
  }

  private live(): [number, StoredMessage][] {
    return this.messages.map((m, i): [number, StoredMessage] => [i + 1, m]).filter(([n]) => !this.deleted.has(n));
  }

  /** The message numbered `arg`, or undefined after answering the error. */
  private pick(arg: string | undefined): StoredMessage | undefined {
    const n = Number(arg);
    if (!arg || !/^\d+$/.test(arg) || n < 1 || n > this.messages.length) {
      this.say(POP3.outOfRange);
      return undefined;
    }
    if (this.deleted.has(n)) {
      this.say(POP3.deleted);
      return undefined;
    }
    return this.messages[n - 1];
  }

  private async startTls(): Promise<void> {
    if (this.reader.pending() > 0) {
      // Pipelined bytes after STLS would be plaintext injection (CVE-2011-0411 class): refuse.
      this.say(POP3.protocolError);
      return;
    }
    this.say(POP3.tlsGo);
    this.reader.detach();
    const secure = new TLSSocket(this.socket, { isServer: true, secureContext: this.tls });
    secure.on('error', () => undefined);
    await new Promise<void>((resolve) => {
      secure.once('secure', () => resolve());
      secure.once('close', () => resolve());
    });
    this.socket = secure;
    this.secure = true;
    this.reader.attach(secure);
  }
}

/** `user=<mailbox>^Aauth=Bearer <token>^A^A`, base64 (microsoft.md §3.3). */
function parseXoauth2(b64: string): { user?: string; token?: string } {
  const out: { user?: string; token?: string } = {};
  for (const field of Buffer.from(b64, 'base64').toString('utf8').split('\x01')) {
    const eq = field.indexOf('=');
    if (eq < 0) continue;
    const key = field.slice(0, eq).toLowerCase();
    const value = field.slice(eq + 1);
    if (key === 'user') out.user = value.trim();
    if (key === 'auth' && /^bearer\s+/i.test(value)) out.token = value.replace(/^bearer\s+/i, '').trim();
  }
  return out;
}
