// `tls.caFile` (`--ca-file`) must reach the identity platform too: an identity platform behind a private CA
// (here the sandbox emulator's HTTPS listener, whose CA is generated per process and trusted nowhere else)
// answers the code exchange and the refresh only when the resource names that CA.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authorize } from '../../src/auth/consent.js';
import { TokenManager } from '../../src/auth/token-manager.js';
import { applyPreset } from '../../src/config/presets.js';
import { parseResource } from '../../src/config/validate.js';
import { Secret } from '../../src/secret.js';
import { completeConsent, SANDBOX, startIdentityEmulator } from '@mailbridge/sandbox';
import { openStore } from '../../src/store/open.js';

test('a resource\'s --ca-file is trusted for its token endpoint (code exchange and refresh over HTTPS)', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'mb-cafetch-'));
  const em = await startIdentityEmulator();
  const store = await openStore({ home, env: { MAILBRIDGE_HOME: home } });
  t.after(async () => {
    await store.close();
    await em.close();
    rmSync(home, { recursive: true, force: true });
  });
  const caFile = join(home, 'private-ca.pem');
  writeFileSync(caFile, em.caPem);
  const preset = {
    preset: 'm365' as const, name: 'private-ca', kind: 'imap' as const, tenantId: SANDBOX.tenantId,
    clientId: SANDBOX.confidentialClientId, user: SANDBOX.alice, authorityUrl: em.httpsUrl,
    mailHost: '127.0.0.1', port: 993, secure: 'tls' as const,
  };
  const put = (tls: { caFile?: string }) => store.putResource(parseResource({ ...applyPreset(preset), tls }));
  await put({ caFile });
  await store.putSecret('private-ca', 'client_secret', new Secret(SANDBOX.clientSecret));
  const tokens = new TokenManager({ store, retry: { maxAttempts: 1 } });

  let authorizeUrl = '';
  const result = await authorize(tokens, 'private-ca', {
    mode: 'paste',
    io: {
      print: () => undefined,
      onAuthorizeUrl: (url) => { authorizeUrl = url; },
      // The person's browser part (not under test) goes through the emulator's HTTP listener, which shares its state.
      readRedirectUrl: async () => (await completeConsent(authorizeUrl.replace(em.httpsUrl, em.url), {
        username: SANDBOX.alice, password: SANDBOX.password,
      })).toString(),
    },
  });
  assert.ok(authorizeUrl.startsWith(`${em.httpsUrl}/`), 'the resource uses the HTTPS identity platform');
  assert.equal(result.audience, 'https://outlook.office365.com');
  const refreshed = await tokens.getAccessToken('private-ca', { forceRefresh: true });
  assert.ok(refreshed.token.reveal().length > 20, 'the refresh over HTTPS gave an access token');

  // Without the CA the same refresh is refused by TLS verification: the CA file is what made it work.
  await put({});
  await assert.rejects(tokens.getAccessToken('private-ca', { forceRefresh: true }), (e: Error) => {
    assert.match(`${e.message} ${String((e.cause as Error | undefined)?.message)}`, /certificate/i);
    return true;
  });
});
