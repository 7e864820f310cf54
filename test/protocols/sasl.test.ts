import assert from 'node:assert/strict';
import { test } from 'node:test';
import { oauthbearerInitial, parseOAuthErrorChallenge, xoauth2Initial } from '../../src/protocols/sasl.js';
import { Secret } from '../../src/secret.js';

test('XOAUTH2 initial response matches Microsoft\'s documented example byte for byte', () => {
  const got = xoauth2Initial('test@contoso.onmicrosoft.com', new Secret('EwBAAl3BAAUFFpUAo7J3Ve0bjLBWZWCclRC3EoAA'));
  assert.equal(got, 'dXNlcj10ZXN0QGNvbnRvc28ub25taWNyb3NvZnQuY29tAWF1dGg9QmVhcmVyIEV3QkFBbDNCQUFVRkZwVUFvN0ozVmUwYmpMQldaV0NjbFJDM0VvQUEBAQ==');
});

test('OAUTHBEARER initial response follows RFC 7628 (GS2 header, host, port, bearer)', () => {
  const got = Buffer.from(oauthbearerInitial('user@example.com', new Secret('vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg=='), 'server.example.com', 143), 'base64').toString();
  // RFC 7628 §4.1 example
  assert.equal(got, 'n,a=user@example.com,\x01host=server.example.com\x01port=143\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01');
});

test('OAUTHBEARER escapes , and = in the user name (RFC 5801 saslname)', () => {
  const got = Buffer.from(oauthbearerInitial('a,b=c', new Secret('t'), 'h', 1), 'base64').toString();
  assert.ok(got.startsWith('n,a=a=2Cb=3Dc,'));
});

test('the error challenge Dovecot sends after a refused token decodes; anything else is undefined', () => {
  const challenge = Buffer.from('{"status":"401","schemes":"bearer","scope":"mail"}').toString('base64');
  assert.deepEqual(parseOAuthErrorChallenge(challenge), { status: '401', schemes: 'bearer', scope: 'mail' });
  assert.equal(parseOAuthErrorChallenge('not base64!'), undefined);
  assert.equal(parseOAuthErrorChallenge(Buffer.from('{"nostatus":1}').toString('base64')), undefined);
  assert.equal(parseOAuthErrorChallenge(Buffer.from('plain text').toString('base64')), undefined);
});
