/**
 * Fault suite, the identity platform misbehaving during a run. test/auth/token-manager.test.ts
 * already proves, per single refresh: each permanent AADSTS fault → status + hint, refresh
 * token kept; 429/503/500 → 3 attempts then a typed error, state unchanged; a long
 * Retry-After ends the tries at once; an unreachable endpoint keeps the token. What is added
 * here: a SLOW endpoint (client timeout), faults hitting MANY callers at once (one bounded set
 * of requests, not one per caller), a run of operations through a long outage (requests grow
 * linearly with operations, never more), and a REAL revocation (admin revokes the user's
 * sessions, no fault injected) in the middle of a run.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AuthError } from '../../src/errors.js';
import { SANDBOX, signIn, startAuthTestEnv, type AuthTestEnv } from '../auth/support.js';

let env: AuthTestEnv;
const HOUR = 3600_000;
const refreshes = (): number => env.emulator.stats().tokenRequestsByGrant.refresh_token ?? 0;

before(async () => {
  env = await startAuthTestEnv();
  for (const name of ['slow', 'busy', 'outage', 'revoked']) {
    await env.addResource({ name, kind: 'imap' });
    await signIn(env, name);
  }
}, { timeout: 60_000 });
after(async () => { await env?.close(); });

async function snapshot(name: string): Promise<{ rt: string; version: number; status: string }> {
  const s = await env.store.getTokenState(name);
  const rt = s?.refreshToken?.reveal();
  assert.ok(rt, `${name} has a refresh token`);
  return { rt, version: s?.version ?? -1, status: s?.status ?? '?' };
}

test('a slow token endpoint: each try times out, 2 tries, a typed error saying so; token, status and state untouched', async () => {
  const before = await snapshot('slow');
  const fault = env.emulator.admin.addFault({ kind: 'slow', delayMs: 3_000, grantType: 'refresh_token', username: SANDBOX.alice });
  const count = refreshes();
  try {
    await assert.rejects(
      env.manager({ retry: { maxAttempts: 2, baseDelayMs: 10, maxDelayMs: 20, maxRetryAfterMs: 1_000, timeoutMs: 250 } }).getAccessToken('slow', { forceRefresh: true }),
      (e: unknown) => {
        assert.ok(e instanceof AuthError, String(e));
        assert.equal(e.code, 'TOKEN_ENDPOINT_UNREACHABLE');
        assert.match(e.message, /timed out.*2 tries/);
        assert.match(e.hint, /refresh token was kept/);
        return true;
      });
  } finally {
    env.emulator.admin.removeFault(fault.id);
  }
  assert.equal(refreshes() - count, 2, 'one request per try, no more');
  assert.deepEqual(await snapshot('slow'), before);
  assert.equal((await env.manager().status('slow')).status, 'Available');
  // Once the endpoint is fast again the same refresh token works.
  const t = await env.manager().getAccessToken('slow', { forceRefresh: true });
  assert.ok(t.token.reveal().length > 0);
});

for (const c of [
  { name: '429 throttling', spec: { kind: 'throttled' as const, retryAfterSeconds: 0 }, code: 'TOKEN_ENDPOINT_THROTTLED' },
  { name: '503', spec: { kind: 'server_error' as const, status: 503, retryAfterSeconds: 0 }, code: 'TOKEN_ENDPOINT_UNAVAILABLE' },
]) {
  test(`${c.name} while 100 callers need a token at once: one bounded set of requests for all, same typed error for each`, async () => {
    const before = await snapshot('busy');
    // The manager's clock is 2 h ahead: the cached access token is stale for it.
    const m = env.manager({ now: () => Date.now() + 2 * HOUR });
    const fault = env.emulator.admin.addFault({ ...c.spec, grantType: 'refresh_token' });
    const count = refreshes();
    try {
      const results = await Promise.allSettled(Array.from({ length: 100 }, () => m.getAccessToken('busy')));
      for (const r of results) {
        assert.equal(r.status, 'rejected');
        const e = (r as PromiseRejectedResult).reason as unknown;
        assert.ok(e instanceof AuthError && e.code === c.code && /status is unchanged/.test(e.hint), String(e));
      }
    } finally {
      env.emulator.admin.removeFault(fault.id);
    }
    assert.equal(refreshes() - count, 3, '100 callers share one refresh: 3 tries in all');
    assert.deepEqual(await snapshot('busy'), before, 'nothing erased or rewritten');
    assert.equal((await m.status('busy')).status, 'Available');
  });
}

test('a run of 20 operations through a long 503 outage: requests bounded by operations × tries; the run recovers when it ends', async () => {
  const before = await snapshot('outage');
  const m = env.manager({ now: () => Date.now() + 2 * HOUR });
  const fault = env.emulator.admin.addFault({ kind: 'server_error', status: 503, retryAfterSeconds: 0, grantType: 'refresh_token' });
  const count = refreshes();
  const outcomes: string[] = [];
  try {
    for (let op = 0; op < 20; op++) {
      outcomes.push(await m.getAccessToken('outage').then(() => 'ok', (e: unknown) => (e instanceof AuthError ? e.code : `untyped ${String(e)}`)));
    }
  } finally {
    env.emulator.admin.removeFault(fault.id);
  }
  assert.deepEqual(new Set(outcomes), new Set(['TOKEN_ENDPOINT_UNAVAILABLE']));
  assert.equal(refreshes() - count, 20 * 3, 'exactly 3 tries per operation: no tight loop, no hidden retries');
  assert.deepEqual(await snapshot('outage'), before);
  // The outage over, the next operation gets a token with the same, never erased, refresh token.
  assert.ok((await m.getAccessToken('outage')).token.reveal().length > 0);
  assert.equal((await m.status('outage')).status, 'Available');
});

test('the user\'s sessions revoked by an admin mid-run: the next refresh says Revoked with the fix; callers then fail fast, no requests; the token is kept for diagnosis', async () => {
  let clock = Date.now();
  const m = env.manager({ now: () => clock });
  const rt = (await snapshot('revoked')).rt;
  const outcomes: string[] = [];
  const count = refreshes();
  for (let op = 0; op < 30; op++) {
    if (op === 12) env.emulator.admin.revokeUser(SANDBOX.alice);
    // Every 5th operation finds its access token expired (the clock jumps 2 h).
    if (op % 5 === 4) clock += 2 * HOUR;
    outcomes.push(await m.getAccessToken('revoked').then(() => 'ok', (e: unknown) => {
      assert.ok(e instanceof AuthError, String(e));
      if (e.code === 'AADSTS50173') assert.match(e.hint, /mailbridge auth revoked/);
      return e.code;
    }));
  }
  // Ops 0–13 use the cached or refreshed token; op 14 is the first refresh after the revocation.
  assert.deepEqual(outcomes.slice(0, 14), Array(14).fill('ok'));
  assert.equal(outcomes[14], 'AADSTS50173');
  assert.deepEqual(new Set(outcomes.slice(15)), new Set(['REFRESH_TOKEN_REVOKED']), 'every later caller fails fast');
  // Refresh requests: ops 4 and 9 (two rotations before), op 14 (refused), then none at all.
  assert.equal(refreshes() - count, 3, `requests: ${refreshes() - count}; outcomes ${outcomes.join(',')}`);
  const report = await m.status('revoked');
  assert.equal(report.status, 'Revoked');
  assert.equal(report.code, 'AADSTS50173');
  const kept = await snapshot('revoked');
  assert.notEqual(kept.rt, rt, 'the rotated token from before the revocation is what is stored');
  assert.ok(kept.rt.length > 0, 'kept, not erased');
});
