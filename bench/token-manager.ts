import { randomBytes } from 'node:crypto';
import { TokenManager } from '../src/auth/token-manager.js';
import { authorize } from '../src/auth/consent.js';
import { applyPreset } from '../src/config/presets.js';
import { parseResource } from '../src/config/validate.js';
import { Secret } from '../src/secret.js';
import { createSealer } from '../src/store/seal.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { SANDBOX, completeConsent, startIdentityEmulator } from '@mailbridge/sandbox';
import { fmt, type Figure } from './lib.js';

const CONCURRENT = 10_000;
const STEADY_OPS = 100_000;

/**
 * The token manager on one resource: 10,000 concurrent callers with an expired access token
 * must cause exactly one token request; then the cost of a call when the token is cached.
 */
export async function benchTokenManager(log: (s: string) => void): Promise<Figure[]> {
  let clock = Date.now();
  const em = await startIdentityEmulator({ now: () => clock });
  const store = openSqliteStore({ path: ':memory:', sealer: createSealer(randomBytes(32)) });
  try {
    const manager = new TokenManager({ store, now: () => clock });
    await store.putResource(parseResource(applyPreset({
      name: 'bench', kind: 'imap', preset: 'm365', tenantId: SANDBOX.tenantId, clientId: SANDBOX.confidentialClientId,
      user: SANDBOX.alice, authorityUrl: em.url,
    })));
    await store.putSecret('bench', 'client_secret', new Secret(SANDBOX.clientSecret));
    let url = '';
    await authorize(manager, 'bench', {
      mode: 'paste',
      io: { print: () => undefined, onAuthorizeUrl: (u) => { url = u; }, readRedirectUrl: async () => (await completeConsent(url, { username: SANDBOX.alice, password: SANDBOX.password })).toString() },
    });
    // Two hours later every cached access token has expired (they live 60–90 minutes).
    clock += 2 * 3_600_000;
    const before = em.stats().tokenRequests;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: CONCURRENT }, () => manager.getAccessToken('bench')));
    const burstMs = performance.now() - t0;
    const requests = em.stats().tokenRequests - before;
    log(`  ${CONCURRENT} concurrent callers: ${requests} token request(s) in ${burstMs.toFixed(0)} ms`);

    for (let i = 0; i < 1000; i++) await manager.getAccessToken('bench'); // warm up
    const t1 = performance.now();
    for (let i = 0; i < STEADY_OPS; i++) await manager.getAccessToken('bench');
    const perOpUs = ((performance.now() - t1) * 1000) / STEADY_OPS;
    log(`  steady state: ${perOpUs.toFixed(1)} µs per call`);
    return [
      { name: `${CONCURRENT} concurrent operations, expired access token`, value: `${requests} token request(s), all served in ${fmt(burstMs, 0)} ms`, target: 'exactly 1 request', met: requests === 1 },
      { name: `steady-state cost per getAccessToken (cached token, SQLite store)`, value: `${fmt(perOpUs)} µs`, target: '< 50 µs', met: perOpUs < 50 },
    ];
  } finally {
    await store.close();
    await em.close();
  }
}
