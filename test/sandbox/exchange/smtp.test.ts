import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import nodemailer from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { ALICE, APP, BOB, startSandboxes, type Sandboxes } from './support.js';

const run = promisify(execFile);
let sb: Sandboxes;
before(async () => {
  sb = await startSandboxes();
});
after(() => sb.close());

function transport(auth: SMTPTransport.Options['auth']) {
  return nodemailer.createTransport({
    host: '127.0.0.1',
    port: sb.exchange.smtp.port,
    secure: false,
    requireTLS: true,
    tls: { ca: sb.exchange.caPem, servername: 'localhost' },
    auth,
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 10_000,
  } satisfies SMTPTransport.Options);
}

async function sendError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return String((e as { response?: string }).response ?? e);
  }
  assert.fail('expected the server to refuse');
}

const inbox = (user: string) => sb.exchange.context.store.mailbox(user)!.folder('inbox')!;
const sent = (user: string) => sb.exchange.context.store.mailbox(user)!.folder('sentitems')!;
const subjects = (f: ReturnType<typeof inbox>) => f.list().map((m) => m.summary.subject);

/** A plain-text SMTP dialog up to (not through) STARTTLS. */
async function plainDialog(lines: string[]): Promise<string> {
  const s = connect(sb.exchange.smtp.port, '127.0.0.1');
  let text = '';
  s.on('data', (d: Buffer) => (text += d.toString()));
  const waitFor = async (n: number) => {
    for (let i = 0; i < 200 && (text.match(/^\d{3} /gm) ?? []).length < n; i++) await new Promise((r) => setTimeout(r, 10));
  };
  await waitFor(1);
  for (const [i, l] of lines.entries()) {
    s.write(`${l}\r\n`);
    await waitFor(i + 2);
  }
  s.destroy();
  return text;
}

describe('SMTP submission (smtp.office365.com:587 behaviour)', () => {
  test('greeting and EHLO: STARTTLS offered, AUTH not before TLS; AUTH and MAIL before TLS refused as Exchange does', async () => {
    const text = await plainDialog(['EHLO client', 'AUTH XOAUTH2', 'MAIL FROM:<alice@contoso.onmicrosoft.com>', 'QUIT']);
    assert.match(text, /^220 \S+ Microsoft ESMTP MAIL Service ready at /);
    assert.match(text, /^250-\S+ Hello \[127\.0\.0\.1\]/m);
    assert.match(text, /^250-STARTTLS/m);
    assert.match(text, /^250[- ]SIZE 157286400/m);
    assert.doesNotMatch(text, /^250[- ]AUTH/m);
    assert.match(text, /^504 5\.7\.4 Unrecognized authentication type\r$/m);
    assert.match(text, /^530 5\.7\.57 Client not authenticated to send mail\r$/m);
    assert.match(text, /^221 2\.0\.0 Service closing transmission channel\r$/m);
  });

  test('nodemailer over STARTTLS with XOAUTH2: delivered to the recipient Inbox and kept in Sent Items', async () => {
    const token = await sb.token('SMTP.Send');
    const t = transport({ type: 'OAuth2', user: ALICE, accessToken: token });
    const info = await t.sendMail({ from: ALICE, to: BOB, subject: 'nodemailer hello', text: 'Hi Bob' });
    t.close();
    assert.match(info.response, /^250 2\.0\.0 OK/);
    assert.deepEqual(info.accepted, [BOB]);
    assert.ok(subjects(inbox(BOB)).includes('nodemailer hello'));
    const copy = sent(ALICE).list().find((m) => m.summary.subject === 'nodemailer hello');
    assert.ok(copy);
    assert.ok(copy.flags.has('\\Seen'));
    assert.match((await sent(ALICE).read(copy.uid)).toString(), /Hi Bob/);
  });

  test('curl (smtp:// --ssl-reqd --oauth2-bearer) submits with XOAUTH2', async () => {
    const token = await sb.token('SMTP.Send');
    const file = join(tmpdir(), `mb-curl-smtp-${process.pid}.eml`);
    await writeFile(file, `From: ${ALICE}\r\nTo: ${BOB}\r\nSubject: curl hello\r\n\r\nsent by curl\r\n`);
    const { stderr } = await run('curl', [
      '-sS', '-v', '--max-time', '20', `smtp://127.0.0.1:${sb.exchange.smtp.port}`, '--ssl-reqd', '--cacert', sb.caFile,
      '--mail-from', ALICE, '--mail-rcpt', BOB, '--upload-file', file, '--user', `${ALICE}:`, '--oauth2-bearer', token,
    ]);
    assert.match(stderr, /> AUTH XOAUTH2/);
    assert.match(stderr, /< 235 2\.7\.0 Authentication successful/);
    // After STARTTLS: Exchange's EHLO keywords and reply texts (microsoft.md §3.4).
    assert.match(stderr, /< 250-ENHANCEDSTATUSCODES/);
    assert.match(stderr, /< 250-AUTH LOGIN XOAUTH2/);
    assert.match(stderr, /< 250 2\.1\.0 Sender OK/);
    assert.match(stderr, /< 250 2\.1\.5 Recipient OK/);
    assert.match(stderr, /< 354 Start mail input; end with <CRLF>\.<CRLF>/);
    assert.ok(subjects(inbox(BOB)).includes('curl hello'));
  });

  test('535 5.7.3 for a bad token, a token for another user, or one without SMTP.Send', async () => {
    const cases = [
      { user: ALICE, accessToken: 'eyJhbGciOiJub25lIn0.e30.' },
      { user: BOB, accessToken: await sb.token('SMTP.Send') },
      { user: ALICE, accessToken: await sb.token('IMAP.AccessAsUser.All') },
      { user: ALICE, accessToken: await sb.token('SMTP.Send', { expiresInSeconds: -10 }) },
    ];
    for (const c of cases) {
      const reply = await sendError(transport({ type: 'OAuth2', ...c }).sendMail({ from: c.user, to: BOB, subject: 'x', text: 'x' }));
      assert.match(reply, /^535 5\.7\.3 Authentication unsuccessful \[\S+\]$/);
    }
  });

  test('LOGIN and PLAIN are refused as basic authentication is disabled', async () => {
    for (const method of ['LOGIN', 'PLAIN']) {
      const t = nodemailer.createTransport({
        host: '127.0.0.1', port: sb.exchange.smtp.port, requireTLS: true, tls: { ca: sb.exchange.caPem, servername: 'localhost' },
        auth: { user: ALICE, pass: 'Passw0rd!' }, authMethod: method,
      });
      const reply = await sendError(t.sendMail({ from: ALICE, to: BOB, subject: 'x', text: 'x' }));
      assert.equal(reply, '535 5.7.139 Authentication unsuccessful, basic authentication is disabled.');
    }
  });

  test('535 5.7.139 when SMTP AUTH is disabled for the tenant, or for the mailbox (which wins)', async () => {
    const token = await sb.token('SMTP.Send');
    const send = () => sendError(transport({ type: 'OAuth2', user: ALICE, accessToken: token }).sendMail({ from: ALICE, to: BOB, subject: 'x', text: 'x' }));
    sb.exchange.admin.setSmtpAuthDisabled(true);
    try {
      assert.equal(await send(), '535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.');
      sb.exchange.admin.setSmtpAuthDisabled(false, ALICE);
      const ok = await transport({ type: 'OAuth2', user: ALICE, accessToken: token }).sendMail({ from: ALICE, to: BOB, subject: 'mailbox override', text: 'x' });
      assert.match(ok.response, /^250 /);
    } finally {
      sb.exchange.admin.setSmtpAuthDisabled(false);
      sb.exchange.admin.setSmtpAuthDisabled(null, ALICE);
    }
    sb.exchange.admin.setSmtpAuthDisabled(true, ALICE);
    try {
      assert.equal(await send(), '535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled for more information.');
    } finally {
      sb.exchange.admin.setSmtpAuthDisabled(null, ALICE);
    }
  });

  test('send-as: another envelope sender is 5.7.60, another From: is SendAsDenied; a Send As grant allows both', async () => {
    const t = transport({ type: 'OAuth2', user: ALICE, accessToken: await sb.token('SMTP.Send') });
    const envelope = await sendError(t.sendMail({ envelope: { from: BOB, to: [BOB] }, from: BOB, to: BOB, subject: 'as bob', text: 'x' }));
    assert.equal(envelope, '550 5.7.60 SMTP; Client does not have permissions to send as this sender');
    const header = await sendError(t.sendMail({ envelope: { from: ALICE, to: [BOB] }, from: BOB, to: BOB, subject: 'as bob', text: 'x' }));
    assert.match(header, /^554 5\.2\.0 STOREDRV\.Submission\.Exception:SendAsDeniedException\.MapiExceptionSendAsDenied; /);
    assert.ok(!subjects(inbox(BOB)).includes('as bob'));
    sb.exchange.admin.grantSendAs(BOB, ALICE);
    const ok = await t.sendMail({ from: BOB, to: BOB, subject: 'as bob granted', text: 'x' });
    t.close();
    assert.match(ok.response, /^250 /);
  });

  test('app-only with SMTP.SendAsApp and a mailbox permission sends as that mailbox', async () => {
    const t = transport({ type: 'OAuth2', user: BOB, accessToken: await sb.appToken(['SMTP.SendAsApp']) });
    const info = await t.sendMail({ from: BOB, to: ALICE, subject: 'app-only hello', text: 'x' });
    t.close();
    assert.match(info.response, /^250 /);
    assert.ok(subjects(inbox(ALICE)).includes('app-only hello'));
    sb.exchange.admin.revokeFullAccess(BOB, APP);
    try {
      const reply = await sendError(transport({ type: 'OAuth2', user: BOB, accessToken: await sb.appToken(['SMTP.SendAsApp']) }).sendMail({ from: BOB, to: ALICE, subject: 'x', text: 'x' }));
      assert.match(reply, /^535 5\.7\.3 /);
    } finally {
      sb.exchange.admin.grantFullAccess(BOB, APP);
    }
  });

  test('unknown recipient in the tenant domain: 550 5.1.10', async () => {
    const t = transport({ type: 'OAuth2', user: ALICE, accessToken: await sb.token('SMTP.Send') });
    const reply = await sendError(t.sendMail({ from: ALICE, to: 'nobody@contoso.onmicrosoft.com', subject: 'x', text: 'x' }));
    t.close();
    assert.equal(reply, '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup');
  });

  test('throttle fault: 421 4.3.2', async () => {
    sb.exchange.admin.addFault({ protocol: 'smtp', mailbox: ALICE, kind: 'throttle', times: 1 });
    const t = transport({ type: 'OAuth2', user: ALICE, accessToken: await sb.token('SMTP.Send') });
    const reply = await sendError(t.sendMail({ from: ALICE, to: BOB, subject: 'x', text: 'x' }));
    assert.equal(reply, '421 4.3.2 Service not available, closing transmission channel');
    assert.equal(sb.exchange.admin.listFaults().length, 0);
  });

  test('the 31st message within a minute is refused with SubmissionQuotaExceededException', async () => {
    const sender = 'carol@contoso.onmicrosoft.com';
    sb.exchange.admin.createMailbox(sender, 'Carol');
    await sb.identity.admin.upsertUser({ username: sender, password: 'Passw0rd!' });
    const t = nodemailer.createTransport({
      pool: true, maxConnections: 1, maxMessages: Infinity,
      host: '127.0.0.1', port: sb.exchange.smtp.port, requireTLS: true, tls: { ca: sb.exchange.caPem, servername: 'localhost' },
      auth: { type: 'OAuth2', user: sender, accessToken: await sb.token('SMTP.Send', { user: sender }) },
    } satisfies SMTPPool.Options);
    try {
      for (let i = 0; i < 30; i++) await t.sendMail({ from: sender, to: BOB, subject: `burst ${i}`, text: 'x' });
      const reply = await sendError(t.sendMail({ from: sender, to: BOB, subject: 'burst 31', text: 'x' }));
      assert.match(reply, /^554 5\.2\.0 STOREDRV\.Submission\.Exception:SubmissionQuotaExceededException; Failed to process message due to a permanent exception with message \[BeginDiagnosticData\]/);
    } finally {
      t.close();
    }
    assert.equal(sent(sender).list().length, 30);
  });
});
