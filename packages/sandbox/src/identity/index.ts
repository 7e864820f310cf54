import type { AddressInfo } from 'node:net';
import { createAdmin, type IdentityAdmin, type IdentityStats } from './admin.js';
import { loadOrCreateTlsMaterial } from './certs.js';
import type { EmulatorContext } from './context.js';
import { FaultRegistry } from './faults.js';
import { parseSeed, defaultSeed, type IdentitySeed } from './seed.js';
import { buildApp } from './server.js';
import { persistIdentityState } from './persist.js';
import { IdentityState } from './state.js';
import { loadOrCreateSigningKey } from './tokens.js';

export { defaultSeed, loadSeedFile, parseSeed, SANDBOX } from './seed.js';
export type { IdentitySeed, IdentitySeedInput } from './seed.js';
export type { IdentityAdmin, IdentityStats, MintTokenInput, ConsentInput, ConsentRecord, PublicUser } from './admin.js';
export type { Fault, FaultSpecInput } from './faults.js';
export { faultKinds } from './faults.js';
export { completeConsent, completeDeviceLogin, type ConsentOptions, type ConsentUser } from './robot.js';

export interface IdentityEmulatorOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** HTTP port, default 0 (random). */
  port?: number;
  /** HTTPS port, default 0 (random); the certificate names localhost and 127.0.0.1. */
  httpsPort?: number;
  /** Default: defaultSeed(). */
  seed?: IdentitySeed;
  /** Where the CA, server certificate and signing key persist; default: in memory (per process). */
  dataDir?: string;
  /** Clock in ms, for expiry tests. */
  now?: () => number;
  /** Keep consents and refresh tokens in this JSON file across restarts (default: in memory only). */
  stateFile?: string;
}

export interface IdentityEmulator {
  /** http://HOST:PORT: the authority base (`${url}/${tenant}/oauth2/v2.0/token`). */
  url: string;
  /** https://localhost:PORT2 */
  httpsUrl: string;
  /** The CA that signed the HTTPS certificate. */
  caPem: string;
  /** `${url}/introspect` */
  introspectionUrl: string;
  seed: IdentitySeed;
  admin: IdentityAdmin;
  stats(): IdentityStats;
  close(): Promise<void>;
}

/** Start the identity emulator (a local login.microsoftonline.com) on HTTP and HTTPS. */
export async function startIdentityEmulator(opts: IdentityEmulatorOptions = {}): Promise<IdentityEmulator> {
  const host = opts.host ?? '127.0.0.1';
  // Re-validate so a hand-built seed object gets the same checks and defaults as a file.
  const seed = parseSeed(opts.seed ?? defaultSeed());
  const [tls, key] = await Promise.all([loadOrCreateTlsMaterial(opts.dataDir), loadOrCreateSigningKey(opts.dataDir)]);
  const ctx: EmulatorContext = {
    seed,
    state: new IdentityState(seed),
    faults: new FaultRegistry(),
    key,
    now: opts.now ?? Date.now,
  };
  const persisted = opts.stateFile ? await persistIdentityState(ctx.state, opts.stateFile) : undefined;
  const admin = createAdmin(ctx);
  const httpApp = await buildApp(ctx, admin);
  const httpsApp = await buildApp(ctx, admin, { key: tls.keyPem, cert: tls.certPem });
  try {
    await httpApp.listen({ host, port: opts.port ?? 0 });
    await httpsApp.listen({ host, port: opts.httpsPort ?? 0 });
  } catch (e) {
    await Promise.allSettled([httpApp.close(), httpsApp.close(), persisted?.close()]);
    throw e;
  }
  const port = (httpApp.server.address() as AddressInfo).port;
  const httpsPort = (httpsApp.server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${urlHost}:${port}`;
  return {
    url,
    // The certificate names localhost, so the HTTPS URL uses it whatever loopback address we bound.
    httpsUrl: `https://localhost:${httpsPort}`,
    caPem: tls.caPem,
    introspectionUrl: `${url}/introspect`,
    seed,
    admin,
    stats: () => admin.stats(),
    async close() {
      await Promise.all([httpApp.close(), httpsApp.close()]);
      await persisted?.close();
    },
  };
}

/** The sandbox CA (PEM) kept in `dataDir`, created there if missing: what `sandbox export-ca` writes. */
export async function sandboxCaPem(dataDir: string): Promise<string> {
  return (await loadOrCreateTlsMaterial(dataDir)).caPem;
}
