import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  ConfidentialClientApplication,
  CryptoProvider,
  InteractionRequiredAuthError,
  PublicClientApplication,
  ServerError,
  type Configuration,
} from '@azure/msal-node';
import type { Browser, Page } from 'playwright-core';
import { decodeJwt } from 'jose';
import { completeDeviceLogin } from '../helpers/consent.js';
import {
  SANDBOX,
  defaultSeed,
  startIdentityEmulator,
  type IdentityEmulator,
} from '@mailbridge/sandbox';
import { launchChromium, msalNetwork, verifiedSpki } from './support.js';

/** The person's part in Chromium: sign in, accept the consent page when it comes. */
function signIn(page: Page, url: string, user: { username: string; password: string }): Promise<void> {
  // Not awaited by MSAL's openBrowser: its loopback listener resolves the flow.
  void (async () => {
    await page.goto(url);
    await page.fill('#username', user.username);
    await page.fill('#password', user.password);
    await Promise.all([page.waitForNavigation(), page.click('#signin')]);
    if (await page.$('#accept')) await page.click('#accept');
  })().catch(() => undefined);
  return Promise.resolve();
}

// Microsoft's own client library against the identity emulator, used as an app developer
// would: the authority is the emulator's HTTPS origin, trusted through its CA (no TLS bypass).
const IMAP = 'https://outlook.office365.com/IMAP.AccessAsUser.All';
const ALICE = { username: SANDBOX.alice, password: SANDBOX.password };

describe('MSAL Node against the identity emulator', () => {
  let em: IdentityEmulator;
  let browser: Browser;
  let config: (clientId: string, extra?: Partial<Configuration['auth']>) => Configuration;

  before(async () => {
    const seed = defaultSeed();
    em = await startIdentityEmulator({ seed: { ...seed, options: { ...seed.options, deviceCodeIntervalSeconds: 0 } } });
    browser = await launchChromium(await verifiedSpki(em.caPem, em.httpsUrl));
    const host = new URL(em.httpsUrl).host;
    config = (clientId, extra = {}) => ({
      // knownAuthorities: the emulator's host is trusted as is, so MSAL skips instance discovery
      // (which would ask login.microsoftonline.com) and reads the emulator's OpenID metadata.
      auth: { clientId, authority: `${em.httpsUrl}/${SANDBOX.tenantId}`, knownAuthorities: [host], ...extra },
      system: { networkClient: msalNetwork(em.caPem) },
    });
  });
  after(async () => {
    await browser?.close();
    await em?.close();
  });

  it('auth code + PKCE in Chromium (acquireTokenInteractive): homeAccountId is <oid>.<tid>, requestId is set', async () => {
    const pca = new PublicClientApplication(config(SANDBOX.publicClientId));
    const page = await browser.newPage();
    try {
      const result = await pca.acquireTokenInteractive({
        scopes: [IMAP, 'offline_access'],
        // MSAL's loopback listener waits for the redirect; the person signs in meanwhile.
        openBrowser: async (url) => signIn(page, url, ALICE),
        successTemplate: 'signed in',
      });
      const claims = decodeJwt(result.accessToken);
      assert.equal(claims.aud, 'https://outlook.office365.com');
      assert.equal(result.account?.homeAccountId, `${String(claims.oid)}.${SANDBOX.tenantId}`);
      assert.equal(result.account?.tenantId, SANDBOX.tenantId);
      assert.equal(result.account?.username, SANDBOX.alice);
      assert.match(result.requestId ?? '', /^[0-9a-f-]{36}$/);
      assert.ok(result.scopes.some((s) => s.toLowerCase() === IMAP.toLowerCase()));

      // Silent: from the cache first, then through the refresh token when forced.
      const cached = await pca.acquireTokenSilent({ account: result.account!, scopes: [IMAP] });
      assert.equal(cached.accessToken, result.accessToken);
      assert.equal(cached.fromCache, true);
      const before = em.stats().tokenRequestsByGrant['refresh_token'] ?? 0;
      const refreshed = await pca.acquireTokenSilent({ account: result.account!, scopes: [IMAP], forceRefresh: true });
      assert.equal(refreshed.fromCache, false);
      assert.notEqual(refreshed.accessToken, result.accessToken);
      assert.equal(em.stats().tokenRequestsByGrant['refresh_token'], before + 1);
      assert.equal(refreshed.account?.homeAccountId, result.account?.homeAccountId);
    } finally {
      await page.close();
    }
  });

  it('auth code + PKCE with a confidential client (getAuthCodeUrl, acquireTokenByCode), driven in Chromium', async () => {
    const cca = new ConfidentialClientApplication(
      config(SANDBOX.confidentialClientId, { clientSecret: SANDBOX.clientSecret }),
    );
    const { verifier, challenge } = await new CryptoProvider().generatePkceCodes();
    // The web app's redirect endpoint: a loopback server that reads the code (query or form_post).
    let redirected: URL | undefined;
    let arrived: () => void = () => undefined;
    const codeArrived = new Promise<void>((resolve) => (arrived = resolve));
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        for (const [k, v] of new URLSearchParams(body)) url.searchParams.set(k, v);
        // Only the redirect with the code: Chromium also asks this origin for /favicon.ico.
        if (url.searchParams.has('code') || url.searchParams.has('error')) {
          redirected = url;
          arrived();
        }
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const redirectUri = `http://localhost:${(server.address() as AddressInfo).port}/`;
    const url = await cca.getAuthCodeUrl({
      scopes: ['Mail.Read', 'offline_access'],
      redirectUri,
      codeChallenge: challenge,
      codeChallengeMethod: 'S256',
      state: 'st-1',
    });
    const page = await browser.newPage();
    try {
      await page.goto(url);
      await page.fill('#username', SANDBOX.bob);
      await page.fill('#password', SANDBOX.password);
      await Promise.all([page.waitForNavigation(), page.click('#signin')]);
      await page.click('#accept');
      await codeArrived;
    } finally {
      await page.close();
      server.close();
    }
    assert.equal(redirected?.searchParams.get('state'), 'st-1');
    const result = await cca.acquireTokenByCode({
      code: redirected!.searchParams.get('code')!,
      scopes: ['Mail.Read'],
      redirectUri,
      codeVerifier: verifier,
    });
    assert.equal(decodeJwt(result.accessToken).aud, 'https://graph.microsoft.com');
    assert.equal(result.account?.homeAccountId, `${String(decodeJwt(result.accessToken).oid)}.${SANDBOX.tenantId}`);

    // A code is good once: MSAL surfaces Entra's invalid_grant with its AADSTS number.
    const again = await cca
      .acquireTokenByCode({
        code: redirected!.searchParams.get('code')!,
        scopes: ['Mail.Read'],
        redirectUri,
        codeVerifier: verifier,
      })
      .catch((e: unknown) => e);
    assert.ok(again instanceof InteractionRequiredAuthError || again instanceof ServerError, String(again));
    assert.equal((again as ServerError).errorCode, 'invalid_grant');
    assert.match((again as ServerError).errorMessage, /AADSTS54005/);
  });

  it('device code flow (acquireTokenByDeviceCode): MSAL polls with grant_type=device_code until the person is done', async () => {
    const pca = new PublicClientApplication(config(SANDBOX.publicClientId));
    const result = await pca.acquireTokenByDeviceCode({
      scopes: [IMAP, 'offline_access'],
      deviceCodeCallback: (r) => {
        // The scripted person uses Node's fetch, which takes no CA: the same page on the HTTP listener.
        const page = new URL(new URL(r.verificationUri).pathname, em.url).toString();
        void completeDeviceLogin(page, r.userCode, ALICE);
      },
    });
    assert.ok(result);
    assert.equal(result.account?.homeAccountId, `${String(decodeJwt(result.accessToken).oid)}.${SANDBOX.tenantId}`);
  });

  it('client credentials: roles from the admin-consented application permissions; no account', async () => {
    const cca = new ConfidentialClientApplication(
      config(SANDBOX.confidentialClientId, { clientSecret: SANDBOX.clientSecret }),
    );
    const result = await cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
    assert.ok(result);
    assert.deepEqual(decodeJwt(result.accessToken).roles, ['Mail.ReadWrite', 'Mail.Send']);
    assert.equal(result.account, null);
    const cached = await cca.acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'] });
    assert.equal(cached?.fromCache, true);
  });

  it('error shapes: a wrong secret is a ServerError (invalid_client, AADSTS7000215) carrying our correlation id', async () => {
    const cca = new ConfidentialClientApplication(config(SANDBOX.confidentialClientId, { clientSecret: 'wrong' }));
    const correlationId = randomUUID();
    const e = await cca
      .acquireTokenByClientCredential({ scopes: ['https://graph.microsoft.com/.default'], correlationId })
      .catch((x: unknown) => x);
    assert.ok(e instanceof ServerError, String(e));
    assert.equal(e.errorCode, 'invalid_client');
    assert.match(e.errorMessage, /AADSTS7000215/);
    assert.equal(String(e.errorNo), '7000215');
    assert.equal(e.correlationId, correlationId);
  });

  it('error shapes: missing consent at the token endpoint is InteractionRequiredAuthError with subError consent_required', async () => {
    const pca = new PublicClientApplication(config(SANDBOX.publicClientId));
    const page = await browser.newPage();
    try {
      const first = await pca.acquireTokenInteractive({
        scopes: ['Mail.Read'],
        openBrowser: async (url) => signIn(page, url, { username: SANDBOX.bob, password: SANDBOX.password }),
        successTemplate: 'signed in',
      });
      // Calendars.ReadWrite is a real Graph permission Bob has not granted: a silent refresh
      // for it must ask for interaction, not fail as an invalid scope.
      const e = await pca
        .acquireTokenSilent({ account: first.account!, scopes: ['Calendars.ReadWrite'] })
        .catch((x: unknown) => x);
      assert.ok(e instanceof InteractionRequiredAuthError, String(e));
      assert.equal(e.errorCode, 'invalid_grant');
      assert.equal(e.subError, 'consent_required');
      assert.match(e.errorMessage, /AADSTS65001/);
      // A permission Graph does not have is a plain server error, AADSTS70011.
      const bad = await pca
        .acquireTokenSilent({ account: first.account!, scopes: ['Calendars.Everything'] })
        .catch((x: unknown) => x);
      assert.ok(bad instanceof ServerError, String(bad));
      assert.equal((bad as ServerError).errorCode, 'invalid_scope');
    } finally {
      await page.close();
    }
  });
});
