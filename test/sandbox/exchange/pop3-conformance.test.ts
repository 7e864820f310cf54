/**
 * One suite, two servers: the same POP3 scenarios, with our POP3 client, against the rig's real
 * Dovecot and against the Exchange sandbox, so the sandbox cannot drift from a real server
 * unnoticed. Where the two may honestly differ (Dovecot prepends trace headers on delivery),
 * the assertions state what both must do.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AccessTokenProvider } from '../../../src/auth/token-provider.js';
import { resourceSchema } from '../../../src/config/resource.js';
import { connectPop3, type Pop3Session } from '../../../src/protocols/pop3/client.js';
import { Secret } from '../../../src/secret.js';
import { loadRig, mintingProvider } from '../../helpers/rig.js';
import { BOB, startSandboxes, type Sandboxes } from './support.js';

interface Target {
  newUser(): Promise<string>;
  deliver(user: string, raw: Buffer): Promise<void>;
  open(user: string): Promise<Pop3Session>;
}

function message(subject: string): Buffer {
  const jis = Buffer.from([0x1b, 0x24, 0x42, 0x46, 0x7c, 0x4b, 0x5c, 0x38, 0x6c, 0x1b, 0x28, 0x42]);
  return Buffer.concat([
    Buffer.from(`From: ${BOB}\r\nTo: someone@example.test\r\nSubject: ${subject}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n\r\n`),
    jis,
    Buffer.from('\r\n.leading dot\r\n..two dots\r\n.\r\nafter a lone dot\r\n'),
  ]);
}

function scenarios(name: string, target: () => Target): void {
  describe(`POP3 conformance: ${name}`, () => {
    test('LIST and UIDL: one entry per message, sizes match the bytes, UIDs stable across sessions', async () => {
      const tg = target();
      const user = await tg.newUser();
      for (const s of ['one', 'two']) await tg.deliver(user, message(s));
      const a = await tg.open(user);
      const list = await a.list();
      const uids = await a.uidl();
      assert.deepEqual(list.map((m) => m.number), [1, 2]);
      assert.equal(new Set(uids.map((u) => u.uid)).size, 2);
      for (const m of list) assert.equal((await a.retrieve(m.number)).length, m.size);
      await a.quit();
      const b = await tg.open(user);
      assert.deepEqual(await b.uidl(), uids);
      await b.quit();
    });

    test('RETR is byte-exact (dot-stuffing undone, 8-bit bytes kept)', async () => {
      const tg = target();
      const user = await tg.newUser();
      const raw = message('exact');
      await tg.deliver(user, raw);
      const s = await tg.open(user);
      const got = await s.retrieve(1);
      await s.quit();
      // Dovecot adds trace headers in front; everything we sent must follow unchanged.
      assert.ok(got.length >= raw.length);
      assert.deepEqual(got.subarray(got.length - raw.length), raw);
    });

    test('DELE applies on QUIT only; RSET unmarks', async () => {
      const tg = target();
      const user = await tg.newUser();
      for (const s of ['keep', 'drop']) await tg.deliver(user, message(s));
      let s = await tg.open(user);
      const uids = await s.uidl();
      await s.delete(2);
      assert.equal((await s.stat()).count, 1);
      await s.reset();
      assert.equal((await s.stat()).count, 2);
      await s.delete(2);
      s.close();
      s = await tg.open(user);
      assert.equal((await s.stat()).count, 2, 'a session that ends without QUIT deletes nothing');
      await s.delete(2);
      await s.quit();
      s = await tg.open(user);
      assert.deepEqual((await s.uidl()).map((u) => u.uid), [uids[0]!.uid]);
      await s.quit();
    });
  });
}

let sb: Sandboxes;
// The test command always runs the rig: without it this file fails rather than passing half.
const rig = loadRig();
before(async () => {
  sb = await startSandboxes();
});
after(() => sb.close());

scenarios('Dovecot (mail rig)', () => ({
    newUser: async () => rig.uniqueMailbox(),
    deliver: (user, raw) => rig.deliver(user, raw),
    open: (user) => connectPop3({ resource: rig.resource('pop3', user), tokens: mintingProvider(rig, user), timeoutMs: 10_000 }),
  }),
);

scenarios('Exchange sandbox', () => ({
  async newUser() {
    const user = `conf${Math.random().toString(36).slice(2, 8)}@contoso.onmicrosoft.com`;
    await sb.identity.admin.upsertUser({ username: user, password: 'Passw0rd!' });
    sb.exchange.admin.createMailbox(user);
    return user;
  },
  async deliver(user, raw) {
    const r = await sb.exchange.admin.deliver(raw, { from: BOB, to: [user] });
    assert.deepEqual(r.rejected, []);
  },
  async open(user) {
    const token = new Secret(await sb.token('POP.AccessAsUser.All', { user }));
    const tokens: AccessTokenProvider = { getAccessToken: async () => token };
    const resource = resourceSchema.parse({
      name: 'sandbox-pop3', kind: 'pop3', user, authType: 'oauth2', tls: { caFile: sb.caFile },
      server: { host: '127.0.0.1', port: sb.exchange.pop3.tlsPort, secure: 'tls' },
    });
    return connectPop3({ resource, tokens, timeoutMs: 10_000 });
  },
}));
