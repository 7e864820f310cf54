/**
 * `startGateway` (what `mailbridge gateway` and `serve --gateway` run) with `imap` and `pop3`
 * sections: its IMAP and POP3 listeners check the same gateway users as SMTP, log in upstream
 * through the token manager, and present the SMTP gateway's certificate. Against the Exchange
 * sandbox, with imapflow and Python's poplib as the legacy clients.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ImapFlow } from 'imapflow';
import { TokenManager } from '../../src/auth/token-manager.js';
import { Secret } from '../../src/secret.js';
import { createSealer } from '../../src/store/seal.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { consentedSandboxResource, sandboxUser } from '../mail/facade-suite-support.js';
import { startSandboxes, type Sandboxes } from '../sandbox/exchange/support.js';
import { python } from './relay-support.js';
import { startTestGateway, type TestGateway } from './support.js';

const PASSWORD = 'correct horse battery staple';

describe('gateway: IMAP and POP3 listeners started with the SMTP gateway', { timeout: 120_000 }, () => {
  let sb: Sandboxes;
  let store: Store;
  let t: TestGateway;
  let home: string;
  let user: string;

  before(async () => {
    sb = await startSandboxes();
    home = mkdtempSync(join(tmpdir(), 'mb-gw-wiring-'));
    store = openSqliteStore({ path: join(home, 'mailbridge.db'), sealer: createSealer(randomBytes(32)) });
    user = sandboxUser(sb, 'gw-reader');
    await sb.exchange.admin.deliver(
      Buffer.from(`From: a@example.com\r\nTo: ${user}\r\nSubject: wiring\r\n\r\nhello\r\n`),
      {
        from: 'a@example.com',
        to: [user],
      },
    );
    await consentedSandboxResource(sb, 'imap', { store, name: 'gw-imap', user });
    await consentedSandboxResource(sb, 'pop3', { store, name: 'gw-pop3', user });
    t = await startTestGateway({
      store,
      tokens: new TokenManager({ store }),
      home,
      config: { imap: { port: 0, tlsPort: 0 }, pop3: { port: null, tlsPort: 0 } },
    });
    await t.gw.users.add({ name: 'reader', password: new Secret(PASSWORD), receiveResource: 'gw-imap' });
    await t.gw.users.add({ name: 'popper', password: new Secret(PASSWORD), receiveResource: 'gw-pop3' });
  });
  after(async () => {
    await t.close();
    await store.close();
    await sb.close();
  });

  const relay = (protocol: 'imap' | 'pop3', security: 'tls' | 'starttls') => {
    const r = t.gw.relays.find((x) => x.protocol === protocol && x.security === security);
    assert.ok(r, `${protocol} ${security} listener running`);
    return r.listener;
  };

  test('the listeners asked for run (pop3 port null: no STLS listener), with the SMTP certificate', () => {
    assert.deepEqual(
      t.gw.relays.map((r) => `${r.protocol}/${r.security}`),
      ['imap/starttls', 'imap/tls', 'pop3/tls'],
    );
    assert.equal(relay('imap', 'tls').fingerprint256, t.gw.tls.fingerprint);
  });

  test('imapflow logs in over implicit TLS as a gateway user and reads the mailbox upstream', async () => {
    const l = relay('imap', 'tls');
    const client = new ImapFlow({
      host: '127.0.0.1',
      port: l.port,
      secure: true,
      tls: { ca: l.certPem!, servername: 'localhost', checkServerIdentity: () => undefined },
      auth: { user: 'reader', pass: PASSWORD },
      logger: false,
    });
    await client.connect();
    try {
      const lock = await client.getMailboxLock('INBOX');
      try {
        const subjects: string[] = [];
        for await (const m of client.fetch('1:*', { envelope: true })) subjects.push(m.envelope?.subject ?? '');
        assert.deepEqual(subjects, ['wiring']);
      } finally {
        lock.release();
      }
    } finally {
      await client.logout();
    }
  });

  test('a wrong password is refused on IMAP in its own words', async () => {
    const l = relay('imap', 'starttls');
    const client = new ImapFlow({
      host: '127.0.0.1',
      port: l.port,
      secure: false,
      doSTARTTLS: true,
      tls: { ca: l.certPem!, checkServerIdentity: () => undefined },
      auth: { user: 'reader', pass: 'wrong' },
      logger: false,
    });
    client.on('error', () => undefined);
    await assert.rejects(
      client.connect(),
      (e: Error & { authenticationFailed?: boolean }) => e.authenticationFailed === true,
    );
  });

  test("Python's poplib reads the message through the POP3 listener", async () => {
    const l = relay('pop3', 'tls');
    const caFile = join(home, 'gw-ca.pem');
    writeFileSync(caFile, l.certPem!);
    const out = await python(
      [
        'import poplib, ssl, sys',
        'ctx = ssl.create_default_context(cafile=sys.argv[2]); ctx.check_hostname = False',
        "p = poplib.POP3_SSL('127.0.0.1', int(sys.argv[1]), context=ctx)",
        `p.user("popper"); p.pass_(${JSON.stringify(PASSWORD)})`,
        'count, _ = p.stat()',
        "print(count, b'Subject: wiring' in b'\\r\\n'.join(p.retr(1)[1]))",
        'p.quit()',
      ].join('\n'),
      [String(l.port), caFile],
    );
    assert.equal(out.trim(), '1 True');
  });
});
