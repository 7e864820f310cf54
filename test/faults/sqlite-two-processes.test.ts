/**
 * Fault suite: two PROCESSES on one SQLite store file refresh the same rotating refresh token
 * at the same moment. (test/auth/cross-instance.test.ts proves this for PostgreSQL, where an
 * advisory lock makes it one request; test/auth/token-manager.test.ts for two managers in one
 * process.) SQLite has no cross-process lock: both may refresh, and the compare-and-set on the
 * token state's version decides what is kept. Both must succeed; the store must end with a
 * refresh token one of them was just given (never the old one written back, never lost), and
 * that token must still refresh.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';
import { TokenManager } from '../../src/auth/token-manager.js';
import { OUTLOOK_RESOURCE } from '../../src/auth/scopes.js';
import { createSealer } from '../../src/store/seal.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { PROJECT_ROOT, putEmulatorResource, signIn, startAuthTestEnv, type AuthTestEnv } from '../auth/support.js';

const FIXTURE = fileURLToPath(new URL('./sqlite-refresh.fixture.ts', import.meta.url));
let env: AuthTestEnv;
let dir: string;
let dbPath: string;
let store: Store;
const key = randomBytes(32);
const refreshes = (): number => env.emulator.stats().tokenRequestsByGrant.refresh_token ?? 0;

before(async () => {
  env = await startAuthTestEnv();
  dir = await mkdtemp(join(tmpdir(), 'mb-faults-sqlite-'));
  dbPath = join(dir, 'shared.db');
  store = openSqliteStore({ path: dbPath, sealer: createSealer(key) });
  await putEmulatorResource(store, env.emulator, { name: 'shared', kind: 'imap' });
  await signIn(env, 'shared', { manager: new TokenManager({ store }) });
}, { timeout: 60_000 });
after(async () => {
  await store?.close();
  await env?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface ChildResult { accessToken: string; received: string[] }

/** Starts a fixture process; resolves `ready` once it has opened the store. */
function startChild(): { ready: Promise<void>; go(): void; done: Promise<ChildResult> } {
  const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dbPath, key.toString('base64'), 'shared'], { cwd: PROJECT_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => { markReady = resolve; });
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); if (out.startsWith('ready\n')) markReady(); });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const done = new Promise<ChildResult>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`fixture timed out: ${out} ${err}`)); }, 45_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`fixture exited ${code}: ${err}`));
      resolve(JSON.parse(out.slice('ready\n'.length)) as ChildResult);
    });
  });
  return { ready, go: () => child.stdin.end('go\n'), done };
}

for (let round = 1; round <= 2; round++) {
  test(`round ${round}: both processes succeed; the stored refresh token is one just issued, and it refreshes`, { timeout: 60_000 }, async () => {
    const cached = await store.getAccessToken('shared', OUTLOOK_RESOURCE);
    assert.ok(cached);
    await store.putAccessToken('shared', { ...cached, expiresAt: Date.now() - 1 });
    const before = await store.getTokenState('shared');
    const requests = refreshes();

    const children = [startChild(), startChild()];
    await Promise.all(children.map((c) => c.ready));
    for (const c of children) c.go();
    const [a, b] = await Promise.all(children.map((c) => c.done));
    assert.ok(a!.accessToken.length > 0 && b!.accessToken.length > 0, 'both got an access token');

    const issued = new Set([...a!.received, ...b!.received]);
    const made = refreshes() - requests;
    assert.equal(issued.size, made, 'each refresh request handed out one new refresh token');
    assert.ok(made >= 1 && made <= 2, `${made} refresh requests`);
    const after = await store.getTokenState('shared');
    const stored = after?.refreshToken?.reveal();
    assert.ok(stored, 'a refresh token is stored');
    assert.notEqual(stored, before?.refreshToken?.reveal(), 'the old refresh token was not written back');
    assert.ok(issued.has(stored), 'the stored refresh token is one of those just issued');
    assert.equal(after?.status, 'Available');
    assert.ok((after?.version ?? 0) > (before?.version ?? 0));
    console.log(`# sqlite round ${round}: ${made} refresh request(s); token state version ${before?.version} → ${after?.version}`);

    // The kept token works: refresh with it (a third process's view: a fresh manager).
    const r = await new TokenManager({ store }).getAccessToken('shared', { forceRefresh: true });
    assert.ok(r.token.reveal().length > 0);
  });
}
