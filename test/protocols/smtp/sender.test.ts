/**
 * The SMTP sender against the rig's real Postfix (SASL through Dovecot, tokens checked by the
 * identity emulator), read back through Dovecot over POP3 to prove the round trip.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { AccessTokenProvider } from '../../../src/auth/token-provider.js';
import { MailbridgeError, ProtocolError } from '../../../src/errors.js';
import { connectPop3 } from '../../../src/protocols/pop3/client.js';
import { createSmtpSender, type SmtpSenderOptions } from '../../../src/protocols/smtp/index.js';
import { loadRig, mintingProvider, type Rig } from '../../helpers/rig.js';

let rig: Rig;
before(() => {
  rig = loadRig();
});

async function rejectsWith(p: Promise<unknown>, code: string): Promise<MailbridgeError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof MailbridgeError, `expected a MailbridgeError, got ${String(e)}`);
    assert.equal(e.code, code, `${e.code}: ${e.message}`);
    return e;
  }
  assert.fail(`expected ${code}, got success`);
}

/** Reads the recipient's mailbox over POP3 (XOAUTH2) and returns every message. */
async function readBack(user: string, count: number): Promise<string[]> {
  await rig.waitForMessages(user, count);
  const s = await connectPop3({ resource: rig.resource('pop3', user), tokens: mintingProvider(rig, user) });
  const out: string[] = [];
  for (const m of await s.list()) out.push((await s.retrieve(m.number)).toString('utf8'));
  await s.quit();
  return out;
}

function sender(user: string, over: Parameters<Rig['resource']>[2] = {}, opts: Partial<SmtpSenderOptions> = {}) {
  return createSmtpSender({ resource: rig.resource('smtp', user, over), tokens: mintingProvider(rig, user), ...opts });
}

describe('SMTP send with XOAUTH2', () => {
  for (const secure of ['starttls', 'tls'] as const) {
    test(`${secure === 'starttls' ? 'submission STARTTLS' : 'SMTPS'}: sent through Postfix, read back over POP3`, async () => {
      const from = rig.uniqueMailbox();
      const to = rig.uniqueMailbox();
      const s = sender(from, { secure });
      const subject = `round trip ${secure} ${Date.now()}`;
      const result = await s.send({ from, to, subject, text: 'hello through the rig\n' });
      s.close();
      assert.deepEqual(result.accepted, [to]);
      assert.deepEqual(result.rejected, []);
      assert.match(result.response, /^250 /);
      const [msg] = await readBack(to, 1);
      assert.ok(msg?.includes(`Subject: ${subject}`));
      assert.ok(msg?.includes(result.messageId));
      assert.ok(msg?.includes('hello through the rig'));
    });
  }

  test('an expired token is refreshed once (forceRefresh) and the message goes out', async () => {
    const from = rig.uniqueMailbox();
    const to = rig.uniqueMailbox();
    const tokens = mintingProvider(rig, from, { firstExpiresInSeconds: -60 });
    const s = sender(from, {}, { tokens });
    await s.send({ from, to, subject: 'after refresh', text: 'x' });
    s.close();
    assert.deepEqual(tokens.calls, [{ forceRefresh: false }, { forceRefresh: true }]);
    assert.equal((await readBack(to, 1)).length, 1);
  });

  test('a revoked token is SMTP_AUTH_FAILED with the fix, after exactly one refresh', async () => {
    const from = rig.uniqueMailbox();
    const revoked = await rig.mintToken(from);
    await rig.revokeUser(from);
    const calls: boolean[] = [];
    const tokens: AccessTokenProvider = {
      getAccessToken: async (o) => {
        calls.push(o?.forceRefresh === true);
        return revoked;
      },
    };
    const s = sender(from, {}, { tokens });
    const err = await rejectsWith(s.send({ from, to: rig.uniqueMailbox(), subject: 'x', text: 'x' }), 'SMTP_AUTH_FAILED');
    s.close();
    assert.ok(err instanceof ProtocolError);
    assert.match(err.hint, /SMTP\.Send/);
    assert.match(err.hint, /UPN/);
    assert.match(String(err.details.serverResponse), /^535 5\.7\.8/);
    assert.equal(err.details.family, 100);
    assert.deepEqual(calls, [false, true]);
    assert.doesNotMatch(JSON.stringify(err.toJSON()) + err.message, new RegExp(revoked.reveal().slice(0, 40)));
  });

  test('basic auth (LOGIN) works too', async () => {
    const from = rig.uniqueMailbox();
    const to = rig.uniqueMailbox();
    const s = createSmtpSender({ resource: rig.resource('smtp', from, { authType: 'basic' }), password: rig.basicPassword });
    await s.send({ from, to, subject: 'basic', text: 'x' });
    s.close();
    assert.equal((await readBack(to, 1)).length, 1);
  });

  test('authType none reaches a server that needs no login (the loopback injection port)', async () => {
    const to = rig.uniqueMailbox();
    const s = createSmtpSender({ resource: rig.resource('smtp', 'noone@example.test', { secure: 'none', authType: 'none' }) });
    await s.send({ from: 'noone@example.test', to, subject: 'no auth', text: 'x' });
    s.close();
    assert.equal((await readBack(to, 1)).length, 1);
  });
});

describe('SMTP login check and token fitness', () => {
  test('verify() logs in (EHLO, STARTTLS, AUTH) and sends nothing', async () => {
    const from = rig.uniqueMailbox();
    const tokens = mintingProvider(rig, from);
    const s = sender(from, {}, { tokens });
    assert.match(await s.verify(), new RegExp(`^logged in as ${from} at .*\\(starttls\\); nothing sent$`));
    s.close();
    assert.deepEqual(tokens.calls, [{ forceRefresh: false }]);
    assert.equal(await rig.countMessages(from), 0);
  });

  test('verify() refreshes an expired token once, like send()', async () => {
    const from = rig.uniqueMailbox();
    const tokens = mintingProvider(rig, from, { firstExpiresInSeconds: -60 });
    const s = sender(from, {}, { tokens });
    await s.verify();
    s.close();
    assert.deepEqual(tokens.calls, [{ forceRefresh: false }, { forceRefresh: true }]);
  });

  test('verify() with a token for another mailbox is SMTP_AUTH_FAILED after one refresh', async () => {
    const from = rig.uniqueMailbox();
    const tokens = mintingProvider(rig, rig.uniqueMailbox());
    const s = sender(from, {}, { tokens });
    const err = await rejectsWith(s.verify(), 'SMTP_AUTH_FAILED');
    s.close();
    assert.match(err.hint, /SMTP\.Send/);
    assert.equal(tokens.calls.filter((c) => c.forceRefresh).length, 1);
  });

  test('a Graph token is caught from its claims with the fix, nothing sent', async () => {
    const from = rig.uniqueMailbox();
    const to = rig.uniqueMailbox();
    const tokens = mintingProvider(rig, from, { audience: 'https://graph.microsoft.com', scope: 'Mail.Send' });
    const s = sender(from, {}, { tokens });
    const err = await rejectsWith(s.send({ from, to, subject: 'x', text: 'x' }), 'TOKEN_WRONG_AUDIENCE');
    s.close();
    assert.match(err.message, /graph\.microsoft\.com.*SMTP needs https:\/\/outlook\.office365\.com/);
    assert.match(err.hint, /outlook\.office365\.com\/SMTP\.Send/);
    assert.deepEqual(tokens.calls, [{ forceRefresh: false }], 'no refresh: the claims alone said no');
    assert.equal(await rig.countMessages(to), 0);
  });
});

describe('SMTP TLS and mode failures', () => {
  test('the self-signed rig is refused (TLS_UNTRUSTED naming tls.caFile) until its CA is given', async () => {
    const from = rig.uniqueMailbox();
    const s = sender(from, { tls: {} });
    const err = await rejectsWith(s.send({ from, to: from, subject: 'x', text: 'x' }), 'TLS_UNTRUSTED');
    assert.match(err.hint, /tls\.caFile/);
    assert.equal(err.details.family, 100);
  });

  test('TLS to the STARTTLS port is TLS_WRONG_MODE: use port 587 with STARTTLS', async () => {
    const from = rig.uniqueMailbox();
    const resource = rig.resource('smtp', from, { secure: 'tls' });
    const s = createSmtpSender({ resource: { ...resource, server: { ...resource.server, port: rig.smtp.submissionPort } }, tokens: mintingProvider(rig, from) });
    const err = await rejectsWith(s.send({ from, to: from, subject: 'x', text: 'x' }), 'TLS_WRONG_MODE');
    assert.match(err.hint, /port 587 with STARTTLS/);
  });

  test('XOAUTH2 over plaintext is refused before anything is sent', async () => {
    const from = rig.uniqueMailbox();
    const s = sender(from, { secure: 'none' });
    await rejectsWith(s.send({ from, to: from, subject: 'x', text: 'x' }), 'PLAINTEXT_AUTH_REFUSED');
  });
});

describe('SMTP pooled bulk sending', () => {
  test('the rate limit reaches nodemailer as messages per 60 s, and holds a third message back', async () => {
    const from = rig.uniqueMailbox();
    const to = rig.uniqueMailbox();
    const s = sender(from, { rateLimitPerMinute: 2 }, { pool: { maxConnections: 1 } });
    const d = await s.describe();
    assert.equal(d.pool, true);
    assert.equal(d.rateLimit, 2);
    assert.equal(d.rateDelta, 60_000);
    assert.deepEqual(d.auth, { type: 'OAuth2', user: from });

    let thirdSettled = false;
    const sends = [1, 2, 3].map((n) => s.send({ from, to, subject: `bulk ${n}`, text: 'x' }));
    const third = sends[2]!.then(() => undefined, () => undefined).finally(() => (thirdSettled = true));
    await Promise.all(sends.slice(0, 2));
    await rig.waitForMessages(to, 2);
    // Two went out in this window; the third waits for the next minute (we close before then).
    assert.equal(thirdSettled, false);
    assert.equal(await rig.countMessages(to), 2);
    s.close();
    await third;
  });

  test('without a rate limit, a pool sends everything', async () => {
    const from = rig.uniqueMailbox();
    const to = rig.uniqueMailbox();
    const s = sender(from, {}, { pool: true });
    const d = await s.describe();
    assert.equal(d.rateLimit, undefined);
    await Promise.all(Array.from({ length: 10 }, (_, n) => s.send({ from, to, subject: `bulk ${n}`, text: 'x' })));
    s.close();
    await rig.waitForMessages(to, 10);
    assert.equal(await rig.countMessages(to), 10);
  });
});
