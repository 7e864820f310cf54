/**
 * Issue 11, item 8, on both stores: mailbridge refuses to start when sealed rows exist and the
 * key is missing or different (the old code silently made a new key), and `key rotate`
 * re-seals everything with a new key in one transaction. SQLite keeps its key in the home's
 * key file, PostgreSQL here in MAILBRIDGE_KEY, so both key sources are exercised.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { StoreError } from '../../src/errors.js';
import { Secret } from '../../src/secret.js';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { openStore } from '../../src/store/open.js';
import { rotateSealingKey } from '../../src/store/rotate-key.js';
import { SEALED_COLUMNS } from '../../src/store/sealed-columns.js';
import type { Store } from '../../src/store/store.js';
import { freshDatabase, type BackendName, type TestDatabase } from './databases.js';

interface Setup {
  db: TestDatabase;
  home: string;
  env: NodeJS.ProcessEnv;
}

async function setup(backend: BackendName): Promise<Setup> {
  const db = await freshDatabase(backend);
  const home = join(mkdtempSync(join(tmpdir(), 'mb-keycheck-')), 'home');
  const env: NodeJS.ProcessEnv = {
    MAILBRIDGE_DATABASE_URL: db.url,
    ...(backend === 'postgres' ? { MAILBRIDGE_KEY: randomBytes(32).toString('base64') } : {}),
  };
  return { db, home, env };
}

/** A value in every sealed column. */
async function fill(store: Store): Promise<void> {
  await store.putSecret('a', 'client_secret', new Secret('secret-a'));
  await store.putSecret('b', 'client_secret', new Secret('secret-b'));
  await store.compareAndSetTokenState('a', 0, { status: 'Available', refreshToken: new Secret('refresh-a') });
  await store.putAccessToken('a', {
    audience: 'https://outlook.office.com',
    token: new Secret('access-a'),
    expiresAt: Date.now() + 3600_000,
  });
  await store.putPendingConsent({
    state: 's1',
    resource: 'a',
    codeVerifier: new Secret('verifier-a'),
    redirectUri: 'http://127.0.0.1',
    createdAt: Date.now(),
    expiresAt: Date.now() + 600_000,
  });
  await store.putTriggerSecret('t', new Secret('hook-secret'));
}

async function readAll(store: Store): Promise<string[]> {
  return [
    (await store.getSecret('a', 'client_secret'))?.reveal(),
    (await store.getSecret('b', 'client_secret'))?.reveal(),
    (await store.getTokenState('a'))?.refreshToken?.reveal(),
    (await store.getAccessToken('a', 'https://outlook.office.com'))?.token.reveal(),
    (await store.getTriggerSecret('t'))?.reveal(),
  ].map(String);
}
const VALUES = ['secret-a', 'secret-b', 'refresh-a', 'access-a', 'hook-secret'];

const keySource = (s: Setup): string => (s.env.MAILBRIDGE_KEY ? 'MAILBRIDGE_KEY' : join(s.home, 'key'));

function setKey(s: Setup, key: Buffer): void {
  if (s.env.MAILBRIDGE_KEY) s.env.MAILBRIDGE_KEY = key.toString('base64');
  else writeFileSync(join(s.home, 'key'), `${key.toString('base64')}\n`, { mode: 0o600 });
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`the sealing key (${backend})`, () => {
    test('a missing key is refused (and not replaced) while sealed rows exist', async () => {
      const s = await setup(backend);
      try {
        const store = await openStore(s);
        await fill(store);
        await store.close();
        if (s.env.MAILBRIDGE_KEY) delete s.env.MAILBRIDGE_KEY;
        else rmSync(join(s.home, 'key'));
        await assert.rejects(
          openStore(s),
          (e: unknown) =>
            e instanceof StoreError &&
            e.code === 'KEY_MISSING' &&
            /restore the key file/.test(e.hint) &&
            !e.message.includes('\n'),
        );
        assert.equal(existsSync(join(s.home, 'key')), false, 'no new key was made');
      } finally {
        await s.db.drop();
      }
    });

    test('another key is refused at start, naming where the key came from', async () => {
      const s = await setup(backend);
      try {
        const store = await openStore(s);
        await fill(store);
        await store.close();
        setKey(s, randomBytes(32));
        await assert.rejects(
          openStore(s),
          (e: unknown) => e instanceof StoreError && e.code === 'KEY_MISMATCH' && e.message.includes(keySource(s)),
        );
      } finally {
        await s.db.drop();
      }
    });

    test('key rotate re-seals every sealed value; the new key opens them, the old one is refused', async () => {
      const s = await setup(backend);
      try {
        const store = await openStore(s);
        await fill(store);
        await store.close();
        const oldEnv = { ...s.env };
        const oldFile = s.env.MAILBRIDGE_KEY ? undefined : readFileSync(join(s.home, 'key'), 'utf8');
        let newKey: Buffer | undefined;
        if (s.env.MAILBRIDGE_KEY) {
          await assert.rejects(
            rotateSealingKey(s),
            (e: unknown) => (e as { code?: string }).code === 'KEY_NEW_REQUIRED',
          );
          newKey = randomBytes(32);
        }
        const r = await rotateSealingKey({ ...s, ...(newKey ? { newKeyText: newKey.toString('base64') } : {}) });
        assert.equal(r.resealed, 6);
        if (newKey) s.env.MAILBRIDGE_KEY = newKey.toString('base64');
        else {
          assert.notEqual(readFileSync(join(s.home, 'key'), 'utf8'), oldFile);
          assert.equal(existsSync(join(s.home, 'key.new')), false);
        }
        const again = await openStore(s);
        assert.deepEqual(await readAll(again), VALUES);
        assert.equal((await again.takePendingConsent('s1'))?.codeVerifier?.reveal(), 'verifier-a');
        assert.equal((await again.sealedKeyTags()).length, 1);
        await again.close();
        if (oldFile !== undefined) writeFileSync(join(s.home, 'key'), oldFile, { mode: 0o600 });
        await assert.rejects(
          openStore(oldFile !== undefined ? s : { ...s, env: oldEnv }),
          (e: unknown) => e instanceof StoreError && e.code === 'KEY_MISMATCH',
        );
      } finally {
        await s.db.drop();
      }
    });

    test('key rotate is all or nothing: one value that does not open leaves every value under the old key', async () => {
      const s = await setup(backend);
      try {
        const store = await openStore(s);
        await fill(store);
        await store.putSecret('c', 'client_secret', new Secret('secret-c'));
        await store.close();
        // Resource c's sealed secret moved onto another row: its AAD no longer matches, so it fails to open.
        await s.db.exec(
          "UPDATE secrets SET sealed = (SELECT sealed FROM secrets WHERE resource = 'a') WHERE resource = 'c'",
        );
        await assert.rejects(
          rotateSealingKey({ ...s, newKeyText: randomBytes(32).toString('base64') }),
          (e: unknown) => e instanceof StoreError && e.code === 'SEAL_TAMPERED',
        );
        assert.equal(
          existsSync(join(s.home, 'key.new')),
          false,
          'the pending new key is gone with the rolled-back transaction',
        );
        const after = await openStore(s);
        assert.deepEqual(await readAll(after), VALUES, 'the old key still opens everything');
        await after.close();
      } finally {
        await s.db.drop();
      }
    });

    test('key rotate is refused while a service instance is live on the store', async () => {
      const s = await setup(backend);
      try {
        const store = await openStore(s);
        await fill(store);
        await store.heartbeat('serve-1', 60_000);
        await store.close();
        await assert.rejects(
          rotateSealingKey({ ...s, newKeyText: randomBytes(32).toString('base64') }),
          (e: unknown) => e instanceof StoreError && e.code === 'KEY_ROTATE_BUSY' && /stop every/.test(e.hint),
        );
      } finally {
        await s.db.drop();
      }
    });
  });
}

test('every sealed column of the schema is in SEALED_COLUMNS (the key check and rotation cover it)', () => {
  const listed = new Set(SEALED_COLUMNS.map((c) => `${c.table}.${c.column}`));
  for (const m of MIGRATIONS) {
    for (const sql of m.statements) {
      const table = /(?:CREATE TABLE|ALTER TABLE)\s+(\w+)/i.exec(sql)?.[1];
      for (const col of sql.matchAll(/\b(sealed\w*)\s+TEXT/gi))
        assert.ok(listed.has(`${table}.${col[1]}`), `${table}.${col[1]} is listed`);
    }
  }
});
