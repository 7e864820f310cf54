import { execFile } from 'node:child_process';
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ConfigError } from '../errors.js';

const run = promisify(execFile);

/** The file names of a gateway certificate made here (the SMTP and the IMAP/POP3 listeners share them). */
export const SELF_SIGNED_CERT = 'gateway-cert.pem';
export const SELF_SIGNED_KEY = 'gateway-key.pem';

/**
 * Makes a self-signed certificate for the gateway in `dir` (key 0600) and returns the two paths.
 * `names[0]` is the subject's CN; every name is a subjectAltName (addresses as IP entries).
 * The openssl CLI (on every Debian system) rather than an npm X.509 package: Node can verify
 * certificates but not issue them. EC P-256: made in milliseconds.
 */
export async function makeSelfSigned(
  dir: string,
  names: readonly string[],
): Promise<{ certFile: string; keyFile: string }> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const certFile = join(dir, SELF_SIGNED_CERT);
  const keyFile = join(dir, SELF_SIGNED_KEY);
  const san = names.map((h) => (/^[\d.]+$|:/.test(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
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
        `/O=mailbridge gateway/CN=${names[0] ?? 'localhost'}`,
        '-addext',
        `subjectAltName=${san}`,
      ],
      { timeout: 30_000 },
    );
  } catch (e) {
    throw new ConfigError({
      code: 'GATEWAY_TLS_UNAVAILABLE',
      field: 'tls',
      message: `cannot make a self-signed certificate with openssl: ${(e as Error).message.split('\n')[0]}`,
      hint: 'install openssl (apt-get install openssl), or give the TLS certFile and keyFile',
      cause: e,
    });
  }
  await chmod(keyFile, 0o600);
  return { certFile, keyFile };
}
