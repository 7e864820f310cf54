/**
 * Token refresh across instances sharing one PostgreSQL store: one refresh per resource
 * cluster-wide, waiting instances reuse the token another just obtained, and the rotated
 * refresh token stored is the newest. Each "instance" is a TokenManager on its own store
 * (its own connection pools), as separate processes would have.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { TokenManager } from '../../src/auth/token-manager.js';
import { OUTLOOK_RESOURCE } from '../../src/auth/scopes.js';
import type { Store } from '../../src/store/store.js';
import { freshDatabase, type TestDatabase } from '../store/databases.js';
import { FAST_RETRY, putEmulatorResource, signIn, startAuthTestEnv, type AuthTestEnv } from './support.js';

let env: AuthTestEnv;
let db: TestDatabase;
const key = randomBytes(32);
const stores: Store[] = [];
const refreshes = (): number => env.emulator.stats().tokenRequestsByGrant.refresh_token ?? 0;

before(async () => {
  env = await startAuthTestEnv();
  db = await freshDatabase('postgres');
  for (let i = 0; i < 5; i++) stores.push(await db.open(key));
  await putEmulatorResource(stores[0]!, env.emulator, { name: 'shared', kind: 'imap' });
  await signIn(env, 'shared', { manager: new TokenManager({ store: stores[0]!, retry: FAST_RETRY }) });
});
after(async () => {
  for (const s of stores) await s.close();
  await db?.drop();
  await env?.close();
});

/** Makes the cached access token stale for everyone: the next callers must refresh. */
async function expireCachedToken(store: Store): Promise<void> {
  const cached = await store.getAccessToken('shared', OUTLOOK_RESOURCE);
  assert.ok(cached, 'an access token is cached');
  await store.putAccessToken('shared', { ...cached, expiresAt: Date.now() - 1 });
}

test('50 concurrent refreshes across 5 instances of one rotating token: one token request, newest refresh token stored', { timeout: 30_000 }, async () => {
  const managers = stores.map((store) => new TokenManager({ store, retry: FAST_RETRY }));
  for (let round = 1; round <= 2; round++) {
    await expireCachedToken(stores[0]!);
    const stateBefore = await stores[0]!.getTokenState('shared');
    const requestsBefore = refreshes();
    const tokens = await Promise.all(Array.from({ length: 50 }, (_, i) => managers[i % managers.length]!.getAccessToken('shared')));
    assert.equal(refreshes() - requestsBefore, 1, `round ${round}: exactly one refresh request reached the identity emulator`);
    assert.equal(new Set(tokens.map((t) => t.token.reveal())).size, 1, 'every instance got the token the one refresh obtained');
    const stateAfter = await stores[0]!.getTokenState('shared');
    assert.equal(stateAfter?.version, (stateBefore?.version ?? 0) + 1, 'the token state was written once');
    assert.notEqual(stateAfter?.refreshToken?.reveal(), stateBefore?.refreshToken?.reveal(), 'the rotated refresh token replaced the old one');
    assert.equal(stateAfter?.status, 'Available');
  }
  // The stored (newest) refresh token works.
  const forced = await managers[3]!.getAccessToken('shared', { forceRefresh: true });
  assert.ok(forced.token.reveal().length > 0);
});

test('concurrent refreshes from separate processes on the same database: one token request', { timeout: 60_000 }, async () => {
  const fixture = fileURLToPath(new URL('./cross-instance.fixture.ts', import.meta.url));
  await expireCachedToken(stores[0]!);
  const stateBefore = await stores[0]!.getTokenState('shared');
  const requestsBefore = refreshes();
  const children = Array.from({ length: 3 }, () => spawn(process.execPath, ['--import', 'tsx', fixture, db.url, key.toString('base64'), 'shared', '10'],
    { stdio: ['pipe', 'pipe', 'pipe'], timeout: 45_000 }));
  const results = children.map((child) => new Promise<{ stdout: string }>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve({ stdout }) : reject(new Error(`instance process exited ${code}: ${stderr}`))));
  }));
  // Every process has its store open and is waiting: then all go at once.
  await Promise.all(children.map((child) => new Promise<void>((resolve) => {
    const onData = (d: Buffer) => { if (d.toString().includes('ready')) { child.stderr.off('data', onData); resolve(); } };
    child.stderr.on('data', onData);
  })));
  for (const child of children) child.stdin.end('go\n');
  const outputs = await Promise.all(results);
  const got = outputs.map((o) => JSON.parse(o.stdout) as { tokens: string[] });
  const all = new Set(got.flatMap((g) => g.tokens));
  assert.equal(refreshes() - requestsBefore, 1, 'one refresh request for three processes');
  assert.equal(all.size, 1, 'every process got the same access token');
  const stateAfter = await stores[0]!.getTokenState('shared');
  assert.equal(stateAfter?.version, (stateBefore?.version ?? 0) + 1);
});
