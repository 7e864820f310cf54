import { createHash, randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { completeConsent } from '../../helpers/consent.js';
import { SANDBOX, defaultSeed, startIdentityEmulator, type IdentityEmulator, type IdentitySeed } from '@mailbridge/sandbox';

export const TENANT = SANDBOX.tenantId;
export const WEB = SANDBOX.confidentialClientId;
export const PUBLIC = SANDBOX.publicClientId;
export const ALICE = { username: SANDBOX.alice, password: SANDBOX.password };
export const BOB = { username: SANDBOX.bob, password: SANDBOX.password };
export const REDIRECT = 'http://localhost:53682/';

/** A clock tests can move: `clock.ms += 91 * DAY`. */
export function testClock(): { ms: number; now: () => number } {
  const clock = { ms: Date.now(), now: () => clock.ms };
  return clock;
}
export const DAY = 24 * 3600 * 1000;

export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export async function postForm(url: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await fetch(url, { method: 'POST', body: new URLSearchParams(fields), headers });
  const text = await res.text();
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { text };
  }
  return { status: res.status, headers: res.headers, body };
}

export function claims(token: unknown): Record<string, unknown> {
  return decodeJwt(String(token)) as Record<string, unknown>;
}

export function authorizeUrl(em: IdentityEmulator, params: Record<string, string>, version: 'v1' | 'v2' = 'v2', tenant: string = TENANT): string {
  const path = version === 'v2' ? 'oauth2/v2.0/authorize' : 'oauth2/authorize';
  return `${em.url}/${tenant}/${path}?${new URLSearchParams(params)}`;
}

export function tokenUrl(em: IdentityEmulator, version: 'v1' | 'v2' = 'v2', tenant: string = TENANT): string {
  return `${em.url}/${tenant}/${version === 'v2' ? 'oauth2/v2.0/token' : 'oauth2/token'}`;
}

const GUIDE_SCOPE = 'offline_access https://outlook.office365.com/IMAP.AccessAsUser.All https://outlook.office365.com/SMTP.Send openid';

/** Sign alice in through the pages and redeem the code: the common start of many tests. */
export function aliceTokens(em: IdentityEmulator, scope = GUIDE_SCOPE): Promise<Record<string, unknown>> {
  return userTokens(em, ALICE, scope);
}

export async function userTokens(
  em: IdentityEmulator,
  user: { username: string; password: string },
  scope = GUIDE_SCOPE,
): Promise<Record<string, unknown>> {
  const { verifier, challenge } = pkce();
  const url = await completeConsent(
    authorizeUrl(em, { client_id: WEB, response_type: 'code', redirect_uri: REDIRECT, scope, state: 's1', code_challenge: challenge, code_challenge_method: 'S256' }),
    user,
  );
  const code = url.searchParams.get('code');
  if (!code) throw new Error(`no code: ${url.toString()}`);
  const r = await postForm(tokenUrl(em), {
    grant_type: 'authorization_code', client_id: WEB, client_secret: SANDBOX.clientSecret, code, redirect_uri: REDIRECT, code_verifier: verifier,
  });
  if (r.status !== 200) throw new Error(`token: ${JSON.stringify(r.body)}`);
  return r.body;
}

export { startIdentityEmulator, SANDBOX };

/** The default seed with some options changed (e.g. a 1 s device-code interval). */
export function defaultSeedWith(options: Partial<IdentitySeed['options']>): IdentitySeed {
  const seed = defaultSeed();
  return { ...seed, options: { ...seed.options, ...options } };
}
export type { IdentityEmulator };

/** Microsoft's error JSON shape, checked field by field. */
export function assertAadError(
  assert: typeof import('node:assert/strict'),
  r: { status: number; body: Record<string, unknown> },
  status: number,
  error: string,
  code: number,
): void {
  assert.equal(r.status, status, JSON.stringify(r.body));
  assert.equal(r.body.error, error);
  assert.deepEqual(r.body.error_codes, [code]);
  const d = String(r.body.error_description);
  assert.match(d, new RegExp(`^AADSTS${code}: .+\\r\\nTrace ID: [0-9a-f-]{36}\\r\\nCorrelation ID: [0-9a-f-]{36}\\r\\nTimestamp: \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\dZ$`));
  assert.match(String(r.body.timestamp), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
  assert.match(String(r.body.trace_id), /^[0-9a-f-]{36}$/);
  assert.match(String(r.body.correlation_id), /^[0-9a-f-]{36}$/);
  assert.equal(r.body.error_uri, `https://login.microsoftonline.com/error?code=${code}`);
}
