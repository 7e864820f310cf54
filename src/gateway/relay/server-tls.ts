import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext, type SecureContext } from 'node:tls';
import { ConfigError } from '../../errors.js';
import { SELF_SIGNED_CERT, SELF_SIGNED_KEY, makeSelfSigned } from '../self-signed.js';

/**
 * The certificate a gateway listener presents: the operator's files, or a self-signed one
 * made on first start (and kept in `dir`, so its fingerprint stays the same across restarts
 * and a device that pinned it keeps working). The fingerprint is printed for that pinning.
 */

/** A certificate and key in PEM files (the key unencrypted). */
export interface GatewayTlsFiles {
  certFile: string;
  keyFile: string;
}

/** A self-signed certificate, made once; kept in `dir` when given (else made again on every start). */
export interface GatewaySelfSignedTls {
  selfSigned: true;
  dir?: string;
  /** Names and addresses the certificate covers; default localhost, 127.0.0.1, ::1. */
  hostnames?: string[];
}

/** A certificate and key already loaded (the SMTP gateway's, so every listener presents one certificate). */
export interface GatewayTlsPem {
  certPem: string;
  keyPem: string;
}

export type GatewayTlsSource = GatewayTlsFiles | GatewaySelfSignedTls | GatewayTlsPem;

export interface GatewayTlsIdentity {
  secureContext: SecureContext;
  /** SHA-256 fingerprint of the certificate, `AB:CD:…` (what a device pins). */
  fingerprint256: string;
  certPem: string;
  /** For tls.createServer, which builds its own context from these (it ignores a secureContext option). */
  keyPem: string;
}

/** Loads (or makes) the listener's certificate; a bad file is a ConfigError naming it. */
export async function loadGatewayTls(source: GatewayTlsSource): Promise<GatewayTlsIdentity> {
  const { certPem, keyPem } =
    'certPem' in source ? source : 'selfSigned' in source ? await selfSigned(source) : await fromFiles(source);
  let fingerprint256: string;
  let secureContext: SecureContext;
  try {
    fingerprint256 = new X509Certificate(certPem).fingerprint256;
    // TLS 1.2 is what Exchange itself requires of clients; older devices must be upgraded, not met halfway.
    secureContext = createSecureContext({ cert: certPem, key: keyPem, minVersion: 'TLSv1.2' });
  } catch (cause) {
    throw new ConfigError({
      code: 'GATEWAY_TLS_INVALID',
      message: `the gateway's TLS certificate or key cannot be used: ${cause instanceof Error ? cause.message : String(cause)}`,
      hint: 'give a PEM certificate and its unencrypted PEM private key that belong together, or use a self-signed certificate',
      cause,
    });
  }
  return { secureContext, fingerprint256, certPem, keyPem };
}

async function fromFiles(files: GatewayTlsFiles): Promise<{ certPem: string; keyPem: string }> {
  const read = async (path: string, field: string) => {
    try {
      return await readFile(path, 'utf8');
    } catch (cause) {
      throw new ConfigError({
        code: 'GATEWAY_TLS_FILE_UNREADABLE',
        message: `cannot read the gateway's TLS ${field} ${path}`,
        hint: `check the path and that this user may read it (the key should be 0600)`,
        field,
        cause,
      });
    }
  };
  return { certPem: await read(files.certFile, 'certFile'), keyPem: await read(files.keyFile, 'keyFile') };
}

async function selfSigned(opts: GatewaySelfSignedTls): Promise<{ certPem: string; keyPem: string }> {
  const names = opts.hostnames ?? ['localhost', '127.0.0.1', '::1'];
  const readPair = async (dir: string) => ({
    certPem: await readFile(join(dir, SELF_SIGNED_CERT), 'utf8'),
    keyPem: await readFile(join(dir, SELF_SIGNED_KEY), 'utf8'),
  });
  if (opts.dir) {
    const dir = opts.dir;
    return readPair(dir).catch(async () => {
      await makeSelfSigned(dir, names);
      return readPair(dir);
    });
  }
  const dir = await mkdtemp(join(tmpdir(), 'mb-gateway-tls-'));
  try {
    await makeSelfSigned(dir, names);
    return await readPair(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
