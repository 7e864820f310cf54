import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { applyPreset } from '../../src/config/presets.js';
import { parseResource } from '../../src/config/validate.js';
import { StoreError } from '../../src/errors.js';
import { Secret } from '../../src/secret.js';
import { createSealer } from '../../src/store/seal.js';
import { openSqliteStore } from '../../src/store/sqlite.js';

const T = '8c3f2a1e-5b7d-4e9a-9f10-2d6c4b8a7e01';
const resource = (name: string) => parseResource(applyPreset({ name, kind: 'imap', tenantId: T, clientId: 'cid', user: 'alice@contoso.onmicrosoft.com' }));
const tmp = () => join(mkdtempSync(join(tmpdir(), 'mb-store-')), 'mailbridge.db');

test('resources round trip, list sorted, delete removes secrets and tokens', async () => {
  const store = openSqliteStore({ path: ':memory:', sealer: createSealer(randomBytes(32)) });
  await store.putResource(resource('b'));
  await store.putResource(resource('a'));
  assert.deepEqual(await store.getResource('a'), resource('a'));
  assert.deepEqual((await store.listResources()).map((r) => r.name), ['a', 'b']);
  await store.putSecret('a', 'client_secret', new Secret('s1'));
  await store.compareAndSetTokenState('a', 0, { status: 'Available', refreshToken: new Secret('rt') });
  await store.putAccessToken('a', { audience: 'https://outlook.office365.com', token: new Secret('at'), expiresAt: 5 });
  assert.equal(await store.deleteResource('a'), true);
  assert.equal(await store.deleteResource('a'), false);
  assert.equal(await store.getSecret('a', 'client_secret'), undefined);
  assert.equal(await store.getTokenState('a'), undefined);
  assert.equal(await store.getAccessToken('a', 'https://outlook.office365.com'), undefined);
  await store.close();
});

test('secrets, token state and access tokens round trip as Secrets', async () => {
  const store = openSqliteStore({ path: ':memory:', sealer: createSealer(randomBytes(32)) });
  await store.putSecret('r', 'client_secret', new Secret('client-secret'));
  assert.equal((await store.getSecret('r', 'client_secret'))?.reveal(), 'client-secret');
  const s1 = await store.compareAndSetTokenState('r', 0, { status: 'Available', refreshToken: new Secret('rt-1'), grantedScope: 'IMAP.AccessAsUser.All', refreshTokenIssuedAt: 1000 });
  assert.equal(s1?.version, 1);
  const got = await store.getTokenState('r');
  assert.equal(got?.refreshToken?.reveal(), 'rt-1');
  assert.equal(got?.status, 'Available');
  assert.equal(got?.grantedScope, 'IMAP.AccessAsUser.All');
  assert.equal(got?.refreshTokenIssuedAt, 1000);
  await store.putAccessToken('r', { audience: 'aud', token: new Secret('at-1'), expiresAt: 99, scope: 's' });
  const at = await store.getAccessToken('r', 'aud');
  assert.equal(at?.token.reveal(), 'at-1');
  assert.deepEqual([at?.expiresAt, at?.scope], [99, 's']);
  await store.deleteAccessTokens('r');
  assert.equal(await store.getAccessToken('r', 'aud'), undefined);
  await store.close();
});

test('compareAndSet: a stale version loses and never overwrites the newer token', async () => {
  const path = tmp();
  const key = randomBytes(32);
  const a = openSqliteStore({ path, sealer: createSealer(key) });
  const b = openSqliteStore({ path, sealer: createSealer(key) });
  await a.compareAndSetTokenState('r', 0, { status: 'Available', refreshToken: new Secret('rt-0') });
  // Both connections read version 1, both try to rotate: exactly one wins.
  const [va, vb] = [(await a.getTokenState('r'))!.version, (await b.getTokenState('r'))!.version];
  const wa = await a.compareAndSetTokenState('r', va, { status: 'Available', refreshToken: new Secret('rt-a') });
  const wb = await b.compareAndSetTokenState('r', vb, { status: 'Available', refreshToken: new Secret('rt-b') });
  assert.equal(wa?.version, 2);
  assert.equal(wb, undefined);
  assert.equal((await b.getTokenState('r'))?.refreshToken?.reveal(), 'rt-a');
  assert.equal(await a.compareAndSetTokenState('new', 1, { status: 'Missing' }), undefined, 'no row yet means version 0');
  await a.close();
  await b.close();
});

test('compareAndSet across processes: no lost update', async () => {
  const path = tmp();
  const key = randomBytes(32);
  const fixture = fileURLToPath(new URL('./cas-writer.fixture.ts', import.meta.url));
  await openSqliteStore({ path, sealer: createSealer(key) }).close();
  const run = promisify(execFile);
  const writers = 4;
  const each = 25;
  await Promise.all(Array.from({ length: writers }, () => run(process.execPath, ['--import', 'tsx', fixture, path, key.toString('base64'), String(each)])));
  const store = openSqliteStore({ path, sealer: createSealer(key) });
  const state = await store.getTokenState('shared');
  assert.equal(state?.grantedScope, String(writers * each));
  assert.equal(state?.version, writers * each);
  await store.close();
});

test('pending consent is taken once; an expired one is refused', async () => {
  let now = 1_000;
  const store = openSqliteStore({ path: ':memory:', sealer: createSealer(randomBytes(32)), now: () => now });
  await store.putPendingConsent({ state: 's1', resource: 'r', codeVerifier: new Secret('verifier-1'), redirectUri: 'https://localhost', createdAt: now, expiresAt: now + 600_000 });
  const [first, second] = await Promise.all([store.takePendingConsent('s1'), store.takePendingConsent('s1')]);
  assert.equal([first, second].filter(Boolean).length, 1);
  assert.equal((first ?? second)?.codeVerifier?.reveal(), 'verifier-1');
  assert.equal(await store.takePendingConsent('unknown'), undefined);
  await store.putPendingConsent({ state: 's2', resource: 'r', redirectUri: 'https://localhost', createdAt: now, expiresAt: now + 10 });
  now += 11;
  assert.equal(await store.takePendingConsent('s2'), undefined);
  await store.close();
});

test('nothing secret in the db file or its WAL; files are 0600', async () => {
  const path = tmp();
  const store = openSqliteStore({ path, sealer: createSealer(randomBytes(32)) });
  const secrets = ['CLIENT-SECRET-PLAINTEXT-1234567890', 'REFRESH-TOKEN-PLAINTEXT-abcdefghij', 'ACCESS-TOKEN-PLAINTEXT-zyxwvutsrq', 'PKCE-VERIFIER-PLAINTEXT-0000000'];
  await store.putResource(resource('r'));
  await store.putSecret('r', 'client_secret', new Secret(secrets[0]!));
  await store.compareAndSetTokenState('r', 0, { status: 'Available', refreshToken: new Secret(secrets[1]!) });
  await store.putAccessToken('r', { audience: 'aud', token: new Secret(secrets[2]!), expiresAt: Date.now() + 1e6 });
  await store.putPendingConsent({ state: 'st', resource: 'r', codeVerifier: new Secret(secrets[3]!), redirectUri: 'https://localhost', createdAt: Date.now(), expiresAt: Date.now() + 1e6 });
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    assert.ok(existsSync(file), `${file} exists while open`);
    assert.equal(statSync(file).mode & 0o777, 0o600, file);
    const bytes = readFileSync(file).toString('latin1');
    for (const s of secrets) assert.ok(!bytes.includes(s), `${s} not in ${file}`);
  }
  assert.ok(readFileSync(`${path}-wal`).toString('latin1').includes('alice@contoso.onmicrosoft.com'), 'the WAL was written (the check above looked at real data)');
  await store.close();
  const bytes = readFileSync(path).toString('latin1');
  for (const s of secrets) assert.ok(!bytes.includes(s));
});

test('tampered row and wrong key are detected on read', async () => {
  const path = tmp();
  const key = randomBytes(32);
  const store = openSqliteStore({ path, sealer: createSealer(key) });
  await store.putSecret('r', 'client_secret', new Secret('value'));
  await store.putSecret('other', 'client_secret', new Secret('other'));
  await store.close();
  const wrong = openSqliteStore({ path, sealer: createSealer(randomBytes(32)) });
  await assert.rejects(wrong.getSecret('r', 'client_secret'), (e: unknown) => e instanceof StoreError && e.code === 'SEAL_WRONG_KEY');
  await wrong.close();
  // Copy one resource's sealed secret onto another's row, with better-sqlite3 directly.
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(path);
  db.prepare("UPDATE secrets SET sealed = (SELECT sealed FROM secrets WHERE resource = 'other') WHERE resource = 'r'").run();
  db.close();
  const right = openSqliteStore({ path, sealer: createSealer(key) });
  await assert.rejects(right.getSecret('r', 'client_secret'), (e: unknown) => e instanceof StoreError && e.code === 'SEAL_TAMPERED');
  await right.close();
});
