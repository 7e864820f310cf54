import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { assertTokenFitsProtocol, decodeAccessTokenClaims } from '../../src/auth/claims.js';
import { refreshAccessToken } from '../../src/auth/refresh.js';
import { GRAPH_RESOURCE, OUTLOOK_RESOURCE } from '../../src/auth/scopes.js';
import type { FaultSpecInput } from '@mailbridge/sandbox';
import { AuthError } from '../../src/errors.js';
import { SANDBOX, signIn, startAuthTestEnv, type AuthTestEnv } from './support.js';

let env: AuthTestEnv;
const DAY = 86_400_000;
const refreshes = (): number => env.emulator.stats().tokenRequestsByGrant.refresh_token ?? 0;
/** Every token and secret the tests saw, to look for in the database file and the logs. */
const seen = new Set<string>([SANDBOX.clientSecret]);

before(async () => {
  env = await startAuthTestEnv();
  await env.addResource({ name: 'inbox', kind: 'imap' });
  await signIn(env, 'inbox');
});
after(async () => { await env.close(); });

async function storedRefreshToken(name: string): Promise<string> {
  const rt = (await env.store.getTokenState(name))?.refreshToken?.reveal();
  assert.ok(rt, 'a refresh token is stored');
  seen.add(rt);
  return rt;
}

test('200 concurrent callers with an expiring token make exactly one refresh request', async () => {
  // This manager's clock is 2 h ahead: the cached access token looks expired to it.
  const later = env.manager({ now: () => Date.now() + 2 * 3600_000 });
  const before = refreshes();
  const tokens = await Promise.all(Array.from({ length: 200 }, () => later.getAccessToken('inbox')));
  assert.equal(refreshes() - before, 1);
  assert.equal(new Set(tokens.map((t) => t.token.reveal())).size, 1, 'all callers got the same token');
  for (const t of tokens.slice(0, 1)) seen.add(t.token.reveal());
  // Forced refreshes joined while one is in flight are one request too.
  const b2 = refreshes();
  await Promise.all(Array.from({ length: 50 }, () => later.getAccessToken('inbox', { forceRefresh: true })));
  assert.equal(refreshes() - b2, 1);
});

test('a fresh cached token is served without any request', async () => {
  const m = env.manager();
  await m.getAccessToken('inbox');
  const before = env.emulator.stats().tokenRequests;
  await Promise.all(Array.from({ length: 20 }, () => m.getAccessToken('inbox')));
  assert.equal(env.emulator.stats().tokenRequests, before);
});

test('provider: cached token for protocols; a forced call never gets the token a server just refused', async () => {
  const m = env.manager();
  const p = m.provider('inbox');
  const cached = await p.getAccessToken();
  const before = refreshes();
  // An unforced caller served from the cache and a forced one at the same moment.
  const [again, forced] = await Promise.all([p.getAccessToken(), p.getAccessToken({ forceRefresh: true })]);
  assert.equal(again.reveal(), cached.reveal());
  assert.notEqual(forced.reveal(), cached.reveal());
  assert.equal(refreshes() - before, 1);
  assert.equal((await p.getAccessToken()).reveal(), forced.reveal(), 'the new token is cached');
});

test('rotation: the new refresh token is stored, the old one still works at the emulator', async () => {
  const old = await storedRefreshToken('inbox');
  const stateBefore = await env.store.getTokenState('inbox');
  await env.manager().getAccessToken('inbox', { forceRefresh: true });
  const rotated = await storedRefreshToken('inbox');
  assert.notEqual(rotated, old);
  const stateAfter = await env.store.getTokenState('inbox');
  assert.ok((stateAfter?.version ?? 0) > (stateBefore?.version ?? 0));
  // Microsoft does not revoke the previous refresh token on rotation; the emulator neither.
  const resource = await env.store.getResource('inbox');
  const again = await refreshAccessToken(resource!, env.store, (await env.store.getTokenState('inbox'))!.refreshToken!, OUTLOOK_RESOURCE);
  assert.ok(again.accessToken.reveal().length > 0);
  const { Secret } = await import('../../src/secret.js');
  const viaOld = await refreshAccessToken(resource!, env.store, new Secret(old), OUTLOOK_RESOURCE);
  assert.ok(viaOld.accessToken.reveal().length > 0);
});

test('two managers on one store (two processes) refreshing at once: the CAS loser keeps the newer state', async () => {
  const a = env.manager();
  const b = env.manager();
  const [ta, tb] = await Promise.all([
    a.getAccessToken('inbox', { forceRefresh: true }),
    b.getAccessToken('inbox', { forceRefresh: true }),
  ]);
  assert.ok(ta.token.reveal() && tb.token.reveal());
  const state = await env.store.getTokenState('inbox');
  assert.equal(state?.status, 'Available');
  // The stored one still works.
  await env.manager().getAccessToken('inbox', { forceRefresh: true });
});

test('one refresh token serves both consented audiences; each has its own cached token', async () => {
  await env.addResource({ name: 'both', kind: 'imap', scope: 'https://outlook.office365.com/IMAP.AccessAsUser.All offline_access Mail.Read' });
  await signIn(env, 'both');
  const m = env.manager();
  const graph = await m.getAccessToken('both', { audience: GRAPH_RESOURCE });
  const outlook = await m.getAccessToken('both');
  assert.equal(decodeAccessTokenClaims(graph.token).aud, GRAPH_RESOURCE);
  assert.equal(decodeAccessTokenClaims(outlook.token).aud, OUTLOOK_RESOURCE);
  const report = await m.status('both');
  assert.deepEqual(report.accessTokens.map((t) => t.audience).sort(), [GRAPH_RESOURCE, OUTLOOK_RESOURCE].sort());
});

test('a refused token for another audience does not mark the resource (its own audience still works)', async () => {
  // 'inbox' consented to Outlook only: Graph is refused (AADSTS65001), Outlook is unaffected.
  const m = env.manager();
  await assert.rejects(m.getAccessToken('inbox', { audience: GRAPH_RESOURCE }), (e: unknown) => e instanceof AuthError && e.code === 'AADSTS65001');
  assert.equal((await m.status('inbox')).status, 'Available');
  await m.getAccessToken('inbox', { forceRefresh: true });
});

interface FaultCase { kind: FaultSpecInput['kind']; aadsts?: number; status: string; code: string; hint: RegExp }
const PERMANENT: FaultCase[] = [
  { kind: 'refresh_token_expired', status: 'Expired', code: 'AADSTS700082', hint: /mailbridge auth inbox/ },
  { kind: 'refresh_token_revoked', status: 'Revoked', code: 'AADSTS50173', hint: /mailbridge auth inbox/ },
  { kind: 'refresh_token_revoked', aadsts: 70008, status: 'Expired', code: 'AADSTS70008', hint: /mailbridge auth inbox/ },
  { kind: 'invalid_client_secret', status: 'InvalidClient', code: 'AADSTS7000215', hint: /Value/ },
  { kind: 'client_secret_expired', status: 'InvalidClient', code: 'AADSTS7000222', hint: /new client secret/ },
  { kind: 'consent_required', status: 'ConsentRequired', code: 'AADSTS65001', hint: /consent/ },
  { kind: 'mfa_required', status: 'ConsentRequired', code: 'AADSTS50076', hint: /MFA/ },
  { kind: 'conditional_access_blocked', status: 'ConsentRequired', code: 'AADSTS53003', hint: /administrator/ },
];

for (const c of PERMANENT) {
  test(`fault ${c.kind}${c.aadsts ? ` (${c.aadsts})` : ''} → ${c.status} with its hint; the refresh token is kept`, async () => {
    const rt = await storedRefreshToken('inbox');
    const fault = env.emulator.admin.addFault({ kind: c.kind, ...(c.aadsts ? { aadsts: c.aadsts } : {}), times: 1 });
    const m = env.manager();
    try {
      await assert.rejects(m.getAccessToken('inbox', { forceRefresh: true }), (e: unknown) => {
        assert.ok(e instanceof AuthError);
        assert.equal(e.code, c.code);
        assert.match(e.hint, c.hint);
        assert.ok(e.details.traceId && e.details.correlationId, 'Microsoft ids kept');
        return true;
      });
    } finally {
      env.emulator.admin.removeFault(fault.id);
    }
    const report = await m.status('inbox');
    assert.equal(report.status, c.status);
    assert.equal(report.code, c.code);
    assert.ok(report.reason && report.reason.length > 0);
    assert.equal(await storedRefreshToken('inbox'), rt, 'never erased');
    // Callers now fail fast, without a request, with the status in the error.
    const count = env.emulator.stats().tokenRequests;
    await assert.rejects(m.getAccessToken('inbox', { forceRefresh: true }), (e: unknown) => e instanceof AuthError && e.code.startsWith('REFRESH_TOKEN_'));
    assert.equal(env.emulator.stats().tokenRequests, count);
    // `token refresh` after the cause is gone brings it back.
    await m.getAccessToken('inbox', { forceRefresh: true, retryBlocked: true });
    assert.equal((await m.status('inbox')).status, 'Available');
  });
}

const TRANSIENT: { name: string; spec: FaultSpecInput; code: string }[] = [
  { name: 'throttled (429 + Retry-After)', spec: { kind: 'throttled', retryAfterSeconds: 0 }, code: 'TOKEN_ENDPOINT_THROTTLED' },
  { name: '503 with AADSTS JSON', spec: { kind: 'server_error', status: 503, retryAfterSeconds: 0 }, code: 'TOKEN_ENDPOINT_UNAVAILABLE' },
  { name: '500 plain text', spec: { kind: 'server_error', status: 500, plain: true }, code: 'TOKEN_ENDPOINT_UNAVAILABLE' },
];

for (const c of TRANSIENT) {
  test(`transient ${c.name}: retried a bounded number of times, status and refresh token unchanged`, async () => {
    const rt = await storedRefreshToken('inbox');
    const versionBefore = (await env.store.getTokenState('inbox'))?.version;
    const fault = env.emulator.admin.addFault({ ...c.spec, grantType: 'refresh_token' });
    const before = refreshes();
    try {
      await assert.rejects(env.manager().getAccessToken('inbox', { forceRefresh: true }), (e: unknown) => {
        assert.ok(e instanceof AuthError);
        assert.equal(e.code, c.code);
        assert.equal(e.details.attempts, 3);
        return true;
      });
    } finally {
      env.emulator.admin.removeFault(fault.id);
    }
    assert.equal(refreshes() - before, 3, 'FAST_RETRY allows 3 attempts, no more');
    const state = await env.store.getTokenState('inbox');
    assert.equal(state?.status, 'Available');
    assert.equal(state?.version, versionBefore, 'state not written');
    assert.equal(await storedRefreshToken('inbox'), rt);
  });
}

test('a Retry-After longer than we are willing to wait ends the tries at once, status unchanged', async () => {
  // FAST_RETRY waits at most 5 s for a Retry-After; Microsoft asks for 60 here.
  const fault = env.emulator.admin.addFault({ kind: 'throttled', retryAfterSeconds: 60, grantType: 'refresh_token' });
  const before = refreshes();
  try {
    await assert.rejects(env.manager().getAccessToken('inbox', { forceRefresh: true }),
      (e: unknown) => e instanceof AuthError && e.code === 'TOKEN_ENDPOINT_THROTTLED' && /status is unchanged/.test(e.hint));
  } finally {
    env.emulator.admin.removeFault(fault.id);
  }
  assert.equal(refreshes() - before, 1);
  assert.equal((await env.store.getTokenState('inbox'))?.status, 'Available');
});

test('one transient failure then success: the retry gets the token', async () => {
  env.emulator.admin.addFault({ kind: 'server_error', status: 503, retryAfterSeconds: 0, times: 1, grantType: 'refresh_token' });
  const before = refreshes();
  const t = await env.manager().getAccessToken('inbox', { forceRefresh: true });
  assert.ok(t.token.reveal().length > 0);
  assert.equal(refreshes() - before, 2);
});

test('an unreachable token endpoint: status and refresh token unchanged', async () => {
  const resource = (await env.store.getResource('inbox'))!;
  await env.addResource({ name: 'offline', kind: 'imap' });
  await signIn(env, 'offline');
  const rt = await storedRefreshToken('offline');
  const off = await env.store.getResource('offline');
  await env.store.putResource({ ...off!, oauth: { ...off!.oauth!, tokenUrl: 'http://127.0.0.1:9/t/oauth2/v2.0/token' } });
  await assert.rejects(env.manager().getAccessToken('offline', { forceRefresh: true }),
    (e: unknown) => e instanceof AuthError && e.code === 'TOKEN_ENDPOINT_UNREACHABLE' && /kept/.test(e.hint));
  assert.equal((await env.store.getTokenState('offline'))?.status, 'Available');
  assert.equal(await storedRefreshToken('offline'), rt);
  assert.ok(resource);
});

test('revoke forgets tokens locally: status Missing, callers told to sign in', async () => {
  await env.addResource({ name: 'gone', kind: 'imap' });
  await signIn(env, 'gone');
  const m = env.manager();
  await m.revoke('gone');
  const report = await m.status('gone');
  assert.equal(report.status, 'Missing');
  assert.deepEqual(report.accessTokens, []);
  assert.equal((await env.store.getTokenState('gone'))?.refreshToken, undefined);
  await assert.rejects(m.getAccessToken('gone'), (e: unknown) => e instanceof AuthError && e.code === 'REFRESH_TOKEN_MISSING' && /mailbridge auth gone/.test(e.hint));
});

test('warnings: idle refresh token, secret expiring, scopes of another resource, audience unfit for the protocol', async () => {
  // Seen from the manager's clock 80 days ahead, this is 10 days away.
  const soon = new Date(Date.now() + 90 * DAY).toISOString();
  await env.addResource({ name: 'warned', kind: 'smtp', scope: 'https://outlook.office365.com/IMAP.AccessAsUser.All offline_access SMTP.Send', secretExpiresAt: soon });
  await signIn(env, 'warned');
  const idle = env.manager({ now: () => Date.now() + 80 * DAY });
  const report = await idle.status('warned');
  const all = report.warnings.join('\n');
  assert.match(all, /not been used for 8\d days/);
  assert.match(all, /client secret expires on/);
  assert.match(all, /SMTP\.Send \(https:\/\/graph\.microsoft\.com\)/);

  // Validation refuses this scope for IMAP now; a store written before (or by hand) may hold it.
  const valid = await env.addResource({ name: 'graph-for-imap', kind: 'imap' });
  await env.store.putResource({ ...valid, oauth: { ...valid.oauth!, scope: 'Mail.Read offline_access' } });
  await signIn(env, 'graph-for-imap');
  const m = env.manager();
  const r2 = await m.status('graph-for-imap');
  assert.match(r2.warnings.join('\n'), /IMAP needs https:\/\/outlook\.office365\.com/);
  // And the check the protocols run before a login catches the Graph token.
  const t = await m.getAccessToken('graph-for-imap');
  assert.throws(() => assertTokenFitsProtocol(decodeAccessTokenClaims(t.token), 'imap', SANDBOX.alice),
    (e: unknown) => e instanceof AuthError && e.code === 'TOKEN_WRONG_AUDIENCE');
});

test('sealing: no token or secret in plaintext in the database file or the logs', async () => {
  for (const name of ['inbox', 'offline', 'warned']) {
    seen.add(await storedRefreshToken(name));
    const at = await env.store.getAccessToken(name, OUTLOOK_RESOURCE);
    if (at) seen.add(at.token.reveal());
  }
  const files = [env.dbPath, `${env.dbPath}-wal`];
  let bytes = '';
  for (const f of files) bytes += await readFile(f, 'latin1').catch(() => '');
  assert.ok(bytes.length > 0);
  const logs = env.logs();
  assert.ok(logs.includes('trace_id'), 'logs keep Microsoft ids');
  for (const secret of seen) {
    assert.equal(bytes.includes(secret), false, 'a secret is readable in the database file');
    assert.equal(logs.includes(secret), false, 'a secret is in the logs');
    // Tokens are long; a fragment would be as bad.
    if (secret.length > 40) assert.equal(logs.includes(secret.slice(10, 40)), false);
  }
});
