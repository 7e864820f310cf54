import { createHash, randomBytes } from 'node:crypto';
import { Secret } from '../secret.js';

/** RFC 7636 Proof Key for Code Exchange, S256 only (plain gives no protection). */
export interface PkcePair {
  /** RFC 7636 §4.1: 43-128 characters of [A-Za-z0-9-._~]; 32 random bytes → 43 base64url chars. */
  codeVerifier: Secret;
  /** RFC 7636 §4.2: BASE64URL(SHA256(ASCII(code_verifier))). */
  codeChallenge: string;
  codeChallengeMethod: 'S256';
}

/** A new PKCE code verifier and its S256 challenge (RFC 7636 section 4.1 and 4.2). */
export function createPkcePair(): PkcePair {
  const verifier = randomBytes(32).toString('base64url');
  return { codeVerifier: new Secret(verifier), codeChallenge: s256Challenge(verifier), codeChallengeMethod: 'S256' };
}

/** BASE64URL(SHA256(verifier)), the S256 code challenge of RFC 7636 section 4.2. */
export function s256Challenge(codeVerifier: string): string {
  return createHash('sha256').update(codeVerifier, 'ascii').digest('base64url');
}

/** Random URL-safe value for `state` and nonces (RFC 6749 §10.12: non-guessable). */
export function randomUrlToken(bytes = 16): string {
  return randomBytes(bytes).toString('base64url');
}
