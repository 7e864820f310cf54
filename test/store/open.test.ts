import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, StoreError } from '../../src/errors.js';
import { Secret } from '../../src/secret.js';
import { databaseTarget, openStore } from '../../src/store/open.js';
import { freshDatabase } from './databases.js';

test('openStore: SQLite in the home, key file created, data survives reopening', async () => {
  const home = join(mkdtempSync(join(tmpdir(), 'mb-open-')), 'home');
  const a = await openStore({ home, env: {} });
  await a.putSecret('r', 'client_secret', new Secret('kept'));
  await a.close();
  assert.equal(statSync(join(home, 'mailbridge.db')).mode & 0o777, 0o600);
  assert.equal(statSync(join(home, 'key')).mode & 0o777, 0o600);
  const b = await openStore({ home, env: {} });
  assert.equal((await b.getSecret('r', 'client_secret'))?.reveal(), 'kept');
  await b.close();
});

test('openStore: MAILBRIDGE_DATABASE_URL=postgres://… opens PostgreSQL; data is shared by every instance', async () => {
  const db = await freshDatabase('postgres');
  const home = join(mkdtempSync(join(tmpdir(), 'mb-open-')), 'home');
  const env = { MAILBRIDGE_DATABASE_URL: db.url.replace(/^postgres:/, 'postgresql:'), MAILBRIDGE_KEY: randomBytes(32).toString('base64') };
  try {
    assert.equal(databaseTarget({ home, env }).kind, 'postgres');
    const a = await openStore({ home, env });
    const b = await openStore({ home, env });
    await a.putSecret('r', 'client_secret', new Secret('shared'));
    assert.equal((await b.getSecret('r', 'client_secret'))?.reveal(), 'shared');
    await a.close();
    await b.close();
    assert.ok(!existsSync(join(home, 'mailbridge.db')), 'no SQLite file was made');
  } finally {
    await db.drop();
  }
});

test('openStore: an unreachable PostgreSQL is a StoreError naming the setting to check, password hidden', async () => {
  const home = join(mkdtempSync(join(tmpdir(), 'mb-open-')), 'home');
  const env = { MAILBRIDGE_DATABASE_URL: 'postgres://mb:hunter2@127.0.0.1:1/mb', MAILBRIDGE_KEY: randomBytes(32).toString('base64') };
  await assert.rejects(openStore({ home, env }), (e: unknown) =>
    e instanceof StoreError && e.code === 'STORE_OPEN_FAILED' && /MAILBRIDGE_DATABASE_URL/.test(e.hint) && !e.message.includes('hunter2'));
});

test('openStore: sqlite:PATH is used as is; an unknown scheme is refused with a hint and nothing created', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mb-open-'));
  assert.deepEqual(databaseTarget({ home: dir, env: { MAILBRIDGE_DATABASE_URL: `sqlite:${dir}/x.db` } }), { kind: 'sqlite', path: `${dir}/x.db` });
  const home = join(dir, 'home');
  await assert.rejects(openStore({ home, env: { MAILBRIDGE_DATABASE_URL: 'mysql://u@db/mb' } }), (e: unknown) =>
    e instanceof ConfigError && e.field === 'MAILBRIDGE_DATABASE_URL' && /postgres:\/\//.test(e.hint));
  assert.throws(() => statSync(home));
});
