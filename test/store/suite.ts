/**
 * The behavioural suite of the Store interface, run on SQLite and on PostgreSQL
 * (backends.test.ts): whatever a caller can observe must be the same on both.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { applyPreset } from '../../src/config/presets.js';
import { parseResource } from '../../src/config/validate.js';
import { StoreError } from '../../src/errors.js';
import { Secret } from '../../src/secret.js';
import type { Store } from '../../src/store/store.js';
import { parseTriggerDefinition } from '../../src/config/trigger.js';
import { freshDatabase, type BackendName, type TestDatabase } from './databases.js';

const T = '8c3f2a1e-5b7d-4e9a-9f10-2d6c4b8a7e01';
export const resource = (name: string) => parseResource(applyPreset({ name, kind: 'imap', tenantId: T, clientId: 'cid', user: 'alice@contoso.onmicrosoft.com' }));
const trigger = (name: string) => parseTriggerDefinition({ name, resource: 'in', target: { kind: 'handler', name: 'h' } });

/** Runs `body` with a fresh database and a store on it; both are closed and dropped after. */
async function withStore(backend: BackendName, body: (store: Store, db: TestDatabase, key: Buffer) => Promise<void>, opts: { now?: () => number } = {}): Promise<void> {
  const db = await freshDatabase(backend);
  const key = randomBytes(32);
  const store = await db.open(key, opts);
  try {
    await body(store, db, key);
  } finally {
    await store.close();
    await db.drop();
  }
}

export function storeSuite(backend: BackendName): void {
  const t = (name: string, fn: () => Promise<void>) => test(`${backend}: ${name}`, { timeout: 30_000 }, fn);

  t('resources round trip, list sorted, delete removes secrets and tokens', () => withStore(backend, async (store) => {
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
  }));

  t('secrets, token state and access tokens round trip as Secrets', () => withStore(backend, async (store) => {
    await store.putSecret('r', 'client_secret', new Secret('client-secret'));
    assert.equal((await store.getSecret('r', 'client_secret'))?.reveal(), 'client-secret');
    const s1 = await store.compareAndSetTokenState('r', 0, { status: 'Available', refreshToken: new Secret('rt-1'), grantedScope: 'IMAP.AccessAsUser.All', refreshTokenIssuedAt: 1000 });
    assert.equal(s1?.version, 1);
    const got = await store.getTokenState('r');
    assert.equal(got?.refreshToken?.reveal(), 'rt-1');
    assert.equal(got?.status, 'Available');
    assert.equal(got?.grantedScope, 'IMAP.AccessAsUser.All');
    assert.equal(got?.refreshTokenIssuedAt, 1000);
    assert.equal(typeof got?.version, 'number', 'versions are numbers on every backend');
    await store.putAccessToken('r', { audience: 'aud', token: new Secret('at-1'), expiresAt: 99, scope: 's' });
    const at = await store.getAccessToken('r', 'aud');
    assert.equal(at?.token.reveal(), 'at-1');
    assert.deepEqual([at?.expiresAt, at?.scope], [99, 's']);
    await store.deleteAccessTokens('r');
    assert.equal(await store.getAccessToken('r', 'aud'), undefined);
  }));

  t('compareAndSet: a stale version loses and never overwrites the newer token', () => withStore(backend, async (a, db, key) => {
    const b = await db.open(key);
    try {
      await a.compareAndSetTokenState('r', 0, { status: 'Available', refreshToken: new Secret('rt-0') });
      // Both connections read version 1, both try to rotate: exactly one wins.
      const [va, vb] = [(await a.getTokenState('r'))!.version, (await b.getTokenState('r'))!.version];
      const wa = await a.compareAndSetTokenState('r', va, { status: 'Available', refreshToken: new Secret('rt-a') });
      const wb = await b.compareAndSetTokenState('r', vb, { status: 'Available', refreshToken: new Secret('rt-b') });
      assert.equal(wa?.version, 2);
      assert.equal(wb, undefined);
      assert.equal((await b.getTokenState('r'))?.refreshToken?.reveal(), 'rt-a');
      assert.equal(await a.compareAndSetTokenState('new', 1, { status: 'Missing' }), undefined, 'no row yet means version 0');
      // At the same moment, from two stores: still exactly one winner, first row included.
      const both = await Promise.all([a, b].map((s, i) => s.compareAndSetTokenState('race', 0, { status: 'Available', grantedScope: String(i) })));
      assert.equal(both.filter(Boolean).length, 1);
    } finally {
      await b.close();
    }
  }));

  t('compareAndSet across processes: no lost update', () => withStore(backend, async (store, db, key) => {
    await store.close();
    const fixture = fileURLToPath(new URL('./cas-writer.fixture.ts', import.meta.url));
    const run = promisify(execFile);
    const writers = 4;
    const each = 25;
    await Promise.all(Array.from({ length: writers }, () => run(process.execPath, ['--import', 'tsx', fixture, db.url, key.toString('base64'), String(each)])));
    const again = await db.open(key);
    try {
      const state = await again.getTokenState('shared');
      assert.equal(state?.grantedScope, String(writers * each));
      assert.equal(state?.version, writers * each);
    } finally {
      await again.close();
    }
  }));

  t('pending consent is taken once; an expired one is refused', async () => {
    let now = 1_000;
    await withStore(backend, async (store) => {
      await store.putPendingConsent({ state: 's1', resource: 'r', codeVerifier: new Secret('verifier-1'), redirectUri: 'https://localhost', createdAt: now, expiresAt: now + 600_000 });
      const [first, second] = await Promise.all([store.takePendingConsent('s1'), store.takePendingConsent('s1')]);
      assert.equal([first, second].filter(Boolean).length, 1);
      assert.equal((first ?? second)?.codeVerifier?.reveal(), 'verifier-1');
      assert.equal(await store.takePendingConsent('unknown'), undefined);
      await store.putPendingConsent({ state: 's2', resource: 'r', redirectUri: 'https://localhost', createdAt: now, expiresAt: now + 10 });
      now += 11;
      assert.equal(await store.takePendingConsent('s2'), undefined);
    }, { now: () => now });
  });

  t('nothing secret in what the database stores', () => withStore(backend, async (store, db) => {
    const secrets = ['CLIENT-SECRET-PLAINTEXT-1234567890', 'REFRESH-TOKEN-PLAINTEXT-abcdefghij', 'ACCESS-TOKEN-PLAINTEXT-zyxwvutsrq',
      'PKCE-VERIFIER-PLAINTEXT-0000000', 'WEBHOOK-KEY-PLAINTEXT-55555555'];
    await store.putResource(resource('r'));
    await store.putSecret('r', 'client_secret', new Secret(secrets[0]!));
    await store.compareAndSetTokenState('r', 0, { status: 'Available', refreshToken: new Secret(secrets[1]!) });
    await store.putAccessToken('r', { audience: 'aud', token: new Secret(secrets[2]!), expiresAt: Date.now() + 1e6 });
    await store.putPendingConsent({ state: 'st', resource: 'r', codeVerifier: new Secret(secrets[3]!), redirectUri: 'https://localhost', createdAt: Date.now(), expiresAt: Date.now() + 1e6 });
    await store.putTrigger(trigger('hook'));
    await store.putTriggerSecret('hook', new Secret(secrets[4]!));
    const stored = await db.dump();
    assert.ok(stored.includes('alice@contoso.onmicrosoft.com'), 'the dump holds the stored rows (the check below looks at real data)');
    for (const s of secrets) assert.ok(!stored.includes(s), `${s} is not stored in plaintext`);
    assert.equal((await store.getTriggerSecret('hook'))?.reveal(), secrets[4]);
  }));

  t('tampered row and wrong key are detected on read', () => withStore(backend, async (store, db, key) => {
    await store.putSecret('r', 'client_secret', new Secret('value'));
    await store.putSecret('other', 'client_secret', new Secret('other'));
    await store.close();
    const wrong = await db.open(randomBytes(32));
    await assert.rejects(wrong.getSecret('r', 'client_secret'), (e: unknown) => e instanceof StoreError && e.code === 'SEAL_WRONG_KEY');
    await wrong.close();
    // Copy one resource's sealed secret onto another's row, with the database's own client.
    await db.exec("UPDATE secrets SET sealed = (SELECT sealed FROM secrets WHERE resource = 'other') WHERE resource = 'r'");
    const right = await db.open(key);
    try {
      await assert.rejects(right.getSecret('r', 'client_secret'), (e: unknown) => e instanceof StoreError && e.code === 'SEAL_TAMPERED');
    } finally {
      await right.close();
    }
  }));

  t('migrations are recorded once: reopening applies nothing again and keeps the data', () => withStore(backend, async (store, db, key) => {
    await store.putResource(resource('kept'));
    await store.close();
    const again = await db.open(key);
    const third = await db.open(key);
    try {
      assert.deepEqual((await again.listResources()).map((r) => r.name), ['kept']);
      assert.deepEqual((await third.listResources()).map((r) => r.name), ['kept']);
    } finally {
      await again.close();
      await third.close();
    }
  }));

  t('triggers: definition, pause, secret, checkpoint, deliveries, UIDLs, events; delete removes all', () => withStore(backend, async (store) => {
    await store.putTrigger(trigger('b'));
    await store.putTrigger(trigger('a'));
    assert.deepEqual((await store.listTriggers()).map((r) => r.definition.name), ['a', 'b']);
    assert.equal(await store.setTriggerPaused('a', true, 'why'), true);
    assert.equal(await store.setTriggerPaused('zz', true), false);
    const a = await store.getTrigger('a');
    assert.deepEqual([a?.paused, a?.pauseReason, a?.definition.target], [true, 'why', { kind: 'handler', name: 'h' }]);
    await store.putTrigger(trigger('a'));
    assert.equal((await store.getTrigger('a'))?.paused, true, 'putTrigger keeps the paused state');

    await store.putTriggerCheckpoint('a', { uidValidity: '7', lastUid: 3 });
    const d1 = await store.recordDelivery({ id: 'd1', trigger: 'a', messageKey: '7:5', messageId: '<m5@x>', subject: 's5',
      source: { kind: 'imap', folder: 'INBOX', uidValidity: '7', uid: 5 }, status: 'delivered', attempts: 1, advance: { imap: { uidValidity: '7', uid: 5 } } });
    assert.deepEqual([d1.id, d1.status, typeof d1.deliveredAt], ['d1', 'delivered', 'number']);
    assert.equal((await store.getTriggerCheckpoint('a'))?.lastUid, 5);
    // An older UID never moves the checkpoint back.
    await store.recordDelivery({ id: 'd0', trigger: 'a', messageKey: '7:4', source: { kind: 'imap', folder: 'INBOX', uidValidity: '7', uid: 4 },
      status: 'dead', attempts: 5, lastError: 'nope', advance: { imap: { uidValidity: '7', uid: 4 } } });
    assert.equal((await store.getTriggerCheckpoint('a'))?.lastUid, 5);
    // Upsert by (trigger, messageKey): the row keeps its id.
    const again = await store.recordDelivery({ id: 'other', trigger: 'a', messageKey: '7:5', source: { kind: 'imap', folder: 'INBOX', uidValidity: '7', uid: 5 },
      status: 'delivered', attempts: 2 });
    assert.deepEqual([again.id, again.attempts], ['d1', 2]);
    assert.equal(await store.wasMessageIdDelivered('a', '<m5@x>'), true);
    assert.equal(await store.wasMessageIdDelivered('a', '<other@x>'), false);
    await store.setDeliveryAfterAction('d1', { ok: false, error: 'gone' });
    assert.equal((await store.getDelivery('d1'))?.afterAction, 'failed: gone');
    assert.equal((await store.findDelivery('a', '7:4'))?.status, 'dead');
    assert.deepEqual((await store.listDeliveries('a', { status: 'dead' })).map((d) => d.id), ['d0']);
    assert.equal((await store.listDeliveries('a')).length, 2);

    await store.addTriggerUidls('b', ['u1', 'u2', 'u3']);
    await store.addTriggerUidls('b', ['u1']);
    await store.pruneTriggerUidls('b', ['u2', 'u3', 'u9']);
    assert.deepEqual((await store.listTriggerUidls('b')).sort(), ['u2', 'u3']);
    await store.recordDelivery({ id: 'p1', trigger: 'b', messageKey: 'u4', source: { kind: 'pop3', uidl: 'u4' }, status: 'delivered', attempts: 1, advance: { uidl: 'u4' } });
    assert.deepEqual((await store.listTriggerUidls('b')).sort(), ['u2', 'u3', 'u4']);

    await store.putTriggerSecret('a', new Secret('hmac'));
    await store.addTriggerEvent('a', 'started', 'watching');
    assert.deepEqual((await store.listTriggerEvents('a')).map((e) => [e.kind, e.message]), [['started', 'watching']]);
    assert.equal(await store.deleteTrigger('a'), true);
    assert.equal(await store.deleteTrigger('a'), false);
    assert.equal(await store.getTriggerSecret('a'), undefined);
    assert.equal(await store.getTriggerCheckpoint('a'), undefined);
    assert.equal(await store.getDelivery('d1'), undefined);
    assert.deepEqual(await store.listTriggerEvents('a'), []);
  }));

  t("a delivery's request and answer are kept sealed with its duration; timings since a time, oldest first", () => {
    let clock = 1_000_000;
    return withStore(backend, async (store, db) => {
      await store.putTrigger(trigger('x'));
      const source = { kind: 'imap', folder: 'INBOX', uidValidity: '1', uid: 1 } as const;
      const payload = JSON.stringify({ message: { subject: 'PAYLOAD-PLAINTEXT-0123456789' } });
      await store.recordDelivery({ id: 'x1', trigger: 'x', messageKey: '1:1', source, status: 'failed', attempts: 1, lastError: 'HTTP 500',
        exchange: { request: payload, response: 'HTTP 500 Internal Server Error', durationMs: 12.4 } });
      clock += 60_000;
      await store.recordDelivery({ id: 'x1', trigger: 'x', messageKey: '1:1', source, status: 'delivered', attempts: 2,
        exchange: { request: payload, response: 'HTTP 200 OK\nok', durationMs: 7 } });
      await store.recordDelivery({ id: 'x2', trigger: 'x', messageKey: '1:2', source: { ...source, uid: 2 }, status: 'dead', attempts: 1 });
      assert.deepEqual(await store.getDeliveryExchange('x1'), { request: payload, response: 'HTTP 200 OK\nok', durationMs: 7 });
      assert.equal(await store.getDeliveryExchange('x2'), undefined, 'no exchange recorded: none returned');
      assert.deepEqual(await store.listDeliveryTimings('x', 1_000_000), [
        { at: 1_060_000, status: 'delivered', durationMs: 7 },
        { at: 1_060_000, status: 'dead' },
      ].sort((a, b) => a.at - b.at));
      assert.deepEqual(await store.listDeliveryTimings('x', 1_060_001), []);
      const long = 'y'.repeat(40 * 1024);
      await store.recordDelivery({ id: 'x3', trigger: 'x', messageKey: '1:3', source: { ...source, uid: 3 }, status: 'delivered', attempts: 1,
        exchange: { request: long, response: 'HTTP 200 OK', durationMs: 1 } });
      assert.match((await store.getDeliveryExchange('x3'))!.request, /^y{32768}\n\[… cut at 32768 characters\]$/);
      // Sealed and bound to its row: another row's value copied over does not open.
      await db.exec("UPDATE trigger_deliveries SET sealed_exchange = (SELECT sealed_exchange FROM trigger_deliveries WHERE id = 'x3') WHERE id = 'x1'");
      await assert.rejects(store.getDeliveryExchange('x1'), { code: 'SEAL_TAMPERED' });
    }, { now: () => clock });
  });

  t('withResourceLock: one holder at a time per resource, from two stores; others run alongside', () => withStore(backend, async (a, db, key) => {
    // SQLite serialises within one store object (its documented scope); PostgreSQL across stores.
    const b = backend === 'postgres' ? await db.open(key) : a;
    try {
      let inside = 0;
      let most = 0;
      const order: string[] = [];
      const hold = (s: Store, label: string) => s.withResourceLock('r', async () => {
        inside++;
        most = Math.max(most, inside);
        order.push(`${label}+`);
        await new Promise((r) => setImmediate(r));
        await s.getResource('r');
        order.push(`${label}-`);
        inside--;
        return label;
      });
      const results = await Promise.all([hold(a, 'a1'), hold(b, 'b1'), hold(a, 'a2'), hold(b, 'b2')]);
      assert.deepEqual(results, ['a1', 'b1', 'a2', 'b2']);
      assert.equal(most, 1, `never two holders at once (${order.join(' ')})`);
      // Another resource's lock is independent, and a failing holder releases the lock.
      await assert.rejects(a.withResourceLock('r', async () => { throw new Error('boom'); }), /boom/);
      assert.equal(await b.withResourceLock('r', async () => a.withResourceLock('other', async () => 'nested')), 'nested');
    } finally {
      if (b !== a) await b.close();
    }
  }));

  t('leases: fair share, per-mailbox limit, renew, release, expiry moves them', async () => {
    let now = 1_000_000;
    await withStore(backend, async (store) => {
      const candidates = ['t1', 't2', 't3', 't4', 't5'].map((name) => ({ name, mailbox: name === 't5' ? 'host/shared' : `host/${name}` }))
        .concat([{ name: 't6', mailbox: 'host/shared' }]);
      const ttlMs = 10_000;
      await store.heartbeat('i1', ttlMs);
      await store.heartbeat('i2', ttlMs);
      assert.deepEqual(await store.listLiveInstances(), ['i1', 'i2']);
      const got1 = await store.acquireLeases({ owner: 'i1', candidates, max: 3, perMailboxLimit: 1, ttlMs });
      assert.deepEqual(got1, ['t1', 't2', 't3']);
      assert.deepEqual(await store.acquireLeases({ owner: 'i1', candidates, max: 3, perMailboxLimit: 1, ttlMs }), [], 'at its share already');
      // t5 and t6 share a mailbox limited to one connection: i2 gets t4 and t5, never t6.
      const got2 = await store.acquireLeases({ owner: 'i2', candidates, max: 3, perMailboxLimit: 1, ttlMs });
      assert.deepEqual(got2, ['t4', 't5']);
      const leases = await store.listLeases();
      assert.deepEqual(leases.map((l) => [l.name, l.owner ?? null]), [['t1', 'i1'], ['t2', 'i1'], ['t3', 'i1'], ['t4', 'i2'], ['t5', 'i2'], ['t6', null]]);

      // i1 renews, i2 goes silent; past i2's expiry its leases are free and i1 may take them.
      now += 6_000;
      assert.deepEqual(await store.renewLeases('i1', ttlMs), ['t1', 't2', 't3']);
      await store.heartbeat('i1', ttlMs);
      now += 5_000;
      assert.deepEqual(await store.listLiveInstances(), ['i1']);
      assert.deepEqual(await store.renewLeases('i2', ttlMs), [], 'an expired lease is not renewed');
      const taken = await store.acquireLeases({ owner: 'i1', candidates, max: 6, perMailboxLimit: 1, ttlMs });
      assert.deepEqual(taken, ['t4', 't5']);

      // Release some: they are free at once (no waiting for expiry).
      await store.releaseLeases('i1', ['t1', 't5']);
      assert.deepEqual(await store.acquireLeases({ owner: 'i2', candidates, max: 2, perMailboxLimit: 1, ttlMs }), ['t1', 't5']);
      await store.releaseLeases('i1');
      assert.deepEqual((await store.listLeases()).filter((l) => l.owner === 'i1'), []);
      await store.removeInstance('i1');
      assert.deepEqual(await store.listLiveInstances(), []);
      // A deleted trigger takes its lease with it.
      await store.putTrigger(trigger('t1'));
      await store.deleteTrigger('t1');
      assert.ok(!(await store.listLeases()).some((l) => l.name === 't1'));
    }, { now: () => now });
  });

  t('leases: two stores acquiring at once never take the same lease', () => withStore(backend, async (a, db, key) => {
    const b = backend === 'postgres' ? await db.open(key) : a;
    try {
      const candidates = Array.from({ length: 40 }, (_, i) => ({ name: `m${String(i).padStart(2, '0')}`, mailbox: `host/m${i}` }));
      const rounds = await Promise.all(Array.from({ length: 8 }, (_, i) =>
        (i % 2 ? b : a).acquireLeases({ owner: `o${i}`, candidates, max: 5, perMailboxLimit: 1, ttlMs: 60_000 })));
      const all = rounds.flat();
      assert.equal(all.length, 40);
      assert.equal(new Set(all).size, 40, 'no lease went to two owners');
      const leases = await a.listLeases();
      for (const [i, names] of rounds.entries()) for (const n of names) assert.equal(leases.find((l) => l.name === n)?.owner, `o${i}`);
    } finally {
      if (b !== a) await b.close();
    }
  }));

  t('service credentials: rows of hashes round trip, list by kind, touch, delete', () => withStore(backend, async (store) => {
    await store.putCredential({ id: 'k2', kind: 'api_key', label: 'ci', prefix: 'mbk_k2', hash: 'ab'.repeat(32), createdAt: 20 });
    await store.putCredential({ id: 'k1', kind: 'api_key', label: 'me', prefix: 'mbk_k1', hash: 'cd'.repeat(32), createdAt: 10 });
    await store.putCredential({ id: 'console_password', kind: 'console_password', label: 'console', prefix: '', hash: 'scrypt$s$h', createdAt: 5 });
    assert.deepEqual((await store.listCredentials('api_key')).map((r) => r.id), ['k1', 'k2']);
    await store.touchCredential('k1', 99);
    assert.deepEqual(await store.getCredential('k1'), { id: 'k1', kind: 'api_key', label: 'me', prefix: 'mbk_k1', hash: 'cd'.repeat(32), createdAt: 10, lastUsedAt: 99 });
    await store.putCredential({ id: 'console_password', kind: 'console_password', label: 'console', prefix: '', hash: 'scrypt$s2$h2', createdAt: 6 });
    assert.equal((await store.getCredential('console_password'))?.hash, 'scrypt$s2$h2', 'put replaces');
    // Migration 10: an API key's expiry, kept as written (epoch ms beyond 32 bits) and cleared by a put without it.
    await store.putCredential({ id: 'k3', kind: 'api_key', label: 'exp', prefix: 'mbk_k3', hash: 'ef'.repeat(32), createdAt: 30, scopes: 'read', expiresAt: 1_893_456_000_000 });
    assert.equal((await store.getCredential('k3'))?.expiresAt, 1_893_456_000_000);
    await store.putCredential({ id: 'k3', kind: 'api_key', label: 'exp', prefix: 'mbk_k3', hash: 'ef'.repeat(32), createdAt: 30, scopes: 'read' });
    assert.equal((await store.getCredential('k3'))?.expiresAt, undefined);
    await store.deleteCredential('k3');
    assert.equal(await store.deleteCredential('k2'), true);
    assert.equal(await store.deleteCredential('k2'), false);
    assert.equal(await store.getCredential('k2'), undefined);
  }));
}
