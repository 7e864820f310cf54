/**
 * The Exchange sandbox's IMAP4rev1 endpoint (RFC 3501 + UIDPLUS, MOVE, ID, UNSELECT, IDLE,
 * NAMESPACE, LITERAL+, SASL-IR), answering as Exchange Online does (microsoft.md §3).
 *
 * Hand-written: no maintained npm IMAP server library fits. Checked with `npm view`:
 * `imap-server` (0.0.1) and `node-imap-server` are abandoned stubs; `wildduck` is a whole
 * mail server on MongoDB and Redis, not a library to put over our store. The wire
 * (wire/: parser, formatter, reader, sequence sets) is kept apart from the commands
 * (commands/: one file per verb), as imapflow does on the client side.
 */
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createSecureContext, createServer as createTlsServer } from 'node:tls';
import type { ExchangeContext } from '../contract.js';
import { MetaCache } from './meta.js';
import { ImapSession, type ServerShared } from './session.js';

export interface ImapServerOptions {
  host: string;
  /** Implicit TLS (993-style); 0 picks a free port. */
  port: number;
  /** Plain with STARTTLS (143-style); 0 picks a free port. */
  starttlsPort: number;
}

export interface ImapServer {
  port: number;
  starttlsPort: number;
  close(): Promise<void>;
}

export async function startImapServer(ctx: ExchangeContext, opts: ImapServerOptions): Promise<ImapServer> {
  const secureContext = createSecureContext({ key: ctx.tls.key, cert: ctx.tls.cert });
  const shared: ServerShared = { ctx, meta: new MetaCache(), secureContext };
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  const serve = (socket: Socket, secure: boolean) => {
    track(socket);
    socket.setNoDelay(true);
    new ImapSession(shared, socket, secure).run().catch(() => socket.destroy());
  };
  const tlsServer = createTlsServer({ key: ctx.tls.key, cert: ctx.tls.cert }, (socket) => serve(socket as unknown as Socket, true));
  // A failed handshake is the client's problem, not the server's.
  tlsServer.on('tlsClientError', () => undefined);
  const plainServer = createNetServer((socket) => serve(socket, false));
  try {
    await listen(tlsServer, opts.host, opts.port);
    await listen(plainServer, opts.host, opts.starttlsPort);
  } catch (e) {
    await Promise.allSettled([closeServer(tlsServer), closeServer(plainServer)]);
    throw e;
  }
  return {
    port: (tlsServer.address() as AddressInfo).port,
    starttlsPort: (plainServer.address() as AddressInfo).port,
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all([closeServer(tlsServer), closeServer(plainServer)]);
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
