import assert from 'node:assert/strict';
import { X509Certificate, createHash, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { completeDeviceLogin } from '../../helpers/consent.js';
import {
  ALICE,
  BOB,
  REDIRECT,
  TENANT,
  WEB,
  PUBLIC,
  authorizeUrl,
  claims,
  defaultSeedWith,
  postForm,
  startIdentityEmulator,
  tokenUrl,
  userTokens,
  type IdentityEmulator,
} from './support.js';

// What Microsoft's own clients (MSAL) rely on: the short device-code grant name, client_info,
// echoed request ids, per-permission consent and a JWKS with certificates.
describe('identity emulator: fidelity for Microsoft clients', () => {
  let em: IdentityEmulator;
  before(async () => {
    em = await startIdentityEmulator({ seed: defaultSeedWith({ deviceCodeIntervalSeconds: 0 }) });
  });
  after(() => em.close());

  it("accepts grant_type=device_code (MSAL's name) as well as the RFC 8628 URN", async () => {
    const dc = await postForm(`${em.url}/${TENANT}/oauth2/v2.0/devicecode`, {
      client_id: PUBLIC,
      scope: 'https://outlook.office365.com/IMAP.AccessAsUser.All offline_access',
    });
    assert.equal(dc.status, 200);
    const pending = await postForm(tokenUrl(em), {
      grant_type: 'device_code',
      client_id: PUBLIC,
      device_code: String(dc.body.device_code),
    });
    assert.equal(pending.body.error, 'authorization_pending');
    await completeDeviceLogin(String(dc.body.verification_uri), String(dc.body.user_code), ALICE);
    const done = await postForm(tokenUrl(em), {
      grant_type: 'device_code',
      client_id: PUBLIC,
      device_code: String(dc.body.device_code),
    });
    assert.equal(done.status, 200, JSON.stringify(done.body));
    assert.ok(done.body.access_token);
  });

  it('answers client_info={uid: oid, utid: tid} when asked with client_info=1, and not otherwise', async () => {
    const plain = await userTokens(em, ALICE);
    assert.equal(plain.client_info, undefined);
    const rt = await postForm(tokenUrl(em), {
      grant_type: 'refresh_token',
      client_id: WEB,
      client_secret: 'sandbox-secret-value-1234567890',
      refresh_token: String(plain.refresh_token),
      client_info: '1',
    });
    assert.equal(rt.status, 200);
    const info = JSON.parse(Buffer.from(String(rt.body.client_info), 'base64url').toString('utf8')) as Record<
      string,
      string
    >;
    assert.deepEqual(info, { uid: claims(rt.body.access_token).oid, utid: TENANT });
  });

  it('echoes client-request-id as correlation_id and header, and sends x-ms-request-id = trace_id', async () => {
    const id = randomUUID();
    const r = await postForm(
      tokenUrl(em),
      { grant_type: 'refresh_token', client_id: WEB, refresh_token: 'nope' },
      { 'client-request-id': id },
    );
    assert.equal(r.status, 401);
    assert.equal(r.body.correlation_id, id);
    assert.match(String(r.body.error_description), new RegExp(`Correlation ID: ${id}`));
    assert.equal(r.headers.get('client-request-id'), id);
    assert.equal(r.headers.get('x-ms-request-id'), r.body.trace_id);
  });

  it('sends a valid but ungranted permission (Calendars.ReadWrite) to the consent page; only unknown ones get AADSTS70011', async () => {
    const params = {
      client_id: WEB,
      response_type: 'code',
      redirect_uri: REDIRECT,
      scope: 'Calendars.ReadWrite Contacts.ReadWrite Tasks.ReadWrite',
    };
    const first = await fetch(authorizeUrl(em, params));
    const login = /name="login" value="([^"]+)"/.exec(await first.text())![1]!;
    const consent = await fetch(`${em.url}/_ui/signin`, {
      method: 'POST',
      body: new URLSearchParams({ login, ...BOB }),
      redirect: 'manual',
    });
    const html = await consent.text();
    assert.match(html, /id="consent-form"/);
    for (const p of ['Calendars.ReadWrite', 'Contacts.ReadWrite', 'Tasks.ReadWrite']) assert.ok(html.includes(p), p);

    const bad = await fetch(authorizeUrl(em, { ...params, scope: 'Calendars.ReadWriteEverything' }), {
      redirect: 'manual',
    });
    assert.equal(bad.status, 302);
    const location = new URL(bad.headers.get('location')!);
    assert.equal(location.searchParams.get('error'), 'invalid_scope');
    assert.match(location.searchParams.get('error_description')!, /^AADSTS70011:/);
  });

  it('a permission only an admin may grant (User.Read.All) stops at "Need admin approval" (AADSTS90094)', async () => {
    const first = await fetch(
      authorizeUrl(em, { client_id: WEB, response_type: 'code', redirect_uri: REDIRECT, scope: 'User.Read.All' }),
    );
    const login = /name="login" value="([^"]+)"/.exec(await first.text())![1]!;
    const page = await fetch(`${em.url}/_ui/signin`, {
      method: 'POST',
      body: new URLSearchParams({ login, ...BOB }),
      redirect: 'manual',
    });
    assert.equal(page.status, 403);
    assert.match(await page.text(), /AADSTS90094: Need admin approval/);
  });

  it("publishes a JWKS key with x5c, and kid = x5t = the certificate's SHA-1 thumbprint", async () => {
    const jwks = (await (await fetch(`${em.url}/${TENANT}/discovery/v2.0/keys`)).json()) as {
      keys: Record<string, unknown>[];
    };
    const key = jwks.keys[0]!;
    const der = Buffer.from((key.x5c as string[])[0]!, 'base64');
    const thumb = createHash('sha1').update(der).digest('base64url');
    assert.equal(key.kid, thumb);
    assert.equal(key.x5t, thumb);
    const cert = new X509Certificate(der);
    assert.match(cert.subject, /CN=accounts\.accesscontrol\.windows\.net/);
    const jwk = cert.publicKey.export({ format: 'jwk' });
    assert.equal(jwk.n, key.n);
  });
});
