import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../../errors.js';
import { SELF_SIGNED_CERT, SELF_SIGNED_KEY, makeSelfSigned } from '../self-signed.js';

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
  const certFile = join(o.dir, SELF_SIGNED_CERT);
  const keyFile = join(o.dir, SELF_SIGNED_KEY);
  try {
    return await read(certFile, keyFile, true);
  } catch {
    const cn = o.hostname.replace(/[^A-Za-z0-9.-]/g, '') || 'mailbridge-gateway';
    await makeSelfSigned(o.dir, [cn, 'localhost', '127.0.0.1', '::1']);
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
