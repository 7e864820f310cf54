import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createSecureContext, createServer as createTlsServer } from 'node:tls';
import type { ExchangeContext } from '../contract.js';
import { Pop3Session } from './session.js';

/**
 * POP3 as outlook.office365.com offers it: implicit TLS (995) and STLS on the plain port (110),
 * AUTH XOAUTH2 with an Outlook token carrying POP.AccessAsUser.All (or POP.AccessAsApp plus a
 * mailbox permission); USER/PASS refused as basic authentication is disabled.
 */
export async function startPop3Server(
  ctx: ExchangeContext,
  opts: { host: string; port: number; tlsPort: number },
): Promise<{ port: number; tlsPort: number; close(): Promise<void> }> {
  const secureContext = createSecureContext({ key: ctx.tls.key, cert: ctx.tls.cert });
  const sockets = new Set<Socket>();
  const track = (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
    // Nagle off, as the IMAP server has it: the tail of a multi-segment RETR (the last lines and
    // the terminating ".") otherwise waits for the client's delayed ACK, ~40 ms per message.
    s.setNoDelay(true);
    // An idle client is dropped after 10 minutes, like Exchange's POP3 idle timeout.
    s.setTimeout(10 * 60_000, () => s.destroy());
    void new Pop3Session(s, ctx, secureContext).run().catch(() => s.destroy());
  };
  const plain = createServer(track);
  const tls = createTlsServer({ key: ctx.tls.key, cert: ctx.tls.cert }, track);
  tls.on('tlsClientError', () => undefined);
  const listen = (srv: Server, port: number) =>
    new Promise<number>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(port, opts.host, () => resolve((srv.address() as AddressInfo).port));
    });
  const port = await listen(plain, opts.port);
  const tlsPort = await listen(tls, opts.tlsPort);
  return {
    port,
    tlsPort,
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all([plain, tls].map((srv) => new Promise<void>((resolve) => srv.close(() => resolve()))));
    },
  };
}
