/**
 * Postfix as a relay client of the gateway (issue 13): a second Postfix instance of its own
 * (config_directory and queue_directory in a temporary directory, started with `postfix -c` as
 * the rig starts its Postfix) with `relayhost = [127.0.0.1]:<gateway port>`, SASL (a password map
 * with the gateway user's password) and TLS pinned to the gateway's certificate fingerprint. A
 * message handed to its sendmail goes Postfix → gateway → the rig's Postfix (XOAUTH2) → Dovecot;
 * its body (8-bit UTF-8, and ISO-2022-JP) must arrive unchanged, byte for byte.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { ImapFlow } from 'imapflow';
import { Secret } from '../../src/secret.js';
import { createSealer } from '../../src/store/seal.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { loadRig, type Rig } from '../helpers/rig.js';
import { consentedResource } from '../mail/facade-consent.js';
import { headerEnd } from '../../src/gateway/headers.js';
import { startTestGateway, type TestGateway } from './support.js';

const run = promisify(execFile);
const PASSWORD = 'correct horse battery staple';

/** Postfix's main.cf for a relay client that sends everything to the gateway. */
function mainCf(dir: string, gatewayPort: number, fingerprint: string): string {
  return [
    'compatibility_level = 3.6',
    `queue_directory = ${dir}/spool`,
    `data_directory = ${dir}/data`,
    'mail_owner = postfix',
    'setgid_group = postdrop',
    'myhostname = relay-client.test',
    'inet_interfaces = loopback-only',
    'inet_protocols = ipv4',
    `maillog_file = ${dir}/log/postfix.log`,
    `maillog_file_prefixes = ${dir}/log`,
    'biff = no',
    'alias_maps =',
    'alias_database =',
    'mydestination =',
    'local_recipient_maps =',
    // Everything goes to the gateway, as an ERP host's Postfix would after Basic auth ended.
    `relayhost = [127.0.0.1]:${gatewayPort}`,
    'smtp_sasl_auth_enable = yes',
    `smtp_sasl_password_maps = texthash:${dir}/etc/sasl_passwd`,
    'smtp_sasl_security_options = noanonymous',
    // The gateway's certificate is self-signed: pin it (the fingerprint `mailbridge gateway` prints).
    'smtp_tls_security_level = fingerprint',
    'smtp_tls_fingerprint_digest = sha256',
    `smtp_tls_fingerprint_cert_match = ${fingerprint}`,
    'smtp_tls_loglevel = 1',
    '',
  ].join('\n');
}

const MASTER_CF = [
  'pickup    unix  n       -       n       60      1       pickup',
  'cleanup   unix  n       -       n       -       0       cleanup',
  'qmgr      unix  n       -       n       300     1       qmgr',
  'tlsmgr    unix  -       -       n       1000?   1       tlsmgr',
  'rewrite   unix  -       -       n       -       -       trivial-rewrite',
  'bounce    unix  -       -       n       -       0       bounce',
  'defer     unix  -       -       n       -       0       bounce',
  'trace     unix  -       -       n       -       0       bounce',
  'verify    unix  -       -       n       -       1       verify',
  'flush     unix  n       -       n       1000?   0       flush',
  'proxymap  unix  -       -       n       -       -       proxymap',
  'proxywrite unix -       -       n       -       1       proxymap',
  'smtp      unix  -       -       n       -       -       smtp',
  'relay     unix  -       -       n       -       -       smtp',
  'showq     unix  n       -       n       -       -       showq',
  'error     unix  -       -       n       -       -       error',
  'retry     unix  -       -       n       -       -       error',
  'discard   unix  -       -       n       -       -       discard',
  'anvil     unix  -       -       n       -       1       anvil',
  'scache    unix  -       -       n       -       1       scache',
  // maillog_file needs the postlog service.
  'postlog   unix-dgram n  -       n       -       1       postlogd',
  '',
].join('\n');

describe('Postfix (a second instance) relaying through the gateway', { timeout: 180_000 }, () => {
  let rig: Rig;
  let home: string;
  let pf: string;
  let store: Store;
  let t: TestGateway;
  let user: string;
  let started = false;

  before(async () => {
    rig = loadRig();
    home = mkdtempSync(join(tmpdir(), 'mb-gw-postfix-'));
    store = openSqliteStore({ path: join(home, 'mailbridge.db'), sealer: createSealer(randomBytes(32)) });
    user = rig.uniqueMailbox();
    await rig.ensureUser(user);
    const { tokens } = await consentedResource(rig, 'smtp', { store, name: 'rig-send', user });
    t = await startTestGateway({ store, tokens, home, config: { delivery: { messagesPerMinute: 0 } } });
    await t.gw.users.add({ name: 'erp-postfix', password: new Secret(PASSWORD), sendResource: 'rig-send' });

    // Postfix refuses a queue or config directory others can write to; mkdtemp's is 0700.
    pf = mkdtempSync(join(tmpdir(), 'mb-postfix-'));
    chmodSync(pf, 0o755);
    for (const d of ['etc', 'spool', 'data', 'log']) mkdirSync(join(pf, d));
    await run('chown', ['postfix:postfix', join(pf, 'data')]);
    writeFileSync(join(pf, 'etc', 'main.cf'), mainCf(pf, t.gw.smtp.port!, t.gw.tls.fingerprint));
    writeFileSync(join(pf, 'etc', 'master.cf'), MASTER_CF);
    writeFileSync(join(pf, 'etc', 'sasl_passwd'), `[127.0.0.1]:${t.gw.smtp.port!} erp-postfix:${PASSWORD}\n`, {
      mode: 0o600,
    });
    // Postfix waits ~2 s before reading a config file changed in the last second: backdate them.
    const past = new Date(Date.now() - 60_000);
    for (const f of ['main.cf', 'master.cf']) utimesSync(join(pf, 'etc', f), past, past);
    await run('postfix', ['-c', join(pf, 'etc'), 'start']);
    started = true;
  });

  after(async () => {
    if (started) await run('postfix', ['-c', join(pf, 'etc'), 'stop']).catch(() => undefined);
    await t?.close();
    await store?.close();
  });

  /** The next message to arrive in the mailbox, as stored (waits for IMAP's EXISTS, no polling). */
  async function nextArrival(subject: string): Promise<Buffer> {
    const token = await rig.mintToken(user);
    const c = new ImapFlow({
      host: rig.imap.host,
      port: rig.imap.port,
      secure: true,
      tls: { ca: [rig.caPem], servername: 'localhost' },
      auth: { user, accessToken: token.reveal() },
      logger: false,
    });
    await c.connect();
    try {
      const lock = await c.getMailboxLock('INBOX');
      try {
        for (;;) {
          const uids = await c.search({ subject }, { uid: true });
          if (uids && uids.length > 0) {
            const m = await c.fetchOne(String(uids[0]), { source: true }, { uid: true });
            if (m && m.source) return m.source;
          }
          // IDLE until the server says a message arrived; the next command ends the IDLE.
          const arrived = new Promise<void>((resolve) => c.once('exists', () => resolve()));
          void c.idle();
          await arrived;
        }
      } finally {
        lock.release();
      }
    } finally {
      await c.logout();
    }
  }

  const body = (b: Buffer) => b.subarray(headerEnd(b));

  for (const [name, contentType, text] of [
    [
      '8-bit UTF-8',
      'text/plain; charset=utf-8',
      Buffer.from('Grüße aus dem Lager: Ärger, Öl, Übergrößen — 納品書を添付します。\r\n', 'utf8'),
    ],
    [
      'ISO-2022-JP',
      'text/plain; charset=ISO-2022-JP',
      // 「請求書を送付します。」 in ISO-2022-JP (JIS X 0208 between ESC $ B and ESC ( B).
      Buffer.concat([
        Buffer.from([0x1b, 0x24, 0x42]),
        Buffer.from('%aP,=q\\aAwIU$7$^$9!#', 'latin1'),
        Buffer.from([0x1b, 0x28, 0x42]),
        Buffer.from('\r\n'),
      ]),
    ],
  ] as const) {
    test(`sendmail → Postfix → gateway (SASL, TLS pinned) → upstream: ${name} body byte for byte`, async () => {
      const subject = `postfix relay ${name} ${randomBytes(4).toString('hex')}`;
      const sent = Buffer.concat([
        Buffer.from(
          `From: ${user}\r\nTo: ${user}\r\nSubject: ${subject}\r\nMIME-Version: 1.0\r\n` +
            `Content-Type: ${contentType}\r\nContent-Transfer-Encoding: ${name === '8-bit UTF-8' ? '8bit' : '7bit'}\r\n\r\n`,
        ),
        text,
        text,
      ]);
      const arrival = nextArrival(subject);
      const child = execFile('sendmail', ['-C', join(pf, 'etc'), '-f', user, '-i', user]);
      child.stdin!.end(sent);
      await new Promise<void>((resolve, reject) =>
        child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`sendmail exited ${code}`)))),
      );
      const got = await arrival;
      // Postfix and Dovecot store with LF or CRLF line ends; IMAP gives CRLF, as was sent.
      assert.ok(body(got).equals(body(sent)), `body changed:\n${body(got).toString('latin1')}`);
      assert.match(got.toString('latin1'), /Received: by relay-client\.test \(Postfix/);
      const log = readFileSync(join(pf, 'log', 'postfix.log'), 'utf8');
      assert.match(log, /relay=127\.0\.0\.1\[127\.0\.0\.1\]:\d+.*status=sent \(250 2\.0\.0 Ok: queued as /);
      assert.match(log, /Verified TLS connection established to 127\.0\.0\.1\[127\.0\.0\.1\]/);
    });
  }
});
