/**
 * The gateway's slice of the store (migrations 8 and 14) on SQLite and PostgreSQL: gateway users and
 * their use, the spool's claim (one winner, a stale claim becomes a possible duplicate), the
 * moves out of the spool (relayed / dead letter, each in one transaction), the rate windows
 * (Exchange's per mailbox, and the gateway's own per login and network); and
 * GatewayUsers' checks over it (scrypt hash stored, never the password; refusals alike).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { GatewayUsers } from '../../src/gateway/users.js';
import { Secret } from '../../src/secret.js';
import { MIGRATIONS, MIGRATIONS_TABLE } from '../../src/store/migrations.js';
import { createSealer } from '../../src/store/seal.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { freshDatabase, type TestDatabase } from './databases.js';

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`gateway store slice (${backend})`, () => {
    const opened: { db: TestDatabase; store: Store }[] = [];
    after(async () => {
      for (const o of opened) {
        await o.store.close();
        await o.db.drop();
      }
    });
    async function fresh(now?: () => number): Promise<{ db: TestDatabase; store: Store }> {
      const db = await freshDatabase(backend);
      const store = await db.open(randomBytes(32), now ? { now } : {});
      const o = { db, store };
      opened.push(o);
      return o;
    }
    const entry = (id: string, rcpt = ['a@example.test']) => ({
      id,
      resource: 'send',
      principal: 'user:printer',
      source: '127.0.0.1',
      mailFrom: 'printer@example.test',
      rcptTo: rcpt,
      dsn: { ret: 'HDRS' as const, notify: [['FAILURE']] },
      raw: Buffer.from(`Subject: ${id}\r\n\r\n\u00e9t\u00e9 8bit\r\n`, 'utf8'),
    });

    test('users: add, authenticate, usage, disable, remove; the password is stored only as a scrypt hash', async () => {
      const { db, store } = await fresh();
      const users = new GatewayUsers({ store });
      const { generatedPassword } = await users.add({
        name: 'mfp-3f',
        sendResource: 'send',
        allowedFrom: ['Scanner@Example.test', '@example.test'],
      });
      assert.ok(generatedPassword && generatedPassword.reveal().length === 24);
      const ctx = { protocol: 'smtp' as const, remoteAddress: '192.0.2.7' };
      const ok = await users.authenticate('mfp-3f', generatedPassword.reveal(), ctx);
      assert.deepEqual(ok, {
        ok: true,
        principal: { user: 'mfp-3f', resource: 'send', allowedFrom: ['scanner@example.test', '@example.test'] },
      });
      assert.deepEqual(await users.authenticate('mfp-3f', 'wrong password!', ctx), {
        ok: false,
        reason: 'wrong-password',
      });
      assert.deepEqual(await users.authenticate('nobody', 'whatever1', ctx), { ok: false, reason: 'unknown-user' });
      assert.deepEqual(
        await users.authenticate('mfp-3f', generatedPassword.reveal(), { ...ctx, protocol: 'imap' }),
        { ok: false, reason: 'unknown-user' },
        'no receive resource: unknown for IMAP',
      );
      await users.countMessage('mfp-3f', 'smtp', '192.0.2.7');
      const [u] = await users.list();
      const smtp = u?.usage.find((x) => x.protocol === 'smtp');
      assert.deepEqual([smtp?.logins, smtp?.failures, smtp?.messages, smtp?.lastAddress], [1, 1, 1, '192.0.2.7']);
      assert.equal(u?.usage.find((x) => x.protocol === 'imap')?.failures, 1, 'counted per protocol');
      await users.setDisabled('mfp-3f', true);
      assert.deepEqual(await users.authenticate('mfp-3f', generatedPassword.reveal(), ctx), {
        ok: false,
        reason: 'disabled',
      });
      await users.resetPassword('mfp-3f', new Secret('another long password'));
      await users.setDisabled('mfp-3f', false);
      assert.equal((await users.authenticate('mfp-3f', 'another long password', ctx)).ok, true);
      const dump = await db.dump();
      assert.ok(
        !dump.includes('another long password') && !dump.includes(generatedPassword.reveal()),
        'no password in the database',
      );
      assert.match(dump, /scrypt\$16384\$8\$1\$/);
      await users.remove('mfp-3f');
      await assert.rejects(
        users.get('mfp-3f'),
        (e: unknown) => (e as { code?: string }).code === 'GATEWAY_USER_NOT_FOUND',
      );
      await assert.rejects(
        users.add({ name: 'bad name', sendResource: 'send' }),
        (e: unknown) => (e as { code?: string }).code === 'GATEWAY_USER_INVALID',
      );
      await assert.rejects(
        users.add({ name: 'short', sendResource: 'send', password: new Secret('1234') }),
        (e: unknown) => (e as { code?: string }).code === 'GATEWAY_PASSWORD_WEAK',
      );
    });

    test('failed logins from one source are refused outright past the limit, before any password check', async () => {
      const { store } = await fresh();
      const users = new GatewayUsers({ store, limits: { failuresPerSource: 3 } });
      await users.add({ name: 'erp', sendResource: 'send', password: new Secret('the right password') });
      const ctx = { protocol: 'smtp' as const, remoteAddress: '198.51.100.9' };
      for (let i = 0; i < 3; i++) assert.equal((await users.authenticate('erp', 'guess', ctx)).ok, false);
      assert.deepEqual(await users.authenticate('erp', 'the right password', ctx), {
        ok: false,
        reason: 'rate-limited',
      });
      assert.equal(
        (await users.authenticate('erp', 'the right password', { ...ctx, remoteAddress: '198.51.100.10' })).ok,
        true,
        'another source is not affected',
      );
    });

    test('spool: bytes kept exactly, one claimer wins, a stale claim is a possible duplicate, relayed/dead move out in one step', async () => {
      let t = 1_000_000;
      const { store } = await fresh(() => t);
      await store.spoolMessage(entry('m1'), t);
      await store.spoolMessage(entry('m2', ['b@example.test', 'c@example.test']), t);
      assert.ok((await store.spooledRaw('m1'))?.equals(entry('m1').raw), 'raw bytes unchanged (8-bit)');
      const [first, second] = await Promise.all([store.claimSpooled(t, 60_000, 10), store.claimSpooled(t, 60_000, 10)]);
      const claimed = [...first!, ...second!].map((e) => e.id).sort();
      assert.deepEqual(claimed, ['m1', 'm2'], 'each message claimed exactly once');
      assert.deepEqual(
        await store.claimSpooled(t + 1000, 60_000, 10),
        [],
        'claimed messages are not handed out again while the lease holds',
      );
      const stale = await store.claimSpooled(t + 61_000, 60_000, 10);
      assert.deepEqual(
        stale.map((e) => [e.id, e.possibleDuplicate, e.attempts]).sort(),
        [
          ['m1', true, 2],
          ['m2', true, 2],
        ],
        'a worker died mid-send: taken over, flagged',
      );
      await store.rescheduleSpooled('m2', t + 100_000, '451 4.7.0 try later', t);
      const m2 = (await store.listSpool()).find((e) => e.id === 'm2');
      assert.equal(m2?.state, 'queued');
      assert.equal(m2?.lastError, '451 4.7.0 try later');
      assert.deepEqual(m2?.dsn, { ret: 'HDRS', notify: [['FAILURE']] });
      t += 62_000;
      await store.markSpooledRelayed('m1', {
        id: 'm1',
        resource: 'send',
        principal: 'user:printer',
        recipients: 1,
        size: 30,
        upstreamId: '250 2.0.0 Ok: queued as ABC',
        via: 'smtp',
        attempts: 2,
        possibleDuplicate: true,
        acceptedAt: 1_000_000,
        relayedAt: t,
      });
      await store.markSpooledDead('m2', {
        id: 'm2',
        resource: 'send',
        principal: 'user:printer',
        mailFrom: 'printer@example.test',
        rcptTo: ['b@example.test', 'c@example.test'],
        status: '5.1.10',
        reason: 'smtp; 550 5.1.10',
        size: 30,
        bounce: 'sent',
        createdAt: t,
      });
      assert.deepEqual(await store.listSpool(), []);
      const [relayed] = await store.listRelayed(10);
      assert.equal(relayed?.upstreamId, '250 2.0.0 Ok: queued as ABC');
      assert.equal(relayed?.possibleDuplicate, true);
      const [dead] = await store.listGatewayDeadLetters(10);
      assert.deepEqual(dead?.rcptTo, ['b@example.test', 'c@example.test']);
      assert.ok(
        (await store.gatewayDeadLetterRaw('m2'))?.equals(entry('m2').raw),
        'the dead letter keeps the raw message',
      );
      assert.deepEqual(await store.relayedSince('send', t - 60_000), { messages: 1, recipients: 1, oldest: t });
      assert.deepEqual(await store.relayedSince('send', t), { messages: 0, recipients: 0 });
      assert.equal(await store.pruneRelayed(t + 1), 1);
    });

    test('spool: the message just spooled is claimed by id, once, and never before it is due', async () => {
      const t = 2_000_000;
      const { store } = await fresh(() => t);
      await store.spoolMessage(entry('h1'), t);
      const [a, b] = await Promise.all([
        store.claimSpooledById('h1', t, 60_000),
        store.claimSpooledById('h1', t, 60_000),
      ]);
      assert.equal([a, b].filter(Boolean).length, 1, 'two claims of one id: one wins');
      const won = (a ?? b)!;
      assert.deepEqual(
        [won.id, won.state, won.attempts, won.possibleDuplicate, won.leaseUntil, won.rcptTo],
        ['h1', 'sending', 1, false, t + 60_000, ['a@example.test']],
      );
      assert.deepEqual(await store.claimSpooled(t, 60_000, 10), [], 'a scan does not hand it out again');
      assert.equal(await store.claimSpooledById('nope', t, 60_000), undefined, 'an unknown id claims nothing');
      await store.rescheduleSpooled('h1', t + 30_000, '421 4.3.0 later', t);
      assert.equal(await store.claimSpooledById('h1', t + 29_999, 60_000), undefined, 'not before it is due');
      assert.equal((await store.claimSpooledById('h1', t + 30_000, 60_000))?.attempts, 2);
    });

    test('submission windows (migration 14): counted per key, a full window counts nothing, old rows pruned, kept across reopening', async () => {
      const db = await freshDatabase(backend);
      const key = randomBytes(32);
      const store = await db.open(key);
      const t = 1_900_000_000_000;
      const user = { key: 'user:erp', windows: [{ windowMs: 60_000, max: 2 }] };
      const net = { key: 'net:192.0.2.0/24', windows: [{ windowMs: 3_600_000, max: 3 }] };
      assert.deepEqual(await store.takeGatewaySubmission([user, net], t, t - 3_600_000), { ok: true });
      assert.deepEqual(await store.takeGatewaySubmission([user, net], t + 10, t - 3_600_000), { ok: true });
      // The user's minute is full: refused, with when its oldest message leaves the window.
      assert.deepEqual(await store.takeGatewaySubmission([user, net], t + 20, t - 3_600_000), {
        ok: false,
        key: 'user:erp',
        window: { windowMs: 60_000, max: 2 },
        retryAt: t + 60_000,
      });
      // Nothing of the refused message was counted: the network has room for exactly one more.
      const other = { key: 'user:scanner', windows: [{ windowMs: 60_000, max: 10 }] };
      assert.deepEqual(await store.takeGatewaySubmission([other, net], t + 30, t - 3_600_000), { ok: true });
      const full = await store.takeGatewaySubmission([other, net], t + 40, t - 3_600_000);
      assert.equal(full.ok, false);
      assert.equal(!full.ok && full.key, 'net:192.0.2.0/24');
      // A minute later the user may send again (the network's hour is still full for it).
      const later = await store.takeGatewaySubmission([user], t + 60_001, t - 3_600_000);
      assert.deepEqual(later, { ok: true });
      await store.close();
      // Across a restart (the same database opened again) the counts hold.
      const again = await db.open(key);
      opened.push({ db, store: again });
      const still = await again.takeGatewaySubmission([net], t + 120_000, t - 3_600_000);
      assert.equal(still.ok, false);
      // Pruned once older than the longest window: the hour has passed.
      const hourLater = t + 3_600_000 + 100;
      assert.deepEqual(await again.takeGatewaySubmission([net], hourLater, hourLater - 3_600_000), { ok: true });
    });
  });
}

test('migration 17 moves a spooled message’s bytes into gateway_spool_raw, unchanged and still relayable', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mb-migrate17-'));
  const path = join(dir, 'mailbridge.db');
  const raw = Buffer.from('Subject: before the upgrade\r\n\r\n\u00e9t\u00e9 8bit\r\n', 'utf8');
  // A database as version 16 left it, with one message spooled in the old layout.
  const old = new Database(path);
  old.exec(MIGRATIONS_TABLE);
  for (const m of MIGRATIONS.filter((x) => x.version <= 16)) {
    for (const sql of m.statements) old.exec(sql);
    old.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(m.version, 1);
  }
  old
    .prepare(
      `INSERT INTO gateway_spool (id, resource, principal, source, mail_from, rcpt_to, dsn, raw, size, state, attempts, next_attempt_at, lease_until, last_error, possible_duplicate, created_at, updated_at)
       VALUES ('m0', 'send', 'user:printer', '127.0.0.1', 'printer@example.test', '["a@example.test"]', '{}', ?, ?, 'queued', 0, 1, 0, NULL, 0, 1, 1)`,
    )
    .run(raw.toString('base64'), raw.length);
  old.close();
  const store = openSqliteStore({ path, sealer: createSealer(randomBytes(32)) });
  try {
    assert.deepEqual(
      (await store.listSpool()).map((e) => [e.id, e.size]),
      [['m0', raw.length]],
    );
    const [claimed] = await store.claimSpooled(2, 60_000, 10);
    assert.equal(claimed?.id, 'm0');
    assert.ok((await store.spooledRaw('m0'))?.equals(raw), 'bytes unchanged');
    await store.markSpooledRelayed('m0', {
      id: 'm0',
      resource: 'send',
      principal: 'user:printer',
      recipients: 1,
      size: raw.length,
      upstreamId: '250 ok',
      via: 'smtp',
      attempts: 1,
      possibleDuplicate: false,
      acceptedAt: 1,
      relayedAt: 3,
    });
    assert.equal(await store.spooledRaw('m0'), undefined, 'the bytes leave with the message');
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
