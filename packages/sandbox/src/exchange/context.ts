import type { JWTVerifyGetKey } from 'jose';
import { loadOrCreateTlsMaterial } from '../identity/certs.js';
import type { IdentityEmulator } from '../identity/index.js';
import { SANDBOX } from '../identity/seed.js';
import { createExchangeAdmin, type ExchangeAdmin } from './admin.js';
import type { DirectoryUser, ExchangeContext } from './contract.js';
import { derivedGuid } from '../identity/state.js';
import { FaultRegistry } from './faults.js';
import { Subscriptions } from './graph/subscriptions.js';
import { applyExchangeSeed, defaultExchangeSeed, parseExchangeSeed, type ExchangeSeed, type ExchangeSeedInput } from './seed.js';
import { defaultTenantSettings } from './settings.js';
import { createMailStore, type SandboxMailStore } from './store/index.js';
import { createTokenCheck, jwksUrlFor } from './tokens.js';

export interface ExchangeContextOptions {
  /** The identity emulator whose tokens are accepted (its JWKS, tenant and users). */
  identity?: IdentityEmulator;
  /** Without `identity`: where the signing keys are (URL or jose key getter) and the tenant. */
  jwks?: string | URL | JWTVerifyGetKey;
  tenantId?: string;
  /** Tenant domain (default: the identity seed's, or contoso.onmicrosoft.com). */
  domain?: string;
  /** Mailboxes besides the identity seed's users. */
  users?: { address: string; displayName?: string }[];
  /** Exchange seed (default: defaultExchangeSeed()). */
  seed?: ExchangeSeed | ExchangeSeedInput;
  /** Directory relative `file:` seed messages are read from. */
  seedBaseDir?: string;
  /** Store on disk here (default: in memory). */
  dataDir?: string;
  /** TLS material directory (default: the process-wide in-memory sandbox CA, shared with the identity emulator). */
  tlsDir?: string;
  now?: () => number;
}

/** The context endpoints get, plus the sandbox's own handles. */
export interface SandboxExchangeContext extends ExchangeContext {
  store: SandboxMailStore;
  faults: FaultRegistry;
  admin: ExchangeAdmin;
  graphSubscriptions: Subscriptions;
}

/** Build the sandbox core (store, token check, settings, faults) without starting any server. */
export async function createExchangeContext(opts: ExchangeContextOptions = {}): Promise<SandboxExchangeContext> {
  const now = opts.now ?? Date.now;
  const tenantId = opts.identity?.seed.tenant.id ?? opts.tenantId ?? SANDBOX.tenantId;
  const domain = opts.domain ?? opts.identity?.seed.tenant.domain ?? SANDBOX.tenantDomain;
  const jwks = opts.jwks ?? (opts.identity ? jwksUrlFor(opts.identity.url, tenantId) : undefined);
  if (!jwks) throw new Error('createExchangeContext needs `identity` or `jwks` to validate access tokens');
  const tls = await loadOrCreateTlsMaterial(opts.tlsDir);
  const settings = defaultTenantSettings();
  const users = [
    ...(opts.identity?.seed.users ?? []).map((u) => ({ address: u.username, displayName: u.displayName ?? u.username })),
    ...(opts.users ?? []),
  ];
  const directory = new Map<string, DirectoryUser>();
  for (const u of opts.identity?.seed.users ?? []) {
    const upn = u.username.toLowerCase();
    // The identity emulator derives the same object id for users seeded without one.
    directory.set(upn, {
      objectId: u.objectId ?? derivedGuid(upn), userPrincipalName: u.username, displayName: u.displayName ?? upn.split('@')[0]!,
      ...(u.givenName ? { givenName: u.givenName } : {}), ...(u.surname ? { surname: u.surname } : {}),
    });
  }
  for (const u of opts.users ?? []) {
    const upn = u.address.toLowerCase();
    if (!directory.has(upn)) directory.set(upn, { objectId: derivedGuid(upn), userPrincipalName: upn, displayName: u.displayName ?? upn });
  }
  const store = createMailStore({ now, mailboxes: users, ...(opts.dataDir ? { dataDir: opts.dataDir } : {}) });
  const seed = opts.seed ? parseExchangeSeed(opts.seed) : defaultExchangeSeed();
  await applyExchangeSeed(seed, store, settings, opts.seedBaseDir);
  const faults = new FaultRegistry();
  const graphSubscriptions = new Subscriptions(now);
  return {
    directory,
    store,
    tokens: createTokenCheck({ jwks, tenantId, settings, now }),
    settings,
    takeFault: (protocol, mailbox) => faults.take(protocol, mailbox),
    now,
    tls: { key: tls.keyPem, cert: tls.certPem, ca: tls.caPem },
    domain,
    faults,
    graphSubscriptions,
    admin: createExchangeAdmin(store, settings, faults, graphSubscriptions),
  };
}
