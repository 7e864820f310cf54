import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { proxyErrorFrom } from './errors.js';
import { proxyFor, type ProxySetting } from './proxy.js';
import { openTunnel } from './tunnel.js';

/**
 * node:http(s) agents for the Graph and EWS clients that go through the proxy proxyFor picks
 * for each host: the agent opens a CONNECT tunnel (openTunnel, undici) and starts TLS to the
 * server inside it with the client's own TLS options, so the server's certificate is verified
 * end to end. Hosts that need no proxy get an ordinary connection from the same agent.
 * (https-proxy-agent would do the tunnel too, but it hands a refused CONNECT back as if the
 * server had answered 407/403; here it is a typed error naming the proxy.)
 */

type Callback = (err: Error | null, socket?: Duplex) => void;
type ConnOptions = Omit<ConnectionOptions, 'host' | 'port'> & {
  host?: string | null;
  port?: number | string | null;
};

function tunnelled(setting: ProxySetting, secure: boolean, options: ConnOptions, cb: Callback): boolean {
  const host = options.host ?? 'localhost';
  const port = Number(options.port) || (secure ? 443 : 80);
  const route = proxyFor({ kind: secure ? 'https' : 'http', host, port }, setting);
  if (!route) return false;
  const target = `${host}:${port}`;
  openTunnel(route, host, port).then(
    (socket) => {
      if (!secure) {
        cb(null, socket);
        return;
      }
      // `host` stays: it is the name the certificate is checked against when SNI is off (an IP address).
      const { host: _host, port: _port, ...tlsOptions } = options;
      const t = tlsConnect({ ...tlsOptions, host, socket });
      const onError = (e: Error): void => {
        cb(proxyErrorFrom(route, target, e) ?? e);
      };
      t.once('error', onError);
      t.once('secureConnect', () => {
        t.removeListener('error', onError);
        cb(null, t);
      });
    },
    (e: unknown) => cb(e instanceof Error ? e : new Error(String(e))),
  );
  return true;
}

/** An https.Agent (keep-alive, the given TLS options) that tunnels through the proxy when one applies. */
export function httpsAgentFor(setting: ProxySetting, options: https.AgentOptions): https.Agent {
  const agent = new https.Agent(options);
  const direct = agent.createConnection.bind(agent);
  agent.createConnection = (opts: ConnOptions, cb: Callback) =>
    tunnelled(setting, true, opts, cb) ? undefined : direct(opts, cb);
  return agent;
}

/** The same for plain http (a loopback sandbox reached through an explicitly configured proxy). */
export function httpAgentFor(setting: ProxySetting, options: http.AgentOptions): http.Agent {
  const agent = new http.Agent(options);
  const direct = agent.createConnection.bind(agent);
  agent.createConnection = (opts: ConnOptions, cb: Callback) =>
    tunnelled(setting, false, opts, cb) ? undefined : direct(opts, cb);
  return agent;
}
