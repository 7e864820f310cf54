import { isLoopbackHost } from '../config/loopback.js';
import { ConfigError } from '../errors.js';
import { Secret } from '../secret.js';
import { matchesNoProxy } from './no-proxy.js';

/**
 * Which HTTP proxy a connection goes through, if any: the one place that reads HTTPS_PROXY,
 * HTTP_PROXY and NO_PROXY (lower case first, as curl does, then upper case) and a resource's
 * `proxy` override. Everything mailbridge sends (identity platform, EWS, Graph, webhooks, IMAP,
 * POP3, SMTP) asks here, so one rule decides for all of them:
 * - a resource's `proxy: "none"` → direct; `proxy: "http://…"` → that proxy, for every host;
 * - otherwise the environment: HTTP_PROXY for plain http URLs, HTTPS_PROXY for https URLs and
 *   for mail connections (IMAP/POP3/SMTP go through CONNECT, which enterprise proxies allow
 *   to 993/995/587 when they allow it at all);
 * - loopback hosts never go through an environment proxy (Go's rule: a proxy elsewhere cannot
 *   reach this machine's 127.0.0.1; the sandbox and the demo run there), and NO_PROXY is honoured.
 */

/** What a connection is: an http or https URL, or a mail protocol's TCP connection. */
export type ProxyTargetKind = 'http' | 'https' | 'mail';

/** The host a connection goes to. */
export interface ProxyTarget {
  kind: ProxyTargetKind;
  host: string;
  port: number;
}

/** The proxy a connection goes through. */
export interface ProxyRoute {
  /** The proxy's origin, no credentials (http://proxy.example:3128). */
  readonly origin: string;
  /** For messages and logs: the origin with the user name but never the password. */
  readonly display: string;
  /** Where the choice came from: `resource` or the environment variable's name. */
  readonly source: string;
  /** `Basic …` when the proxy URL (or MAILBRIDGE_PROXY_USER/PASSWORD) carries credentials. */
  readonly authorization?: Secret;
  /** The proxy URL with its credentials, for libraries that take a URL (imapflow, nodemailer). Never log it. */
  readonly url: Secret;
}

/** A resource's `proxy` setting: `none`, a proxy URL, or absent (the environment decides). */
export type ProxySetting = string | undefined;

type Env = Record<string, string | undefined>;

function envValue(env: Env, name: string): { name: string; value: string } | undefined {
  for (const n of [name.toLowerCase(), name.toUpperCase()]) {
    const v = env[n]?.trim();
    if (v) return { name: n, value: v };
  }
  return undefined;
}

/** The proxy for `target`, or undefined for a direct connection. */
export function proxyFor(target: ProxyTarget, setting?: ProxySetting, env: Env = process.env): ProxyRoute | undefined {
  if (setting === 'none') return undefined;
  if (setting) return parseProxyUrl(setting, 'resource', env);
  if (isLoopbackHost(target.host)) return undefined;
  const noProxy = envValue(env, 'no_proxy');
  if (noProxy && matchesNoProxy(target.host, target.port, noProxy.value)) return undefined;
  const chosen = envValue(env, target.kind === 'http' ? 'http_proxy' : 'https_proxy');
  return chosen ? parseProxyUrl(chosen.value, chosen.name, env) : undefined;
}

/** The target of a URL (http or https). */
export function targetOfUrl(url: URL): ProxyTarget {
  const https = url.protocol === 'https:';
  return { kind: https ? 'https' : 'http', host: url.hostname, port: Number(url.port) || (https ? 443 : 80) };
}

/** A proxy URL as written (`proxy:3128` means http://proxy:3128); only http and https proxies are spoken. */
export function parseProxyUrl(text: string, source: string, env: Env = process.env): ProxyRoute {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw invalid(source, `${source} is not a proxy URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw invalid(
      source,
      `${source} names a ${url.protocol.replace(/:$/, '')} proxy; mailbridge speaks to http and https proxies only`,
    );
  }
  if (!url.hostname) throw invalid(source, `${source} names no proxy host`);
  const user = url.username ? safeDecode(url.username) : (env.MAILBRIDGE_PROXY_USER ?? '');
  const password = url.password ? safeDecode(url.password) : (env.MAILBRIDGE_PROXY_PASSWORD ?? '');
  const origin = `${url.protocol}//${url.host}`;
  const withCreds = new URL(origin);
  if (user) {
    withCreds.username = encodeURIComponent(user);
    withCreds.password = encodeURIComponent(password);
  }
  return {
    origin,
    display: user ? `${url.protocol}//${encodeURIComponent(user)}@${url.host}` : origin,
    source,
    ...(user ? { authorization: new Secret(`Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`) } : {}),
    url: new Secret(withCreds.href.replace(/\/$/, '')),
  };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function invalid(source: string, message: string): ConfigError {
  return new ConfigError({
    code: 'PROXY_URL_INVALID',
    message,
    hint: 'write the proxy as http://host:port (credentials as http://user:password@host:port or in MAILBRIDGE_PROXY_USER and MAILBRIDGE_PROXY_PASSWORD)',
    ...(source === 'resource' ? { field: 'proxy' } : {}),
  });
}

/** The proxy of a resource's mail connection (IMAP, POP3, SMTP: a CONNECT tunnel to server.host:port). */
export function mailProxyFor(resource: {
  server: { host: string; port: number };
  proxy?: string | undefined;
}): ProxyRoute | undefined {
  return proxyFor({ kind: 'mail', host: resource.server.host, port: resource.server.port }, resource.proxy);
}
