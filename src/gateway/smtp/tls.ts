import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ConfigError } from '../../errors.js';

const run = promisify(execFile);

/**
 * The gateway's TLS certificate: from the configured files, or a self-signed one made once with
 * the `openssl` CLI (on every Debian system; avoids an npm X.509 dependency) and kept in the
 * home, so a device that pinned its fingerprint keeps trusting it across restarts.
 */
export interface GatewayTls {
  cert: string;
  key: string;
  /** SHA-256 fingerprint (AA:BB:…), to compare with what a device shows. */
  fingerprint: string;
  generated: boolean;
  subject: string;
  validTo: string;
}

export async function loadGatewayTls(o: {
  certFile?: string;
  keyFile?: string;
  dir: string;
  hostname: string;
}): Promise<GatewayTls> {
  if (o.certFile && o.keyFile) return read(o.certFile, o.keyFile, false);
  const certFile = join(o.dir, 'gateway-cert.pem');
  const keyFile = join(o.dir, 'gateway-key.pem');
  try {
    return await read(certFile, keyFile, true);
  } catch {
    await mkdir(o.dir, { recursive: true, mode: 0o700 });
    const cn = o.hostname.replace(/[^A-Za-z0-9.-]/g, '') || 'mailbridge-gateway';
    try {
      await run(
        'openssl',
        [
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
          `/O=mailbridge gateway/CN=${cn}`,
          '-addext',
          `subjectAltName=DNS:${cn},DNS:localhost,IP:127.0.0.1,IP:::1`,
        ],
        { timeout: 30_000 },
      );
    } catch (e) {
      throw new ConfigError({
        code: 'GATEWAY_TLS_UNAVAILABLE',
        field: 'smtp.tls',
        message: `cannot make a self-signed certificate with openssl: ${(e as Error).message.split('\n')[0]}`,
        hint: 'install openssl (apt-get install openssl) or give smtp.tls.certFile and smtp.tls.keyFile',
        cause: e,
      });
    }
    const { chmod } = await import('node:fs/promises');
    await chmod(keyFile, 0o600);
    return read(certFile, keyFile, true);
  }
}

async function read(certFile: string, keyFile: string, generated: boolean): Promise<GatewayTls> {
  let cert: string;
  let key: string;
  try {
    [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
  } catch (e) {
    if (generated) throw e;
    throw new ConfigError({
      code: 'GATEWAY_TLS_UNAVAILABLE',
      field: 'smtp.tls',
      message: `cannot read the gateway's certificate or key (${certFile}, ${keyFile}): ${(e as Error).message}`,
      hint: 'check the paths and that this user may read them, or leave smtp.tls out for a generated self-signed certificate',
      cause: e,
    });
  }
  let x: X509Certificate;
  try {
    x = new X509Certificate(cert);
  } catch (e) {
    throw new ConfigError({
      code: 'GATEWAY_TLS_UNAVAILABLE',
      field: 'smtp.tls.certFile',
      message: `${certFile} holds no PEM certificate`,
      hint: 'give the certificate (chain) in PEM form',
      cause: e,
    });
  }
  return {
    cert,
    key,
    fingerprint: x.fingerprint256,
    generated,
    subject: x.subject.replace(/\n/g, ', '),
    validTo: x.validTo,
  };
}
