import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import type { SMTPConnection } from 'smtp-server/lib/smtp-connection.js';
import { REPLY, SERVER_NAME } from './replies.js';

/** Our replies carry Exchange's own enhanced status code ("5.7.3 …"): the library must not add another. */
const OWN_CODE = /^[245]\.\d{1,3}\.\d{1,3} /;

/**
 * smtp-server with Exchange Online's wire manners. The library words some replies its own way
 * (greeting, STARTTLS, AUTH before TLS, 235) and advertises AUTH before STARTTLS; Exchange does
 * not, so each connection's `send` is wrapped to say what Exchange says. `connect` is the one
 * place every connection passes through, hence the override.
 */
export class ExchangeSmtpServer extends SMTPServer {
  /** Sockets by session id, for faults that drop the connection. */
  readonly connectionsById = new Map<string, SMTPConnection>();

  constructor(options: SMTPServerOptions, private readonly clock: () => number) {
    super(options);
  }

  override connect(...args: Parameters<SMTPServer['connect']>): void {
    const before = new Set(this.connections);
    super.connect(...args);
    for (const conn of this.connections) if (!before.has(conn)) this.adapt(conn);
  }

  private adapt(conn: SMTPConnection): void {
    this.connectionsById.set(conn.id, conn);
    conn._socket.once('close', () => this.connectionsById.delete(conn.id));
    const send = conn.send.bind(conn);
    let greeted = false;
    conn.send = (code, data, context) => {
      if (code === 220) {
        const text = greeted ? REPLY.tlsReady : `${SERVER_NAME} Microsoft ESMTP MAIL Service ready at ${new Date(this.clock()).toUTCString().replace('GMT', '+0000')}`;
        greeted = true;
        return send(220, text, false);
      }
      if (Array.isArray(data) && code === 250) {
        // EHLO: no AUTH before TLS, and PLAIN is accepted (to refuse it) but not advertised.
        const lines = data
          .filter((l) => conn.secure || !l.startsWith('AUTH'))
          .map((l) => (l.startsWith('AUTH') ? l.replace(/ PLAIN\b/, '') : l));
        return send(code, lines, context);
      }
      if (code === 538) return send(504, REPLY.authBeforeTls, false);
      if (code === 504 && typeof data === 'string' && /Unrecognized authentication type/.test(data)) return send(504, REPLY.authBeforeTls, false);
      if (code === 235) return send(235, REPLY.authOk, false);
      // Exchange's own texts for the envelope, DATA and QUIT replies (microsoft.md §3.4 captures).
      if (code === 250 && context === 'MAIL_FROM_OK') return send(250, REPLY.senderOk, false);
      if (code === 250 && context === 'RCPT_TO_OK') return send(250, REPLY.recipientOk, false);
      if (code === 354) return send(354, REPLY.startMailInput, false);
      if (code === 221) return send(221, REPLY.closing, false);
      if (typeof data === 'string' && OWN_CODE.test(data)) return send(code, data, false);
      return send(code, data, context);
    };
  }
}
