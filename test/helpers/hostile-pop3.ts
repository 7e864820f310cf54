/**
 * A hostile POP3 server on loopback (RFC 1939 with CAPA, UIDL, AUTH XOAUTH2 accepting any
 * token): it announces whatever UIDLs and sizes a test gives it, can answer RETR with an
 * endless message, and records every DELE applied at QUIT. It plays the attacker in tests
 * where the real Dovecot would never misbehave; the client under test is the real one.
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';

export interface HostileMessage {
  uid: string;
  body: Buffer;
  /** What LIST announces (default: the body's length). */
  announcedSize?: number;
  /** RETR sends an endless message (lines of `x`, or one line without end). */
  endless?: 'lines' | 'one-line';
}

export interface HostilePop3 {
  port: number;
  /** UIDLs removed by a QUIT after DELE, in order. */
  deleted: string[];
  /** Bytes the server managed to write, over all sessions. */
  bytesSent(): number;
  /** Called at DELE time (before QUIT applies it), for checks such as "is it on disk already?". */
  onDelete?: (m: HostileMessage) => void;
  close(): Promise<void>;
}

const stuff = (body: Buffer) => Buffer.from(body.toString('latin1').replace(/^\./gm, '..'), 'latin1');

export async function startHostilePop3(messages: HostileMessage[]): Promise<HostilePop3> {
  let sent = 0;
  const sockets = new Set<Socket>();
  const state: HostilePop3 = {
    port: 0,
    deleted: [],
    bytesSent: () => sent,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    const write = (text: string | Buffer) => {
      if (socket.destroyed) return false;
      const b = Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1');
      sent += b.length;
      return socket.write(b);
    };
    const marked = new Set<number>();
    let pendingAuth = false;
    let buffer = '';
    write('+OK hostile POP3 ready\r\n');

    /** Writes lazily, only when the socket drains: what the client refuses to read is never produced. */
    const endless = (kind: 'lines' | 'one-line') => {
      write('+OK\r\n');
      const chunk = Buffer.from(
        kind === 'lines' ? `${'x'.repeat(78)}\r\n`.repeat(800) : 'x'.repeat(64 * 1024),
        'latin1',
      );
      const pump = () => {
        while (!socket.destroyed && write(chunk)) {
          /* until the kernel buffer is full */
        }
      };
      socket.on('drain', pump);
      pump();
    };

    const handle = (line: string) => {
      if (pendingAuth) {
        pendingAuth = false;
        return write('+OK logged in\r\n');
      }
      const [verb = '', arg] = line.split(' ');
      const n = Number(arg);
      const m = messages[n - 1];
      switch (verb.toUpperCase()) {
        case 'CAPA':
          return write('+OK\r\nUIDL\r\nUSER\r\nSASL XOAUTH2\r\n.\r\n');
        case 'USER':
        case 'PASS':
          return write('+OK\r\n');
        case 'AUTH':
          if (line.split(' ').length > 2) return write('+OK logged in\r\n');
          pendingAuth = true;
          return write('+ \r\n');
        case 'STAT':
          return write(`+OK ${messages.length} ${messages.reduce((a, x) => a + x.body.length, 0)}\r\n`);
        case 'LIST':
          if (arg !== undefined)
            return m ? write(`+OK ${n} ${m.announcedSize ?? m.body.length}\r\n`) : write('-ERR no such message\r\n');
          return write(
            `+OK\r\n${messages.map((x, i) => `${i + 1} ${x.announcedSize ?? x.body.length}\r\n`).join('')}.\r\n`,
          );
        case 'UIDL':
          return write(`+OK\r\n${messages.map((x, i) => `${i + 1} ${x.uid}\r\n`).join('')}.\r\n`);
        case 'RETR':
          if (!m) return write('-ERR no such message\r\n');
          if (m.endless) return endless(m.endless);
          return write(Buffer.concat([Buffer.from('+OK\r\n'), stuff(m.body), Buffer.from('.\r\n')]));
        case 'DELE':
          if (!m) return write('-ERR no such message\r\n');
          state.onDelete?.(m);
          marked.add(n);
          return write('+OK marked\r\n');
        case 'RSET':
          marked.clear();
          return write('+OK\r\n');
        case 'NOOP':
          return write('+OK\r\n');
        case 'QUIT': {
          const gone = [...marked].sort((a, b) => b - a);
          for (const i of gone) state.deleted.push(...messages.splice(i - 1, 1).map((x) => x.uid));
          write('+OK bye\r\n');
          return socket.end();
        }
        default:
          return write('-ERR unknown command\r\n');
      }
    };
    socket.on('data', (d: Buffer) => {
      buffer += d.toString('latin1');
      for (let i = buffer.indexOf('\r\n'); i >= 0; i = buffer.indexOf('\r\n')) {
        const line = buffer.slice(0, i);
        buffer = buffer.slice(i + 2);
        handle(line);
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.port = (server.address() as AddressInfo).port;
  return state;
}
