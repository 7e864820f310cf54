import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { isV1Endpoint, parseTokenError, parseTokenResponse, postForm, TokenEndpointError } from '../../src/auth/token-endpoint.js';
import { AuthError } from '../../src/errors.js';

test('v2 response: integer expires_in', () => {
  const r = parseTokenResponse({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, scope: 'Mail.Read', access_token: 'at', refresh_token: 'rt' }, 1_000);
  assert.equal(r.expiresAt, 1_000 + 3_599_000);
  assert.equal(r.accessToken.reveal(), 'at');
  assert.equal(r.refreshToken?.reveal(), 'rt');
  assert.equal(JSON.stringify(r).includes('"at"'), false, 'tokens print masked');
});

test('v1 response: numbers as strings, expires_on wins', () => {
  const r = parseTokenResponse({ token_type: 'Bearer', scope: 'User.Read', expires_in: '43482', ext_expires_in: '302683',
    expires_on: '1493466951', not_before: '1493423168', resource: 'https://outlook.office365.com', access_token: 'a', refresh_token: 'r' }, 5);
  assert.equal(r.expiresAt, 1_493_466_951_000);
  assert.equal(r.resource, 'https://outlook.office365.com');
});

test('a 200 without a token is a typed error', () => {
  assert.throws(() => parseTokenResponse({ token_type: 'Bearer' }, 0), (e: unknown) => e instanceof AuthError && e.code === 'TOKEN_RESPONSE_INVALID');
  assert.throws(() => parseTokenResponse({ access_token: 'x', expires_in: '12abc' }, 0), AuthError);
});

test("Microsoft's error JSON keeps error, AADSTS code, trace and correlation ids", () => {
  const e = parseTokenError(400, {
    error: 'invalid_grant',
    error_description: 'AADSTS700082: The refresh token has expired due to inactivity.\r\nTrace ID: 0000aaaa-11bb\r\nCorrelation ID: aaaa0000-bb11\r\nTimestamp: 2016-01-09 02:02:12Z',
    error_codes: [700082], timestamp: '2016-01-09 02:02:12Z', trace_id: '0000aaaa-11bb', correlation_id: 'aaaa0000-bb11',
  }, 'inbox');
  assert.equal(e.code, 'AADSTS700082');
  assert.equal(e.oauthError, 'invalid_grant');
  assert.equal(e.traceId, '0000aaaa-11bb');
  assert.equal(e.correlationId, 'aaaa0000-bb11');
  assert.equal(e.transient, false);
  assert.match(e.hint, /mailbridge auth inbox/);
  assert.equal(e.details.timestamp, '2016-01-09 02:02:12Z');
  // No error_codes: the code is read from the description, ids from its trailer.
  const d = parseTokenError(401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.\r\nTrace ID: t1\r\nCorrelation ID: c1' });
  assert.equal(d.aadsts, 'AADSTS7000215');
  assert.equal(d.traceId, 't1');
  assert.equal(d.correlationId, 'c1');
  assert.match(d.hint, /Value/);
  assert.equal(parseTokenError(503, undefined).transient, true);
  assert.equal(parseTokenError(429, { error: 'temporarily_unavailable' }).transient, true);
});

test('v1 endpoints are told apart from v2 and other providers', () => {
  assert.equal(isV1Endpoint('https://login.microsoftonline.com/t/oauth2/authorize'), true);
  assert.equal(isV1Endpoint('https://login.microsoftonline.com/t/oauth2/token'), true);
  assert.equal(isV1Endpoint('https://login.microsoftonline.com/t/oauth2/v2.0/token'), false);
  assert.equal(isV1Endpoint('https://oauth2.googleapis.com/token'), false);
});

test('an unreachable endpoint is retried a bounded number of times, then a transient error', async () => {
  // A port nobody listens on: take a free one and close it.
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  let calls = 0;
  const countingFetch: typeof fetch = (input, init) => { calls++; return fetch(input, init); };
  await assert.rejects(
    postForm(`http://127.0.0.1:${port}/t/oauth2/v2.0/token`, { grant_type: 'refresh_token' },
      { fetch: countingFetch, retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 20 } }),
    (e: unknown) => {
      assert.ok(e instanceof TokenEndpointError);
      assert.equal(e.code, 'TOKEN_ENDPOINT_UNREACHABLE');
      assert.equal(e.transient, true);
      assert.equal(e.details.attempts, 3);
      return true;
    },
  );
  assert.equal(calls, 3);
});
