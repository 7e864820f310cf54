import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The sandbox CA and the server certificate it signed (localhost, 127.0.0.1, ::1). */
export interface TlsMaterial {
  caPem: string;
  certPem: string;
  keyPem: string;
}

const FILES = { caCert: 'ca.pem', caKey: 'ca-key.pem', cert: 'server.pem', key: 'server-key.pem' } as const;

/** Generated once per process when no data dir is given: every in-memory emulator shares it. */
let inMemory: Promise<TlsMaterial> | undefined;

/**
 * The CA and server certificate: read from `dataDir` when they are there (so an exported CA
 * stays valid across restarts), else made with the `openssl` CLI (present on Debian; avoids an
 * npm X.509 dependency). EC P-256 keys because they are generated in milliseconds.
 */
export async function loadOrCreateTlsMaterial(dataDir?: string): Promise<TlsMaterial> {
  if (!dataDir) {
    inMemory ??= (async () => {
      const dir = await mkdtemp(join(tmpdir(), 'mb-identity-ca-'));
      try {
        return await createTlsMaterial(dir);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    })();
    return inMemory;
  }
  try {
    return await readTlsMaterial(dataDir);
  } catch {
    await mkdir(dataDir, { recursive: true, mode: 0o700 });
    return createTlsMaterial(dataDir);
  }
}

async function readTlsMaterial(dir: string): Promise<TlsMaterial> {
  const [caPem, certPem, keyPem] = await Promise.all(
    [FILES.caCert, FILES.cert, FILES.key].map((f) => readFile(join(dir, f), 'utf8')),
  );
  return { caPem: caPem!, certPem: certPem!, keyPem: keyPem! };
}

async function createTlsMaterial(dir: string): Promise<TlsMaterial> {
  const p = (f: string) => join(dir, f);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', [
    'req', '-x509', ...ec, '-keyout', p(FILES.caKey), '-out', p(FILES.caCert), '-days', '3650',
    '-subj', '/O=mailbridge sandbox/CN=mailbridge sandbox CA',
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await run('openssl', ['req', ...ec, '-keyout', p(FILES.key), '-out', p('server.csr'), '-subj', '/CN=localhost']);
  await writeFile(
    p('server.ext'),
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n' +
      'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n',
  );
  await run('openssl', [
    'x509', '-req', '-in', p('server.csr'), '-CA', p(FILES.caCert), '-CAkey', p(FILES.caKey), '-CAcreateserial',
    '-out', p(FILES.cert), '-days', '825', '-extfile', p('server.ext'),
  ]);
  await Promise.all([chmod(p(FILES.caKey), 0o600), chmod(p(FILES.key), 0o600)]);
  await Promise.all(['server.csr', 'server.ext', 'ca.srl'].map((f) => rm(p(f), { force: true })));
  return readTlsMaterial(dir);
}
