import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../../src/errors.js';
import { Secret } from '../../src/secret.js';
import { openStore } from '../../src/store/open.js';

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

test('openStore: a postgres URL is refused with a hint; nothing created', async () => {
  const home = join(mkdtempSync(join(tmpdir(), 'mb-open-')), 'home');
  await assert.rejects(openStore({ home, env: { MAILBRIDGE_DATABASE_URL: 'postgres://u@db/mb' } }), (e: unknown) =>
    e instanceof ConfigError && /PostgreSQL/.test(e.message) && /unset MAILBRIDGE_DATABASE_URL/.test(e.hint));
  assert.throws(() => statSync(home));
});
