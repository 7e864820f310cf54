/**
 * Large messages through the SMTP gateway (Exchange sandbox upstream): 30 MB over SMTP XOAUTH2
 * arrives byte for byte (Python's smtplib as the client); 5 MB to a Graph resource, too big for
 * one sendMail request, goes the route Graph requires (draft + upload session + send) and
 * arrives with its attachment whole.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { simpleParser } from 'mailparser';
import { TokenManager } from '../../src/auth/token-manager.js';
import { Secret } from '../../src/secret.js';
import { createSealer } from '../../src/store/seal.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { consentedSandboxResource, sandboxUser } from '../mail/facade-suite-support.js';
import { startSandboxes, type Sandboxes } from '../sandbox/exchange/support.js';
import { message, pythonSend, startTestGateway, type TestGateway } from './support.js';

const PASSWORD = 'correct horse battery staple';

describe('SMTP gateway: large messages', { timeout: 120_000 }, () => {
  let sb: Sandboxes;
  let store: Store;
  let t: TestGateway;
  let home: string;
  let sender: string;
  let rcpt: string;

  before(async () => {
    sb = await startSandboxes();
    home = mkdtempSync(join(tmpdir(), 'mb-gw-big-'));
    const dbPath = join(home, 'mailbridge.db');
    store = openSqliteStore({ path: dbPath, sealer: createSealer(randomBytes(32)) });
    sender = sandboxUser(sb, 'gw-big');
    rcpt = sandboxUser(sb, 'gw-big-rcpt');
    await consentedSandboxResource(sb, 'smtp', { store, name: 'big-smtp', user: sender });
    await consentedSandboxResource(sb, 'graph', { store, name: 'big-graph', user: sender });
    t = await startTestGateway({ store, tokens: new TokenManager({ store }), home });
    await t.gw.users.add({ name: 'erp', password: new Secret(PASSWORD), sendResource: 'big-smtp' });
    await t.gw.users.add({ name: 'erp-graph', password: new Secret(PASSWORD), sendResource: 'big-graph' });
  });
  after(async () => {
    await t?.close();
    await store?.close();
    await sb?.close();
  });

  const inbox = () => sb.exchange.context.store.mailbox(rcpt)!.folder('inbox')!;
  const ca = () => join(home, 'gateway-tls', 'gateway-cert.pem');

  test('30 MB over SMTP XOAUTH2: accepted, spooled, relayed byte for byte', async () => {
    const subject = `big ${randomBytes(3).toString('hex')}`;
    const body = randomBytes(22 * 1024 * 1024)
      .toString('base64')
      .replace(/.{76}/g, '$&\r\n');
    const data = message(sender, rcpt, subject, body, [
      'Content-Type: application/octet-stream',
      'Content-Transfer-Encoding: base64',
    ]);
    assert.ok(data.length > 29 * 1024 * 1024 && data.length < 35 * 1024 * 1024, String(data.length));
    const r = await pythonSend({
      port: t.gw.smtp.port!,
      caFile: ca(),
      user: 'erp',
      password: PASSWORD,
      from: sender,
      to: [rcpt],
      data,
    });
    assert.equal(r.stdout.trim(), 'OK', r.stdout + r.stderr);
    const out = await t.waitFor((o) => o.kind === 'relayed');
    assert.equal(out.kind === 'relayed' && out.via, 'smtp');
    const m = inbox()
      .list()
      .find((x) => x.summary.subject === subject);
    assert.ok(m, 'delivered');
    const got = await inbox().read(m.uid);
    assert.ok(got.subarray(got.length - data.length).equals(data), '30 MB byte for byte');
  });

  test("over the gateway's size limit: 552 5.3.4 at DATA, nothing spooled", async () => {
    const small = await startTestGateway({
      store,
      tokens: new TokenManager({ store }),
      home,
      config: { smtp: { maxMessageBytes: 1024 * 1024 } },
    });
    try {
      const data = message(sender, rcpt, 'too big', randomBytes(1024 * 1024).toString('base64'));
      const r = await pythonSend({
        port: small.gw.smtp.port!,
        caFile: ca(),
        user: 'erp',
        password: PASSWORD,
        from: sender,
        to: [rcpt],
        data,
      });
      assert.match(r.stdout, /^(SMTPDataError|SMTPSenderRefused) 552/m, r.stdout + r.stderr);
    } finally {
      await small.close();
    }
  });

  test("5 MB to a Graph resource: draft + upload session (Graph's route above 4 MB), attachment whole", async () => {
    const subject = `graph big ${randomBytes(3).toString('hex')}`;
    const blob = randomBytes(5 * 1024 * 1024);
    const boundary = 'b-gw-big';
    const body = [
      `--${boundary}`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      'See the attached scan.',
      '',
      `--${boundary}`,
      'Content-Type: application/pdf; name="scan.pdf"',
      'Content-Disposition: attachment; filename="scan.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      blob.toString('base64').replace(/.{76}/g, '$&\r\n'),
      `--${boundary}--`,
      '',
    ].join('\r\n');
    const data = message(sender, rcpt, subject, body, [`Content-Type: multipart/mixed; boundary="${boundary}"`]);
    const r = await pythonSend({
      port: t.gw.smtp.port!,
      caFile: ca(),
      user: 'erp-graph',
      password: PASSWORD,
      from: sender,
      to: [rcpt],
      data,
    });
    assert.equal(r.stdout.trim(), 'OK', r.stdout + r.stderr);
    const out = await t.waitFor(
      (o) => o.kind !== 'deferred' && t.outcomes.filter((x) => x.kind === 'relayed').length >= 2,
    );
    assert.equal(out.kind, 'relayed', JSON.stringify(out));
    assert.equal(out.kind === 'relayed' && out.via, 'graph');
    const m = inbox()
      .list()
      .find((x) => x.summary.subject === subject);
    assert.ok(m, 'delivered');
    const parsed = await simpleParser(await inbox().read(m.uid));
    const pdf = parsed.attachments.find((a) => a.filename === 'scan.pdf');
    assert.ok(pdf, 'the attachment arrived');
    assert.equal(
      createHash('sha256').update(pdf.content).digest('hex'),
      createHash('sha256').update(blob).digest('hex'),
    );
  });
});
