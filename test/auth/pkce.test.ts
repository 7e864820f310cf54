import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createPkcePair, s256Challenge } from '../../src/auth/pkce.js';

test('RFC 7636 appendix B test vector', () => {
  assert.equal(s256Challenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk'), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
});

test('a fresh pair: 43-char verifier, S256 challenge of it, never printed', () => {
  const p = createPkcePair();
  assert.match(p.codeVerifier.reveal(), /^[A-Za-z0-9_-]{43}$/);
  assert.equal(p.codeChallenge, s256Challenge(p.codeVerifier.reveal()));
  assert.equal(p.codeChallengeMethod, 'S256');
  assert.equal(String(p.codeVerifier), '***');
  assert.notEqual(createPkcePair().codeVerifier.reveal(), p.codeVerifier.reveal());
});
