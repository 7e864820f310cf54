import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { createSecureContext, type ConnectionOptions, type SecureContext } from 'node:tls';
import { isLoopbackHost } from '../config/loopback.js';
import type { Resource } from '../config/resource.js';
import { ConfigError } from '../errors.js';
import { proxyFor } from '../net/proxy.js';
import { proxyCa } from '../net/trust.js';

/**
 * TLS settings for a mail connection, verified by default. A resource may add one CA (a
 * private or test server) or, for a loopback test server only, skip verification; both are
 * refused for any other host so a config copied from a test cannot weaken production.
 */

const contexts = new Map<string, SecureContext>();

/**
 * One TLS context per extra CA, shared by every connection that trusts it. Passing `ca` to each
 * connection instead makes Node parse the ~140 public roots again for every socket (about
 * 0.7 MB each: 1,000 watched mailboxes cost 870 MiB that way). The context starts from Node's
 * default store (the public roots, NODE_EXTRA_CA_CERTS, `--use-openssl-ca`), which Node parses
 * once per process and copies natively, and the extra CA is added to this context's copy only:
 * a `ca` list of the roots' PEM texts cost ~40 ms of CPU per process on an idle machine (~20 %
 * of listing 3,000 messages), 5 ms this way.
 */
function secureContextFor(...pems: string[]): SecureContext {
  const key = pems.join('\n');
  let ctx = contexts.get(key);
  if (!ctx) {
    ctx = createSecureContext();
    // `context` is the native context; addCACert is what Node's own `ca` option calls for each
    // certificate. The first call gives this context a copy of the root store to add to.
    const native = ctx.context as { addCACert(pem: string): void };
    for (const pem of pems) native.addCACert(pem);
    contexts.set(key, ctx);
  }
  return ctx;
}

const caFiles = new Map<string, { pem: Promise<string>; until: number }>();
/** Read again after this long: a replaced CA file is picked up, 10,000 connections do not read it 10,000 times. */
const CA_FILE_KEEP_MS = 30_000;

function readCaFile(path: string): Promise<string> {
  const hit = caFiles.get(path);
  if (hit && hit.until > Date.now()) return hit.pem;
  const pem = readFile(path, 'utf8');
  caFiles.set(path, { pem, until: Date.now() + CA_FILE_KEEP_MS });
  pem.catch(() => caFiles.delete(path));
  return pem;
}

/** node:tls options for connecting to `resource.server` (implicit TLS or after STARTTLS). */
export async function tlsOptionsFor(resource: Resource): Promise<ConnectionOptions> {
  const { host } = resource.server;
  const options: ConnectionOptions = { minVersion: 'TLSv1.2', rejectUnauthorized: true };
  // SNI takes a host name only; Node warns (DEP0123) when given an IP address.
  if (isIP(host) === 0) options.servername = host;

  if (resource.tls.insecureLoopback) {
    if (!isLoopbackHost(host)) {
      throw new ConfigError({
        code: 'TLS_INSECURE_NOT_LOOPBACK',
        message: `tls.insecureLoopback is set but ${host} is not a loopback host`,
        hint: 'trust the server with tls.caFile (its CA certificate in PEM) instead; insecureLoopback only applies to 127.0.0.1/localhost test servers',
        field: 'tls.insecureLoopback',
      });
    }
    options.rejectUnauthorized = false;
  }

  // Through a TLS-inspecting proxy the server's certificate is the proxy's: trust the proxy's
  // CA (--proxy-ca-file) for this connection, on top of the resource's own CA if any.
  const pCa = proxyFor({ kind: 'https', host, port: resource.server.port }, resource.proxy) ? proxyCa() : undefined;
  if (pCa && !resource.tls.caFile) options.secureContext = secureContextFor(pCa);

  if (resource.tls.caFile) {
    let pem: string;
    try {
      pem = await readCaFile(resource.tls.caFile);
    } catch (cause) {
      throw new ConfigError({
        code: 'TLS_CA_FILE_UNREADABLE',
        message: `cannot read the CA file ${resource.tls.caFile}`,
        hint: 'point tls.caFile at a readable PEM file holding the CA certificate that signed the server certificate',
        field: 'tls.caFile',
        cause,
      });
    }
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
      throw new ConfigError({
        code: 'TLS_CA_FILE_INVALID',
        message: `${resource.tls.caFile} holds no PEM certificate`,
        hint: 'tls.caFile must be a PEM file starting with -----BEGIN CERTIFICATE-----',
        field: 'tls.caFile',
      });
    }
    options.secureContext = pCa ? secureContextFor(pem, pCa) : secureContextFor(pem);
  }
  return options;
}

/**
 * Refuses to put credentials (an access token or a password) on a connection without TLS,
 * unless the resource allows it explicitly for a loopback test server.
 */
export function assertCredentialsMayTravel(resource: Resource): void {
  if (resource.server.secure !== 'none' || resource.authType === 'none') return;
  const { host } = resource.server;
  if (resource.tls.allowPlaintextLoopback && isLoopbackHost(host)) return;
  const what = resource.authType === 'oauth2' ? 'an XOAUTH2 access token' : 'a password';
  throw new ConfigError({
    code: 'PLAINTEXT_AUTH_REFUSED',
    message: `${resource.name} would send ${what} to ${host}:${resource.server.port} without TLS`,
    hint: resource.tls.allowPlaintextLoopback
      ? 'tls.allowPlaintextLoopback only applies to 127.0.0.1/localhost; set server.secure to tls or starttls'
      : 'set server.secure to tls (implicit TLS, e.g. 993/995/465) or starttls (143/110/587)',
    field: 'server.secure',
  });
}
