import { randomBytes } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, TLSSocket } from 'node:tls';
import type { AccessTokenProvider } from '../../auth/token-provider.js';
import type { Resource } from '../../config/resource.js';
import { isLoopbackHost } from '../../config/loopback.js';
import { ConfigError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { GatewayDirectory } from '../directory.js';
import { loadGatewayTls, type GatewayTlsIdentity, type GatewayTlsSource } from './server-tls.js';

/**
 * One gateway listener (IMAP or POP3): the socket server, TLS (implicit or offered as
 * STARTTLS/STLS), the rule that a password never crosses the network in clear, and the set
 * of open sessions so `close()` ends them all.
 */

/** How a listener protects the login: implicit TLS (993/995), STARTTLS/STLS (143/110), or none. */
export type GatewaySecurity = 'tls' | 'starttls' | 'plain';

/** What the gateway needs to log in upstream as a resource; `TokenManager` is one. */
export interface GatewayUpstreams {
  // The resource by name (throws RESOURCE_NOT_FOUND when there is none).
  resource(name: string): Promise<Resource>;
  // Its access tokens (asked again with forceRefresh once after the server refuses one).
  provider(name: string): AccessTokenProvider;
}

/** Options shared by `startImapGateway` and `startPop3Gateway`. */
export interface GatewayListenerOptions {
  /** Address to bind; default 127.0.0.1. */
  host?: string;
  /** Port; 0 (the default) lets the system choose (read it from the result). */
  port?: number;
  /** `tls`: implicit TLS; `starttls`: plain greeting, STARTTLS/STLS offered and required before login; `plain`: no TLS. */
  security: GatewaySecurity;
  /** Certificate files or a self-signed certificate; required unless security is `plain`. */
  tls?: GatewayTlsSource;
  /**
   * When a password may be taken without TLS: `loopback` (the default) from loopback clients
   * only, `never`, or `always` (a trusted network; needed for a `plain` listener on a
   * non-loopback address, which is otherwise refused at start).
   */
  plaintextLogin?: 'loopback' | 'never' | 'always';
  /** Checks the local users' credentials. */
  directory: GatewayDirectory;
  /** Resolves a gateway user's resource and its tokens. */
  upstreams: GatewayUpstreams;
  logger?: Logger;
  /** Open sessions at most (further connections are refused by the OS backlog); default 1,000. */
  maxSessions?: number;
  /** How long a client may stay silent before it has logged in; default 60 s. */
  preAuthTimeoutMs?: number;
  /** Failed logins on one connection before it is closed; default 3. */
  maxLoginFailures?: number;
}

/** A running gateway listener. */
export interface GatewayListener {
  port: number;
  host: string;
  /** SHA-256 fingerprint of the certificate presented (absent for `plain`). */
  fingerprint256?: string;
  /** The certificate presented, PEM (to give to clients that must trust a self-signed one). */
  certPem?: string;
  /** Sessions open right now. */
  readonly sessions: number;
  /** Stops listening and ends every session. */
  close(): Promise<void>;
}

/** A client connection as the protocol front sees it. */
export interface GatewayConnection {
  id: string;
  socket: Socket;
  remoteAddress: string;
  /** True once the connection is TLS (implicit, or after STARTTLS). */
  secure: boolean;
  /** STARTTLS/STLS can be offered (a `starttls` listener before the upgrade). */
  readonly canStartTls: boolean;
  /** May a password be accepted now (TLS, loopback client, or explicitly allowed)? */
  readonly loginAllowed: boolean;
  /** Upgrades to TLS in place; the returned socket replaces `socket`. */
  startTls(): Promise<Socket>;
}

export async function startGatewayListener(
  protocol: 'imap' | 'pop3',
  opts: GatewayListenerOptions,
  handle: (conn: GatewayConnection) => Promise<void>,
): Promise<GatewayListener> {
  const host = opts.host ?? '127.0.0.1';
  if (opts.security === 'plain' && !isLoopbackHost(host) && opts.plaintextLogin !== 'always') {
    throw new ConfigError({
      code: 'GATEWAY_PLAINTEXT_REFUSED',
      message: `the ${protocol.toUpperCase()} gateway would take passwords in clear on ${host}`,
      hint: 'use security tls or starttls with a certificate (or a self-signed one); plain is for a loopback address, or set plaintextLogin to always if the network is trusted',
      field: 'security',
    });
  }
  if (opts.security !== 'plain' && !opts.tls) {
    throw new ConfigError({
      code: 'GATEWAY_TLS_MISSING',
      message: `the ${protocol.toUpperCase()} gateway's security is ${opts.security} but no certificate was given`,
      hint: 'give certFile and keyFile, or ask for a self-signed certificate',
      field: 'tls',
    });
  }
  const identity: GatewayTlsIdentity | undefined = opts.tls ? await loadGatewayTls(opts.tls) : undefined;
  const log = opts.logger?.child({ component: `gateway-${protocol}` });
  const open = new Set<Socket>();

  const accept = (socket: Socket, secure: boolean) => {
    // The login is a few small request/reply round trips: no Nagle delay on them.
    socket.setNoDelay(true);
    open.add(socket);
    socket.once('close', () => open.delete(socket));
    const remoteAddress = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    let current = socket;
    const conn: GatewayConnection = {
      id: randomBytes(6).toString('hex'),
      get socket() {
        return current;
      },
      remoteAddress,
      secure,
      get canStartTls() {
        return opts.security === 'starttls' && !conn.secure;
      },
      get loginAllowed() {
        const plaintext = opts.plaintextLogin ?? 'loopback';
        return conn.secure || plaintext === 'always' || (plaintext === 'loopback' && isLoopbackHost(remoteAddress));
      },
      async startTls() {
        if (!identity) throw new Error('no TLS certificate');
        // The TLS socket reports the raw one's failures; a listener here keeps a stray one from being uncaught.
        current.on('error', () => undefined);
        const secured = new TLSSocket(current, { isServer: true, secureContext: identity.secureContext });
        await new Promise<void>((resolve, reject) => {
          secured.once('secure', () => resolve());
          secured.once('error', reject);
          secured.once('close', () => reject(new Error('the client closed the connection during the TLS handshake')));
        });
        current = secured;
        conn.secure = true;
        return secured;
      },
    };
    handle(conn).catch((err: unknown) => {
      log?.warn({ session: conn.id, err: err instanceof Error ? err.message : String(err) }, 'session failed');
      current.destroy();
    });
  };

  let server: Server;
  if (opts.security === 'tls' && identity) {
    const tlsServer = createTlsServer({ cert: identity.certPem, key: identity.keyPem, minVersion: 'TLSv1.2' }, (s) =>
      accept(s, true),
    );
    tlsServer.on('tlsClientError', (err: Error, s: TLSSocket) => {
      log?.info({ remote: s.remoteAddress, err: err.message }, 'TLS handshake failed');
    });
    server = tlsServer;
  } else {
    server = createServer((s) => accept(s, false));
  }
  server.maxConnections = opts.maxSessions ?? 1000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log?.error({ err: err.message }, 'listener error'));
  const port = (server.address() as AddressInfo).port;
  log?.info(
    { host, port, security: opts.security, ...(identity ? { fingerprint256: identity.fingerprint256 } : {}) },
    'gateway listening',
  );
  return {
    port,
    host,
    ...(identity ? { fingerprint256: identity.fingerprint256, certPem: identity.certPem } : {}),
    get sessions() {
      return open.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of open) s.destroy();
      }),
  };
}
