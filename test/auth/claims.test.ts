import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UnsecuredJWT } from 'jose';
import { assertTokenFitsProtocol, checkTokenFitsProtocol, decodeAccessTokenClaims } from '../../src/auth/claims.js';
import { AuthError } from '../../src/errors.js';
import { Secret } from '../../src/secret.js';

const jwt = (claims: Record<string, unknown>): Secret => new Secret(new UnsecuredJWT(claims).encode());
const outlookImap = { aud: 'https://outlook.office365.com', scp: 'IMAP.AccessAsUser.All SMTP.Send', upn: 'alice@contoso.onmicrosoft.com', exp: 2_000_000_000 };

test('claims are read without a signature check; aud GUIDs fold to URLs', () => {
  const c = decodeAccessTokenClaims(jwt(outlookImap));
  assert.equal(c.jwt, true);
  assert.equal(c.aud, 'https://outlook.office365.com');
  assert.deepEqual(c.scp, ['IMAP.AccessAsUser.All', 'SMTP.Send']);
  assert.equal(c.user, 'alice@contoso.onmicrosoft.com');
  assert.equal(c.expiresAt, 2_000_000_000_000);
  assert.equal(decodeAccessTokenClaims(jwt({ aud: '00000003-0000-0000-c000-000000000000' })).aud, 'https://graph.microsoft.com');
  assert.equal(decodeAccessTokenClaims(new Secret('EwBAAl3BAAUFFpUAo7J3Ve0bjLBWZWCclRC3EoAA')).jwt, false, 'opaque tokens are not judged');
});

test('a Graph token for IMAP is caught with a plain message', () => {
  const graph = decodeAccessTokenClaims(jwt({ aud: 'https://graph.microsoft.com', scp: 'Mail.Read IMAP.AccessAsUser.All', upn: 'alice@contoso.onmicrosoft.com' }));
  assert.throws(() => assertTokenFitsProtocol(graph, 'imap', 'alice@contoso.onmicrosoft.com'), (e: unknown) => {
    assert.ok(e instanceof AuthError);
    assert.equal(e.code, 'TOKEN_WRONG_AUDIENCE');
    assert.match(e.message, /the access token is for https:\/\/graph\.microsoft\.com, IMAP needs https:\/\/outlook\.office365\.com/);
    return true;
  });
  assert.doesNotThrow(() => assertTokenFitsProtocol(graph, 'graph'));
});

test('each protocol needs its permission; app-only tokens need roles', () => {
  const c = decodeAccessTokenClaims(jwt(outlookImap));
  assert.doesNotThrow(() => assertTokenFitsProtocol(c, 'imap'));
  assert.doesNotThrow(() => assertTokenFitsProtocol(c, 'smtp'));
  assert.throws(() => assertTokenFitsProtocol(c, 'pop3'), /POP\.AccessAsUser\.All/);
  assert.throws(() => assertTokenFitsProtocol(c, 'ews'), /EWS\.AccessAsUser\.All/);
  const app = decodeAccessTokenClaims(jwt({ aud: 'https://outlook.office365.com', roles: ['IMAP.AccessAsApp'] }));
  assert.doesNotThrow(() => assertTokenFitsProtocol(app, 'imap', 'bob@contoso.onmicrosoft.com'));
  assert.throws(() => assertTokenFitsProtocol(app, 'smtp', 'bob@contoso.onmicrosoft.com'), /SMTP\.SendAsApp/);
  const ewsApp = decodeAccessTokenClaims(jwt({ aud: 'https://outlook.office365.com', roles: ['full_access_as_app'] }));
  assert.doesNotThrow(() => assertTokenFitsProtocol(ewsApp, 'ews', 'bob@contoso.onmicrosoft.com'));
});

test('another login user is a warning (shared mailbox), never an error', () => {
  const c = decodeAccessTokenClaims(jwt(outlookImap));
  const fit = checkTokenFitsProtocol(c, 'imap', 'shared@contoso.onmicrosoft.com');
  assert.deepEqual(fit.problems, []);
  assert.equal(fit.warnings.length, 1);
  assert.match(fit.warnings[0] ?? '', /shared mailbox/);
  assert.deepEqual(checkTokenFitsProtocol(c, 'imap', 'ALICE@contoso.onmicrosoft.com').warnings, []);
});
