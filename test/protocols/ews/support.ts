/**
 * The identity emulator and the Exchange sandbox with its EWS endpoint, plus resources and
 * token providers for the EWS client and mailbox tests.
 */
import type { AccessTokenProvider } from '../../../src/auth/token-provider.js';
import { resourceSchema, type Resource } from '../../../src/config/resource.js';
import { startEwsServer } from '@mailbridge/sandbox';
import { Secret } from '../../../src/secret.js';
import { APP, startSandboxes, type Sandboxes } from '../../sandbox/exchange/support.js';

export { ALICE, APP, BOB, GRAPH, OUTLOOK } from '../../sandbox/exchange/support.js';

export interface EwsSandbox extends Sandboxes {
  /** https://localhost:PORT (the endpoint is /EWS/Exchange.asmx under it). */
  ewsUrl: string;
  resource(user: string | undefined, overrides?: Partial<{ caFile: string | undefined; name: string }>): Resource;
  /** Delegated EWS.AccessAsUser.All tokens for `user`; counts forced refreshes. */
  delegated(user: string): CountingProvider;
  /** App-only full_access_as_app tokens of the sandbox app. */
  appOnly(): CountingProvider;
  /** Fixed tokens in turn (the last repeats), for refusal paths. */
  sequence(tokens: string[]): CountingProvider;
  /** `stale` until asked with forceRefresh, `fresh` from then on (a token cache's behaviour). */
  refreshing(stale: string, fresh: string): CountingProvider;
}

export interface CountingProvider extends AccessTokenProvider {
  calls: number;
  forced: number;
}

function counting(get: (i: number, forcedSoFar: number) => Promise<string>): CountingProvider {
  const p: CountingProvider = {
    calls: 0,
    forced: 0,
    async getAccessToken(o) {
      const i = p.calls++;
      if (o?.forceRefresh) p.forced++;
      return new Secret(await get(i, p.forced));
    },
  };
  return p;
}

export async function startEwsSandbox(): Promise<EwsSandbox & { closeAll(): Promise<void> }> {
  const sb = await startSandboxes();
  // Exchange Online's 2026-10 switch: only allow-listed apps may use EWS (the test clock is real time).
  sb.exchange.admin.updateSettings({ ewsEnabled: true, ewsAllowedAppIds: [APP] });
  const wired = (sb.exchange as unknown as { ews?: { url: string } }).ews;
  const own = wired ? undefined : await startEwsServer(sb.exchange.context, { host: '127.0.0.1', port: 0 });
  const ewsUrl = wired?.url ?? own?.url ?? '';
  const port = Number(new URL(ewsUrl).port);
  return {
    ...sb,
    ewsUrl,
    resource(user, o = {}) {
      const caFile = 'caFile' in o ? o.caFile : sb.caFile;
      return resourceSchema.parse({
        name: o.name ?? 'ews-test',
        kind: 'ews',
        server: { host: ewsUrl, port, secure: 'tls', domain: 'contoso.onmicrosoft.com' },
        ...(user ? { user } : {}),
        authType: 'oauth2',
        tls: caFile ? { caFile } : {},
      });
    },
    delegated: (user) => counting(() => sb.token('EWS.AccessAsUser.All', { user })),
    appOnly: () => counting(() => sb.appToken(['full_access_as_app'])),
    sequence: (tokens) => counting(async (i) => tokens[Math.min(i, tokens.length - 1)] ?? ''),
    refreshing: (stale, fresh) => counting(async (_i, forced) => (forced > 0 ? fresh : stale)),
    async closeAll() {
      await own?.close();
      await sb.close();
    },
  };
}
