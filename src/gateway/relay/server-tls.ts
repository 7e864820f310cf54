import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSecureContext, type SecureContext } from 'node:tls';
import { promisify } from 'node:util';
import { ConfigError } from '../../errors.js';

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

export type GatewayTlsSource = GatewayTlsFiles | GatewaySelfSignedTls;

export interface GatewayTlsIdentity {
  secureContext: SecureContext;
  /** SHA-256 fingerprint of the certificate, `AB:CD:…` (what a device pins). */
  fingerprint256: string;
  certPem: string;
  /** For tls.createServer, which builds its own context from these (it ignores a secureContext option). */
  keyPem: string;
}

const run = promisify(execFile);

/** Loads (or makes) the listener's certificate; a bad file is a ConfigError naming it. */
export async function loadGatewayTls(source: GatewayTlsSource): Promise<GatewayTlsIdentity> {
  const { certPem, keyPem } = 'selfSigned' in source ? await selfSigned(source) : await fromFiles(source);
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

const CERT = 'gateway-cert.pem';
const KEY = 'gateway-key.pem';

async function selfSigned(opts: GatewaySelfSignedTls): Promise<{ certPem: string; keyPem: string }> {
  if (opts.dir) {
    try {
      return {
        certPem: await readFile(join(opts.dir, CERT), 'utf8'),
        keyPem: await readFile(join(opts.dir, KEY), 'utf8'),
      };
    } catch {
      await mkdir(opts.dir, { recursive: true, mode: 0o700 });
      return makeSelfSigned(opts.dir, opts.hostnames);
    }
  }
  const dir = await mkdtemp(join(tmpdir(), 'mb-gateway-tls-'));
  try {
    return await makeSelfSigned(dir, opts.hostnames);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The openssl CLI (present wherever Debian's `ca-certificates` is) rather than an npm X.509
 * package: Node can verify certificates but not issue them. EC P-256: made in milliseconds.
 */
async function makeSelfSigned(
  dir: string,
  hostnames = ['localhost', '127.0.0.1', '::1'],
): Promise<{ certPem: string; keyPem: string }> {
  const san = hostnames.map((h) => (/^[\d.]+$|:/.test(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
  const keyFile = join(dir, KEY);
  const certFile = join(dir, CERT);
  try {
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      '3650',
      '-subj',
      `/O=mailbridge gateway/CN=${hostnames[0] ?? 'localhost'}`,
      '-addext',
      `subjectAltName=${san}`,
    ]);
  } catch (cause) {
    throw new ConfigError({
      code: 'GATEWAY_TLS_INVALID',
      message: 'could not make a self-signed certificate for the gateway (the openssl command failed or is missing)',
      hint: 'install openssl (apt-get install openssl), or give certFile and keyFile',
      cause,
    });
  }
  await chmod(keyFile, 0o600);
  return { certPem: await readFile(certFile, 'utf8'), keyPem: await readFile(keyFile, 'utf8') };
}
