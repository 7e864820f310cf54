import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { Secret } from '../../src/secret.js';
import { createSealer } from '../../src/store/seal.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { resource, storeSuite } from './suite.js';

describe('store suite on SQLite', () => storeSuite('sqlite'));
describe('store suite on PostgreSQL', () => storeSuite('postgres'));

// What only a file on disk has: its mode, and a WAL beside it.
test('sqlite: nothing secret in the db file or its WAL; files are 0600', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'mb-store-')), 'mailbridge.db');
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

test('sqlite: the in-memory store works too', async () => {
  const store = openSqliteStore({ path: ':memory:', sealer: createSealer(randomBytes(32)) });
  await store.putResource(resource('m'));
  assert.deepEqual((await store.listResources()).map((r) => r.name), ['m']);
  await store.close();
});
