import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ImapFlow } from 'imapflow';
import { AuthError, ProtocolError } from '../../../src/errors.js';
import { connectImap } from '../../../src/protocols/imap/connect.js';
import { Secret } from '../../../src/secret.js';
import { loadRig, mintingProvider, type Rig } from '../../helpers/rig.js';

const GRAPH = 'https://graph.microsoft.com';

describe('IMAP login against the rig (Dovecot, passdb oauth2 → identity emulator)', () => {
  let rig: Rig;
  const open: ImapFlow[] = [];
  before(() => {
    rig = loadRig();
  });
  after(async () => {
    for (const c of open) await c.logout().catch(() => c.close());
  });

  for (const [label, secure, mechanism] of [
    ['993 TLS, XOAUTH2', 'tls', 'XOAUTH2'],
    ['993 TLS, OAUTHBEARER', 'tls', 'OAUTHBEARER'],
    ['143 STARTTLS, XOAUTH2', 'starttls', 'XOAUTH2'],
  ] as const) {
    test(`logs in over ${label}`, async () => {
      const user = rig.uniqueMailbox();
      const client = await connectImap({ resource: rig.resource('imap', user, { secure }), tokens: mintingProvider(rig, user), mechanism });
      open.push(client);
      assert.ok(client.authenticated && client.usable);
      assert.equal(client.secureConnection || client.tls !== false, true);
    });
  }

  test('a shared mailbox is opened with the delegate\'s token and the shared address as user', async () => {
    const shared = rig.uniqueMailbox();
    // The rig's Dovecot compares the introspected username with the login user, as Exchange
    // checks FullAccess: so the token must be minted for the address that logs in.
    const client = await connectImap({ resource: rig.resource('imap', shared), tokens: mintingProvider(rig, shared) });
    open.push(client);
    assert.ok(client.authenticated && client.usable);
  });

  test('a Graph-audience token is caught before login, with the fix', async () => {
    const user = rig.uniqueMailbox();
    const tokens = mintingProvider(rig, user, { audience: GRAPH, scope: 'Mail.Read' });
    await assert.rejects(connectImap({ resource: rig.resource('imap', user), tokens }), (e: unknown) => {
      assert.ok(e instanceof AuthError);
      assert.equal(e.code, 'TOKEN_WRONG_AUDIENCE');
      assert.match(e.message, /graph\.microsoft\.com.*IMAP needs https:\/\/outlook\.office365\.com/);
      assert.match(e.hint, /outlook\.office365\.com\/IMAP\.AccessAsUser\.All/);
      return true;
    });
    // Caught from the claims alone: no refresh was attempted.
    assert.deepEqual(tokens.calls, [{ forceRefresh: false }]);
  });

  test('an expired token is refused by the server, refreshed once, and the login succeeds', async () => {
    const user = rig.uniqueMailbox();
    const tokens = mintingProvider(rig, user, { firstExpiresInSeconds: -60 });
    const client = await connectImap({ resource: rig.resource('imap', user), tokens });
    open.push(client);
    assert.ok(client.authenticated && client.usable);
    assert.deepEqual(tokens.calls, [{ forceRefresh: false }, { forceRefresh: true }]);
  });

  test('AUTHENTICATIONFAILED after the refresh is a ProtocolError with the fix', async () => {
    const user = rig.uniqueMailbox();
    const calls: boolean[] = [];
    // An opaque token (not a JWT) cannot be judged locally, so it reaches the server.
    const tokens = { getAccessToken: async (o: { forceRefresh?: boolean } = {}) => (calls.push(o.forceRefresh === true), new Secret('opaque-but-wrong-token')) };
    await assert.rejects(connectImap({ resource: rig.resource('imap', user), tokens }), (e: unknown) => {
      assert.ok(e instanceof ProtocolError);
      assert.equal(e.code, 'IMAP_AUTH_FAILED');
      assert.match(e.hint, /IMAP\.AccessAsUser\.All/);
      assert.equal(e.details.family, 100);
      assert.doesNotMatch(JSON.stringify(e.toJSON()), /opaque-but-wrong-token/);
      return true;
    });
    assert.deepEqual(calls, [false, true]);
  });

  test('a self-signed server is refused until its CA is given', async () => {
    const user = rig.uniqueMailbox();
    const untrusted = rig.resource('imap', user, { tls: { insecureLoopback: false, allowPlaintextLoopback: false } });
    await assert.rejects(connectImap({ resource: untrusted, tokens: mintingProvider(rig, user) }), (e: unknown) => {
      assert.ok(e instanceof ProtocolError);
      assert.equal(e.code, 'TLS_UNTRUSTED');
      assert.match(e.hint, /tls\.caFile/);
      return true;
    });
    const trusted = await connectImap({ resource: rig.resource('imap', user), tokens: mintingProvider(rig, user) });
    open.push(trusted);
    assert.ok(trusted.authenticated && trusted.usable);
  });

  test('plaintext IMAP with a token is refused before connecting', async () => {
    const user = rig.uniqueMailbox();
    const tokens = mintingProvider(rig, user);
    await assert.rejects(connectImap({ resource: rig.resource('imap', user, { secure: 'none' }), tokens }), (e: unknown) =>
      e instanceof Error && 'code' in e && e.code === 'PLAINTEXT_AUTH_REFUSED');
    assert.equal(tokens.calls.length, 0);
  });
});
