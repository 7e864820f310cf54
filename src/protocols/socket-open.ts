import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import type { ProxyRoute } from '../net/proxy.js';
import { openTunnel } from '../net/tunnel.js';

/**
 * Opening the socket of a hand-written line protocol client (the POP3 client, the IMAP
 * hand-over login): TCP, or TLS from the first byte, or a TLS handshake over a socket after
 * STARTTLS/STLS; each bounded by a timeout that destroys the socket. node:net and node:tls
 * have no connect timeout of their own.
 */

/**
 * Connects to `host:port`, with TLS when `tlsOptions` is given; `noDelay` turns Nagle off (a relay). With a
 * `proxy`, through its CONNECT tunnel (no POP3 library takes a proxy, and the IMAP hand-over login is ours): TLS
 * to the server then starts inside the tunnel with the same options, verified end to end.
 */
export async function openSocket(
  host: string,
  port: number,
  tlsOptions: ConnectionOptions | undefined,
  timeoutMs: number,
  opts: { noDelay?: boolean; proxy?: ProxyRoute | undefined } = {},
): Promise<Socket | TLSSocket> {
  const noDelay = opts.noDelay ?? false;
  if (opts.proxy) {
    const tunnel = (await openTunnel(opts.proxy, host, port, { timeoutMs })).setNoDelay(noDelay);
    return tlsOptions ? tlsHandshake(tlsConnect({ ...tlsOptions, host, socket: tunnel }), timeoutMs) : tunnel;
  }
  if (tlsOptions) return tlsHandshake(tlsConnect({ ...tlsOptions, host, port }).setNoDelay(noDelay), timeoutMs);
  return socketReady(netConnect({ host, port, noDelay }), 'connect', 'connect', timeoutMs);
}

/** Starts TLS over an open socket (after STARTTLS/STLS was answered). */
export function upgradeToTls(socket: Socket, tlsOptions: ConnectionOptions, timeoutMs: number): Promise<TLSSocket> {
  return tlsHandshake(tlsConnect({ ...tlsOptions, socket }), timeoutMs);
}

function tlsHandshake(s: TLSSocket, timeoutMs: number): Promise<TLSSocket> {
  return socketReady(s, 'secureConnect', 'TLS handshake', timeoutMs);
}

/** Resolves with the socket once `event` fires; a socket error or the timeout rejects (and the timeout destroys it). */
function socketReady<S extends Socket>(
  s: S,
  event: 'connect' | 'secureConnect',
  what: string,
  timeoutMs: number,
): Promise<S> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      s.destroy();
      reject(Object.assign(new Error(`${what} timed out after ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    s.once(event, () => {
      clearTimeout(timer);
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}
