import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { ConfigError } from '../errors.js';

/**
 * The CAs a connection through a proxy trusts. A TLS-intercepting proxy (common in Japanese
 * enterprises) presents certificates of its own CA for every site; that CA is trusted only
 * when the user names it: `--proxy-ca-file` or MAILBRIDGE_PROXY_CA_FILE (PEM). The same CA
 * verifies an https:// proxy itself. Explicit `ca` lists replace Node's default store, which
 * would drop NODE_EXTRA_CA_CERTS, so those are added back here.
 */

const pemCache = new Map<string, string>();

function readPem(path: string, field: string, what: string): string {
  const cached = pemCache.get(path);
  if (cached) return cached;
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ConfigError({
      code: 'PROXY_CA_FILE_UNREADABLE',
      field,
      cause,
      message: `cannot read ${what} ${path}`,
      hint: "point --proxy-ca-file (MAILBRIDGE_PROXY_CA_FILE) at a readable PEM file holding the proxy's CA certificate",
    });
  }
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ConfigError({
      code: 'PROXY_CA_FILE_UNREADABLE',
      field,
      message: `${path} holds no PEM certificate`,
      hint: 'the proxy CA file must be a PEM file starting with -----BEGIN CERTIFICATE-----',
    });
  }
  pemCache.set(path, pem);
  return pem;
}

/** The proxy's CA (PEM) named by MAILBRIDGE_PROXY_CA_FILE, if any. */
export function proxyCa(env: Record<string, string | undefined> = process.env): string | undefined {
  const path = env.MAILBRIDGE_PROXY_CA_FILE?.trim();
  return path ? readPem(path, 'MAILBRIDGE_PROXY_CA_FILE', 'the proxy CA file') : undefined;
}

/** NODE_EXTRA_CA_CERTS, which Node adds to its default store only. */
function extraCas(): string[] {
  const path = process.env.NODE_EXTRA_CA_CERTS?.trim();
  if (!path) return [];
  try {
    return [readPem(path, 'NODE_EXTRA_CA_CERTS', 'NODE_EXTRA_CA_CERTS')];
  } catch {
    // Node itself only warns about an unreadable NODE_EXTRA_CA_CERTS; so do we (by ignoring it).
    return [];
  }
}

/** A `ca` list: the public roots, NODE_EXTRA_CA_CERTS and the given PEMs. */
export function caList(...pems: (string | undefined)[]): string[] {
  return [...rootCertificates, ...extraCas(), ...pems.filter((p): p is string => !!p)];
}
