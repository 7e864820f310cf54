import { isMailbridgeError, ProtocolError } from '../errors.js';
import type { ProxyRoute } from './proxy.js';

/**
 * A failure on the way through a proxy, as one typed error naming the proxy (never its
 * password) and the fix: the proxy cannot be reached, wants (other) credentials, refuses the
 * CONNECT, or shows a certificate of its own CA (TLS interception) that nobody told us to trust.
 */

/** Node's codes for a certificate chain that ends in a CA we do not trust. */
const UNTRUSTED_CHAIN = new Set([
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
]);

interface Flat {
  code?: string;
  message: string;
  port?: number;
}

/** The error and its causes (undici's `cause`, imapflow's `_err`), outermost first. */
function chain(e: unknown): Flat[] {
  const out: Flat[] = [];
  let cur: unknown = e;
  for (let i = 0; i < 6 && cur && typeof cur === 'object'; i++) {
    const o = cur as { code?: unknown; message?: unknown; port?: unknown; cause?: unknown; _err?: unknown };
    out.push({
      ...(typeof o.code === 'string' ? { code: o.code } : {}),
      message: typeof o.message === 'string' ? o.message : '',
      ...(typeof o.port === 'number' ? { port: o.port } : {}),
    });
    cur = o.cause ?? o._err;
  }
  return out;
}

/** The proxy's answer to CONNECT when an error carries it (undici, imapflow and nodemailer word it differently). */
function connectStatus(links: Flat[]): number | undefined {
  for (const l of links) {
    const m = /proxy[^\d]*\(?(\d{3})\)?/i.exec(l.message) ?? /HTTP\/\d\.\d (\d{3})/.exec(l.message);
    if (m && /proxy/i.test(l.message)) return Number(m[1]);
  }
  return undefined;
}

/** What a CONNECT status means, as the typed error. */
export function proxyStatusError(route: ProxyRoute, target: string, status: number): ProtocolError {
  const details = { proxy: route.display, proxySource: route.source, target, status };
  // 407 is the standard answer (RFC 9110 §15.5.8); some proxies (tinyproxy) answer 401 to wrong credentials.
  if (status === 407 || status === 401) {
    return new ProtocolError({
      code: 'PROXY_AUTH_FAILED',
      message: route.authorization
        ? `the proxy ${route.display} (${route.source}) refused the credentials (${status}) for ${target}`
        : `the proxy ${route.display} (${route.source}) asks for credentials (${status}) for ${target}`,
      hint: 'give the proxy user and password: http://user:password@host:port in the proxy URL, or MAILBRIDGE_PROXY_USER and MAILBRIDGE_PROXY_PASSWORD',
      details,
    });
  }
  return new ProtocolError({
    code: 'PROXY_CONNECT_REFUSED',
    message: `the proxy ${route.display} (${route.source}) refused to connect to ${target} (${status})`,
    hint: `ask the proxy's administrators to allow CONNECT to ${target}, or go around the proxy with NO_PROXY or the resource's proxy: "none"`,
    details,
  });
}

/** The typed error for `e` when it is the proxy's doing; undefined when it is not (the caller maps it as before). */
export function proxyErrorFrom(route: ProxyRoute | undefined, target: string, e: unknown): ProtocolError | undefined {
  if (!route) return undefined;
  if (isMailbridgeError(e)) return undefined;
  const links = chain(e);
  const status = connectStatus(links);
  if (status !== undefined) return proxyStatusError(route, target, status);
  const tls = links.find((l) => l.code && UNTRUSTED_CHAIN.has(l.code));
  if (tls) {
    return new ProtocolError({
      code: 'PROXY_TLS_INTERCEPTED',
      message: `the certificate of ${target}, seen through the proxy ${route.display} (${route.source}), is not trusted (${tls.code}): the proxy likely inspects TLS with its own CA`,
      hint: "give the proxy's CA certificate (PEM) with --proxy-ca-file or MAILBRIDGE_PROXY_CA_FILE; ask your network team for it",
      details: { proxy: route.display, proxySource: route.source, target, tlsCode: tls.code },
    });
  }
  const proxyPort = Number(new URL(route.origin).port) || (route.origin.startsWith('https:') ? 443 : 80);
  const down = links.find((l) => l.code && UNREACHABLE.has(l.code) && (l.port === undefined || l.port === proxyPort));
  if (down && !links.some((l) => /tunnel|established/i.test(l.message) && l.code === 'ECONNRESET')) {
    return proxyUnreachable(route, down.code ?? 'error');
  }
  return undefined;
}

/** The proxy itself cannot be reached. */
export function proxyUnreachable(route: ProxyRoute, code: string): ProtocolError {
  return new ProtocolError({
    code: 'PROXY_UNREACHABLE',
    message: `cannot reach the proxy ${route.display} (${route.source}): ${code}`,
    hint:
      route.source === 'resource'
        ? 'check the resource\'s proxy URL (host and port), or set proxy: "none" to connect directly'
        : `check ${route.source} (host and port of your proxy), or list the host in NO_PROXY to connect directly`,
    details: { proxy: route.display, proxySource: route.source, errno: code },
  });
}
