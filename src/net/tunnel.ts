import { Socket } from 'node:net';
import { Client } from 'undici';
import { proxyStatusError, proxyUnreachable } from './errors.js';
import type { ProxyRoute } from './proxy.js';
import { caList, proxyCa } from './trust.js';

/**
 * A TCP connection to `host:port` through the proxy's HTTP CONNECT (RFC 9110 §9.3.6), for
 * protocols that are not HTTP: POP3 here, and the Graph/EWS agents. undici speaks the CONNECT
 * (and TLS to an https:// proxy); the socket it hands back is the tunnel, on which the caller
 * starts its own TLS to the mail server, verified end to end as without a proxy.
 */
export async function openTunnel(
  route: ProxyRoute,
  host: string,
  port: number,
  opts: { timeoutMs?: number } = {},
): Promise<Socket> {
  const https = route.origin.startsWith('https:');
  const client = new Client(route.origin, {
    connect: { ...(https ? { ca: caList(proxyCa()) } : {}), timeout: opts.timeoutMs ?? 30_000 },
  });
  const authority = host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
  try {
    const { statusCode, socket } = await client.connect({
      path: authority,
      headers: {
        host: authority,
        ...(route.authorization ? { 'proxy-authorization': route.authorization.reveal() } : {}),
      },
      ...(opts.timeoutMs ? { signal: AbortSignal.timeout(opts.timeoutMs) } : {}),
    });
    if (statusCode !== 200) {
      socket.destroy();
      throw proxyStatusError(route, authority, statusCode);
    }
    // undici types it as a Duplex; it is the net.Socket (or TLSSocket to an https proxy) it connected.
    if (!(socket instanceof Socket)) throw new Error('undici returned a tunnel that is not a socket');
    return socket;
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && !code.startsWith('PROXY_')) throw proxyUnreachable(route, code);
    throw e;
  } finally {
    // The tunnel's socket now belongs to the caller; the client only made the request.
    void client.close().catch(() => undefined);
  }
}
