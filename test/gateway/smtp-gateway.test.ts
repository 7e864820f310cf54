/**
 * The SMTP gateway against the Exchange sandbox, driven by clients nobody here wrote (swaks,
 * msmtp, Python's smtplib): AUTH PLAIN/LOGIN over STARTTLS and implicit TLS, what it refuses
 * (wrong password, disabled user, From not allowed, no login = no relay), the spool's outcomes
 * (relayed byte for byte over SMTP XOAUTH2 and over Graph raw MIME once the tenant disabled SMTP
 * AUTH; deferred on throttling, on an upstream that is down and on a revoked token; bounced with
 * an RFC 3464 report on a permanent refusal).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TokenManager } from '../../src/auth/token-manager.js';
import { parseResource } from '../../src/config/validate.js';
import { Secret } from '../../src/secret.js';
import { createSealer } from '../../src/store/seal.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { consentedSandboxResource, sandboxUser } from '../mail/facade-suite-support.js';
import { startSandboxes, type Sandboxes } from '../sandbox/exchange/support.js';
import { message, msmtp, pythonSend, startTestGateway, swaks, type TestGateway } from './support.js';

/** swaks always writes a CRLF of its own before the final dot: what it sent is the file plus that. */
const swaksSent = (data: Buffer): Buffer => Buffer.concat([data, Buffer.from('\r\n')]);
/** The sandbox (as Exchange) puts its own trace headers on top; everything after them must be the submitted bytes. */
const endsWith = (got: Buffer, sent: Buffer): boolean =>
  got.length >= sent.length && got.subarray(got.length - sent.length).equals(sent);

const OUTLOOK_SEND = 'https://outlook.office365.com/SMTP.Send';
const GRAPH_SEND = 'https://graph.microsoft.com/Mail.Send';
const PASSWORD = 'correct horse battery staple';

describe('SMTP gateway → Exchange sandbox', { timeout: 120_000 }, () => {
  let sb: Sandboxes;
  let store: Store;
  let t: TestGateway;
  let home: string;
  let sender: string;
  let rcpt: string;

  before(async () => {
    sb = await startSandboxes();
    home = mkdtempSync(join(tmpdir(), 'mb-gw-'));
    const dbPath = join(home, 'mailbridge.db');
    store = openSqliteStore({ path: dbPath, sealer: createSealer(randomBytes(32)) });
    sender = sandboxUser(sb, 'gw-printer');
    rcpt = sandboxUser(sb, 'gw-rcpt');
    await consentedSandboxResource(sb, 'smtp', {
      store,
      name: 'gw-smtp',
      user: sender,
      scope: `offline_access ${OUTLOOK_SEND} ${GRAPH_SEND}`,
      extra: { graphFallback: { baseUrl: sb.exchange.graph.url } },
    });
    const tokens = new TokenManager({ store });
    t = await startTestGateway({ store, tokens, home });
    await t.gw.users.add({ name: 'printer', password: new Secret(PASSWORD), sendResource: 'gw-smtp' });
    await t.gw.users.add({ name: 'off', password: new Secret(PASSWORD), sendResource: 'gw-smtp', disabled: true });
  });
  after(async () => {
    await t?.close();
    await store?.close();
    await sb?.close();
  });

  const inbox = (who: string) => sb.exchange.context.store.mailbox(who)!.folder('inbox')!;
  async function delivered(who: string, subject: string): Promise<Buffer[]> {
    const f = inbox(who);
    return Promise.all(
      f
        .list()
        .filter((m) => m.summary.subject === subject)
        .map((m) => f.read(m.uid)),
    );
  }
  const relayedOf = (id: string) => t.waitFor((o) => o.id === id && o.kind !== 'deferred');
  const queuedId = (out: string): string => {
    const m = /queued as ([0-9a-z]+)/.exec(out);
    assert.ok(m, `no queue id in: ${out.slice(-600)}`);
    return m[1]!;
  };

  test('swaks, STARTTLS + AUTH PLAIN: relayed over SMTP XOAUTH2, 8-bit body byte for byte', async () => {
    const subject = `swaks ${randomBytes(3).toString('hex')}`;
    const data = message(sender, rcpt, subject, 'Grüße aus dem Drucker — 8bit, naïve café\r\n', [
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
    ]);
    const r = await swaks({
      port: t.gw.smtp.port!,
      user: 'printer',
      password: PASSWORD,
      from: sender,
      to: [rcpt],
      data,
    });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /<~\s+250 2\.0\.0 Ok: queued as/);
    assert.doesNotMatch(r.stdout, new RegExp(PASSWORD), 'swaks shows AUTH base64, never the password in clear');
    const out = await relayedOf(queuedId(r.stdout));
    assert.equal(out.kind, 'relayed');
    assert.equal(out.kind === 'relayed' && out.via, 'smtp');
    assert.match(out.kind === 'relayed' ? out.upstreamId : '', /250 2\.0\.0 OK/);
    const [got] = await delivered(rcpt, subject);
    assert.ok(got, 'the recipient has it');
    assert.ok(endsWith(got, swaksSent(data)), 'the delivered message ends with exactly the submitted bytes');
  });

  test('msmtp, implicit TLS pinned to the printed fingerprint + AUTH LOGIN: ISO-2022-JP unchanged', async () => {
    const subject = `msmtp ${randomBytes(3).toString('hex')}`;
    // 「日本語」 in ISO-2022-JP: ESC $ B, JIS X 0208 bytes, ESC ( B.
    const jis = Buffer.concat([Buffer.from('1b2442467c4b5c386c1b2842', 'hex'), Buffer.from('\r\n')]);
    const data = message(sender, rcpt, subject, jis, [
      'Content-Type: text/plain; charset=ISO-2022-JP',
      'Content-Transfer-Encoding: 7bit',
    ]);
    const r = await msmtp({
      port: t.gw.smtp.tlsPort!,
      fingerprint: t.gw.tls.fingerprint,
      user: 'printer',
      password: PASSWORD,
      from: sender,
      to: [rcpt],
      data,
    });
    assert.equal(r.code, 0, r.stderr);
    const out = await t.waitFor((o) => o.kind === 'relayed' && t.outcomes.indexOf(o) >= 1);
    assert.equal(out.kind, 'relayed');
    const [got] = await delivered(rcpt, subject);
    assert.ok(got, 'the recipient has it');
    assert.ok(endsWith(got, data), 'ISO-2022-JP bytes unchanged');
    assert.ok(t.gw.tls.generated);
    assert.match(t.gw.tls.fingerprint, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  });

  test('refusals: wrong password, disabled user, no login, envelope and header From not allowed; nothing spooled', async () => {
    const everything = async () =>
      new Set(
        [
          ...(await store.listSpool()),
          ...(await store.listRelayed(1000)),
          ...(await store.listGatewayDeadLetters(1000)),
        ].map((x) => x.id),
      );
    const before = await everything();
    const data = message(sender, rcpt, 'refused');
    const ca = join(home, 'gateway-tls', 'gateway-cert.pem');
    const port = t.gw.smtp.port!;
    const wrong = await pythonSend({
      port,
      caFile: ca,
      user: 'printer',
      password: 'not the password',
      from: sender,
      to: [rcpt],
      data,
    });
    assert.match(wrong.stdout, /^SMTPAuthenticationError 535 5\.7\.8/m, wrong.stdout + wrong.stderr);
    const off = await pythonSend({ port, caFile: ca, user: 'off', password: PASSWORD, from: sender, to: [rcpt], data });
    assert.match(
      off.stdout,
      /^SMTPAuthenticationError 535 5\.7\.8/m,
      'a disabled user is refused like a wrong password',
    );
    const anon = await pythonSend({ port, caFile: ca, from: sender, to: [rcpt], data });
    assert.match(
      anon.stdout,
      /^SMTPSenderRefused 530 5\.7\.0 Authentication required/m,
      'no login, no relay (not an open relay)',
    );
    const otherFrom = await pythonSend({
      port,
      caFile: ca,
      user: 'printer',
      password: PASSWORD,
      from: rcpt,
      to: [rcpt],
      data,
    });
    assert.match(otherFrom.stdout, /^SMTPSenderRefused 553 5\.7\.1/m, 'envelope From not allowed');
    // The printer logs in and sends as itself, but a header names someone else as an author: a
    // forged From, or a second From after the allowed one (every author is checked).
    const asPrinter = (data: Buffer) =>
      pythonSend({ port, caFile: ca, user: 'printer', password: PASSWORD, from: sender, to: [rcpt], data });
    for (const [data, what] of [
      [message(rcpt, rcpt, 'forged header'), 'header From not allowed'],
      [message(sender, rcpt, 'two authors', 'x', [`From: <${rcpt}>`]), 'a second header From not allowed'],
    ] as const) {
      const refused = await asPrinter(data);
      assert.match(refused.stdout, /^SMTPDataError 550 5\.7\.1 From: <.*> is not allowed/m, what);
    }
    assert.deepEqual(await everything(), before, 'nothing was spooled');
    const usage = (await t.gw.users.get('printer')).usage.find((u) => u.protocol === 'smtp');
    assert.ok(
      usage && usage.failures >= 1 && usage.logins >= 1,
      'failures and logins are counted per user and protocol',
    );
  });

  test('SMTP AUTH disabled for the mailbox: the same kind of resource relays through Graph sendMail with the raw MIME', async () => {
    const user = sandboxUser(sb, 'gw-scanner');
    await consentedSandboxResource(sb, 'smtp', {
      store,
      name: 'gw-scanner',
      user,
      scope: `offline_access ${OUTLOOK_SEND} ${GRAPH_SEND}`,
      extra: { graphFallback: { baseUrl: sb.exchange.graph.url } },
    });
    await t.gw.users.add({ name: 'scanner', password: new Secret(PASSWORD), sendResource: 'gw-scanner' });
    // Set-CASMailbox -SmtpClientAuthenticationDisabled $true, through the sandbox's admin switch.
    sb.exchange.admin.setSmtpAuthDisabled(true, user);
    const subject = `graph ${randomBytes(3).toString('hex')}`;
    const data = message(user, rcpt, subject, 'Über Graph, 8bit.\r\n', [
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: 8bit',
    ]);
    const r = await swaks({ port: t.gw.smtp.port!, user: 'scanner', password: PASSWORD, from: user, to: [rcpt], data });
    assert.equal(r.code, 0, r.stdout);
    const out = await relayedOf(queuedId(r.stdout));
    assert.equal(out.kind === 'relayed' && out.via, 'graph', JSON.stringify(out));
    assert.ok(out.kind === 'relayed' && out.upstreamId, 'the Graph request-id is kept');
    const [got] = await delivered(rcpt, subject);
    assert.ok(got, 'the recipient has it');
    assert.ok(endsWith(got, swaksSent(data)), 'Graph got the MIME as sent');
  });

  test('upstream throttling (421 4.3.2 twice): deferred, then relayed', async () => {
    sb.exchange.admin.addFault({ protocol: 'smtp', mailbox: sender, kind: 'throttle', times: 2 });
    const subject = `throttled ${randomBytes(3).toString('hex')}`;
    const r = await swaks({
      port: t.gw.smtp.port!,
      user: 'printer',
      password: PASSWORD,
      from: sender,
      to: [rcpt],
      data: message(sender, rcpt, subject),
    });
    const id = queuedId(r.stdout);
    const out = await relayedOf(id);
    assert.equal(out.kind, 'relayed');
    const deferred = t.outcomes.filter((o) => o.id === id && o.kind === 'deferred');
    assert.ok(deferred.length >= 1, 'at least one deferral first');
    assert.ok(
      deferred.every((d) => d.kind === 'deferred' && d.status.startsWith('4.')),
      JSON.stringify(deferred),
    );
    assert.equal((await delivered(rcpt, subject)).length, 1, 'delivered once');
  });

  test('permanent refusal upstream (550 5.1.10): dead letter and an RFC 3464 bounce to the envelope sender', async () => {
    const subject = `bounce ${randomBytes(3).toString('hex')}`;
    const nobody = `nobody-${randomBytes(3).toString('hex')}@${sender.split('@')[1]}`;
    const r = await swaks({
      port: t.gw.smtp.port!,
      user: 'printer',
      password: PASSWORD,
      from: sender,
      to: [nobody],
      data: message(sender, nobody, subject),
    });
    const id = queuedId(r.stdout);
    const out = await relayedOf(id);
    assert.equal(out.kind, 'failed');
    assert.equal(out.kind === 'failed' && out.bounce, 'sent');
    assert.equal(out.kind === 'failed' && out.status, '5.1.10');
    const dead = (await store.listGatewayDeadLetters(50)).find((d) => d.id === id);
    assert.ok(dead, 'a dead letter is kept');
    assert.ok((await store.gatewayDeadLetterRaw(id))?.toString().includes(subject), 'with the raw message');
    await t.waitFor((o) => o.kind === 'relayed' && o.id.startsWith('dsn-'));
    const report = inbox(sender)
      .list()
      .find((m) => m.summary.subject === 'Undelivered Mail Returned to Sender');
    assert.ok(report, 'the sender got the bounce');
    const text = (await inbox(sender).read(report.uid)).toString('utf8');
    assert.match(text, /Content-Type: multipart\/report; report-type=delivery-status/);
    assert.match(text, /Content-Type: message\/delivery-status\r\n\r\nReporting-MTA: dns; gw\.test/);
    assert.match(text, /Content-Type: message\/rfc822[\s\S]*Subject: bounce /, 'the original is returned');
    assert.match(text, new RegExp(`Final-Recipient: rfc822; ${nobody}`));
    assert.match(text, /Action: failed/);
    assert.match(text, /Status: 5\.1\.10/);
    assert.match(text, /Diagnostic-Code: smtp; 550 5\.1\.10/);
  });

  test('upstream down: deferred with the cause, the message stays spooled', async () => {
    await store.putResource(
      parseResource({
        name: 'gw-down',
        kind: 'smtp',
        server: { host: '127.0.0.1', port: 9, secure: 'starttls' },
        user: sender,
        from: sender,
        authType: 'none',
      }),
    );
    await t.gw.users.add({ name: 'down', password: new Secret(PASSWORD), sendResource: 'gw-down' });
    const r = await swaks({
      port: t.gw.smtp.port!,
      user: 'down',
      password: PASSWORD,
      from: sender,
      to: [rcpt],
      data: message(sender, rcpt, 'down'),
    });
    const id = queuedId(r.stdout);
    const out = await t.waitFor((o) => o.id === id);
    assert.equal(out.kind, 'deferred');
    assert.ok(out.kind === 'deferred' && /CONNECTION_REFUSED|refused/i.test(out.diagnostic), JSON.stringify(out));
    assert.ok(
      (await store.listSpool()).some((e) => e.id === id),
      'still spooled',
    );
  });

  test('upstream token revoked: deferred (held for a new consent), never lost', async () => {
    const user = sandboxUser(sb, 'gw-revoked');
    await consentedSandboxResource(sb, 'smtp', {
      store,
      name: 'gw-revoked',
      user,
      scope: `offline_access ${OUTLOOK_SEND}`,
    });
    await t.gw.users.add({ name: 'revoked', password: new Secret(PASSWORD), sendResource: 'gw-revoked' });
    sb.identity.admin.revokeUser(user);
    await store.deleteAccessTokens('gw-revoked');
    const r = await swaks({
      port: t.gw.smtp.port!,
      user: 'revoked',
      password: PASSWORD,
      from: user,
      to: [rcpt],
      data: message(user, rcpt, 'revoked'),
    });
    const id = queuedId(r.stdout);
    const out = await t.waitFor((o) => o.id === id);
    assert.equal(out.kind, 'deferred', JSON.stringify(out));
    assert.ok(
      (await store.listSpool()).some((e) => e.id === id),
      'still spooled',
    );
  });
});
