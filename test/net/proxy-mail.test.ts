/**
 * IMAP, POP3 and SMTP through an HTTP CONNECT proxy (Debian's tinyproxy on loopback) to the
 * rig's Dovecot and Postfix: imapflow's and nodemailer's own proxy clients, our undici tunnel
 * for POP3; TLS to the mail server still verified end to end (the rig's CA), and a proxy that
 * refuses or wants other credentials named in a typed error.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { formatDoctorReport } from '../../src/doctor/check.js';
import { runDoctor } from '../../src/doctor/run.js';
import { connectImap } from '../../src/protocols/imap/connect.js';
import { connectPop3 } from '../../src/protocols/pop3/client.js';
import { createSmtpSender } from '../../src/protocols/smtp/index.js';
import { failure, haveCommand, type RunningProxy, startTinyproxy } from '../helpers/proxies.js';
import { loadRig, mintingProvider, type Rig } from '../helpers/rig.js';
import { consentedResource } from '../mail/facade-consent.js';

const skip = haveCommand('tinyproxy') ? false : 'tinyproxy is not installed (scripts/setup-debian.sh installs it)';

describe('mail protocols through a CONNECT proxy', { skip, timeout: 60_000 }, () => {
  let rig: Rig;
  let proxy: RunningProxy;
  let refusing: RunningProxy;
  let authed: RunningProxy;
  before(async () => {
    rig = loadRig();
    [proxy, refusing, authed] = await Promise.all([
      startTinyproxy(),
      startTinyproxy({ connectPorts: [1] }),
      startTinyproxy({ auth: { user: 'bob', password: 'right-one' } }),
    ]);
  });
  after(async () => {
    await Promise.all([proxy?.close(), refusing?.close(), authed?.close()]);
  });

  for (const secure of ['tls', 'starttls'] as const) {
    it(`IMAP (${secure}) logs in with XOAUTH2 through the tunnel; the proxy logs the CONNECT`, async () => {
      const user = rig.uniqueMailbox();
      await rig.deliver(user, 'From: a@example.com\r\nTo: b@example.com\r\nSubject: tunnelled\r\n\r\nbody\r\n');
      const port = secure === 'tls' ? rig.imap.port : rig.imap.starttlsPort;
      const client = await connectImap({
        resource: rig.resource('imap', user, { secure, proxy: proxy.url }),
        tokens: mintingProvider(rig, user),
      });
      try {
        const status = await client.status('INBOX', { messages: true });
        assert.ok(status && status.messages === 1, 'the delivered message is there');
      } finally {
        await client.logout();
      }
      assert.match(proxy.log(), new RegExp(`CONNECT ${rig.host.replace(/\./g, '\\.')}:${port} `));
    });
  }

  it('SMTP submission (STARTTLS) sends through the tunnel, and POP3 reads it back through our own tunnel', async () => {
    const from = rig.uniqueMailbox();
    const to = rig.uniqueMailbox();
    const s = createSmtpSender({
      resource: rig.resource('smtp', from, { secure: 'starttls', proxy: proxy.url }),
      tokens: mintingProvider(rig, from),
    });
    const subject = `through the proxy ${Date.now()}`;
    try {
      const r = await s.send({ from, to, subject, text: 'hello\n' });
      assert.deepEqual(r.accepted, [to]);
    } finally {
      s.close();
    }
    await rig.waitForMessages(to, 1);
    const pop = await connectPop3({
      resource: rig.resource('pop3', to, { proxy: proxy.url }),
      tokens: mintingProvider(rig, to),
      timeoutMs: 10_000,
    });
    try {
      const [m] = await pop.list();
      assert.ok(m);
      assert.match((await pop.retrieve(m.number)).toString('utf8'), new RegExp(subject));
    } finally {
      await pop.quit();
    }
    const log = proxy.log();
    assert.match(log, new RegExp(`CONNECT [^ ]+:${rig.smtp.submissionPort} `));
    assert.match(log, new RegExp(`CONNECT [^ ]+:${rig.pop3.port} `));
  });

  it('the server certificate is still checked inside the tunnel: without the rig CA the login fails as untrusted', async () => {
    const user = rig.uniqueMailbox();
    const e = await failure(
      connectPop3({
        resource: rig.resource('pop3', user, { proxy: proxy.url, tls: {} }),
        tokens: mintingProvider(rig, user),
        timeoutMs: 10_000,
      }),
    );
    assert.equal(e.code, 'PROXY_TLS_INTERCEPTED', e.message);
    assert.match(e.message, /not trusted/);
  });

  it('a proxy that refuses CONNECT: one typed error for IMAP, POP3 and SMTP', async () => {
    const user = rig.uniqueMailbox();
    const imap = await failure(
      connectImap({
        resource: rig.resource('imap', user, { proxy: refusing.url }),
        tokens: mintingProvider(rig, user),
      }),
    );
    assert.equal(imap.code, 'PROXY_CONNECT_REFUSED', imap.message);
    assert.match(
      imap.message,
      new RegExp(`refused to connect to ${rig.host.replace(/\./g, '\\.')}:${rig.imap.port} \\(403\\)`),
    );
    const pop = await failure(
      connectPop3({
        resource: rig.resource('pop3', user, { proxy: refusing.url }),
        tokens: mintingProvider(rig, user),
        timeoutMs: 10_000,
      }),
    );
    assert.equal(pop.code, 'PROXY_CONNECT_REFUSED', pop.message);
    const s = createSmtpSender({
      resource: rig.resource('smtp', user, { secure: 'starttls', proxy: refusing.url }),
      tokens: mintingProvider(rig, user),
    });
    const smtp = await failure(s.send({ from: user, to: user, subject: 'x', text: 'x' }));
    s.close();
    assert.equal(smtp.code, 'PROXY_CONNECT_REFUSED', smtp.message);
  });

  it('a proxy that wants credentials: PROXY_AUTH_FAILED, and the right ones work (MAILBRIDGE_PROXY_USER/PASSWORD)', async () => {
    const user = rig.uniqueMailbox();
    const e = await failure(
      connectImap({ resource: rig.resource('imap', user, { proxy: authed.url }), tokens: mintingProvider(rig, user) }),
    );
    assert.equal(e.code, 'PROXY_AUTH_FAILED', e.message);
    process.env.MAILBRIDGE_PROXY_USER = 'bob';
    process.env.MAILBRIDGE_PROXY_PASSWORD = 'right-one';
    try {
      const client = await connectImap({
        resource: rig.resource('imap', user, { proxy: authed.url }),
        tokens: mintingProvider(rig, user),
      });
      await client.logout();
      const pop = await connectPop3({
        resource: rig.resource('pop3', user, { proxy: authed.url }),
        tokens: mintingProvider(rig, user),
        timeoutMs: 10_000,
      });
      await pop.quit();
    } finally {
      delete process.env.MAILBRIDGE_PROXY_USER;
      delete process.env.MAILBRIDGE_PROXY_PASSWORD;
    }
  });

  it('mailbridge doctor says which proxy a resource uses, probes and logs in through it', async () => {
    const { store, tokens, resource } = await consentedResource(rig, 'imap');
    const report = await runDoctor({ resource: { ...resource, proxy: proxy.url }, store, tokens });
    const byName = Object.fromEntries(report.checks.map((c) => [c.name, c]));
    assert.equal(report.ok, true, formatDoctorReport(report));
    assert.match(
      byName['proxy']?.detail ?? '',
      new RegExp(`server: through ${proxy.url} \\(resource\\); sign-in: through ${proxy.url}`),
    );
    assert.equal(byName['dns']?.status, 'skip');
    assert.equal(byName['login']?.status, 'pass');
    const direct = await runDoctor({ resource, store, tokens });
    assert.match(direct.checks.find((c) => c.name === 'proxy')?.detail ?? '', /^none: direct/);
  });

  it('XOAUTH2 over plaintext stays refused through a proxy as without one', async () => {
    const user = rig.uniqueMailbox();
    const e = await failure(
      connectImap({
        resource: rig.resource('imap', user, { secure: 'none', proxy: proxy.url }),
        tokens: mintingProvider(rig, user),
      }),
    );
    assert.notEqual(e.code.startsWith('PROXY_'), true, e.message);
    assert.match(`${e.message} ${e.hint ?? ''}`, /plain|TLS/i);
  });
});
