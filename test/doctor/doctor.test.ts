import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { TokenManager } from '../../src/auth/token-manager.js';
import type { Resource } from '../../src/config/resource.js';
import { formatDoctorReport } from '../../src/doctor/check.js';
import { runDoctor } from '../../src/doctor/run.js';
import type { Store } from '../../src/store/store.js';
import { loadRig, type Rig } from '../helpers/rig.js';
import { consentedResource } from '../mail/facade-consent.js';

describe('mailbridge doctor against the rig', () => {
  let rig: Rig;
  let store: Store;
  let tokens: TokenManager;
  let resource: Resource;
  before(async () => {
    rig = loadRig();
    ({ store, tokens, resource } = await consentedResource(rig, 'imap'));
  });

  test('a good resource passes every check, claims shown without the signature', async () => {
    const report = await runDoctor({ resource, store, tokens });
    const byName = Object.fromEntries(report.checks.map((c) => [c.name, c]));
    assert.equal(report.ok, true, formatDoctorReport(report));
    assert.match(byName['access token']?.detail ?? '', /aud https:\/\/outlook\.office365\.com; scp .*IMAP\.AccessAsUser\.All.*; user alice@contoso\.onmicrosoft\.com; expires in \d+ min/);
    assert.match(byName['tls']?.detail ?? '', /TLSv1\.[23] .*certificate localhost issued by mailbridge rig CA/);
    assert.match(byName['auth mechanisms']?.detail ?? '', /XOAUTH2/);
    assert.equal(byName['login']?.status, 'pass');
    const token = (await store.getAccessToken(resource.name, 'https://outlook.office365.com'))?.token.reveal() ?? '';
    const text = formatDoctorReport(report);
    assert.ok(!text.includes(token.split('.')[2] ?? 'none'), 'the signature is never printed');
    assert.match(text, /all checks passed$/);
  });

  test('an untrusted certificate fails at TLS with the fix, and login is not tried', async () => {
    const bad = { ...resource, tls: { insecureLoopback: false, allowPlaintextLoopback: false } };
    const report = await runDoctor({ resource: bad, store, tokens });
    assert.equal(report.ok, false);
    const connect = report.checks.find((c) => c.name === 'connect');
    assert.equal(connect?.status, 'fail');
    assert.equal(connect?.code, 'TLS_UNTRUSTED');
    assert.match(connect?.fix ?? '', /tls\.caFile/);
    assert.equal(report.checks.some((c) => c.name === 'login'), false);
    assert.match(formatDoctorReport(report), /FAIL  connect .*\n\s+Fix: .*tls\.caFile/);
  });

  test('TLS to the STARTTLS port is diagnosed as the wrong mode', async () => {
    const bad = { ...resource, server: { ...resource.server, port: rig.imap.starttlsPort } };
    const report = await runDoctor({ resource: bad, store, tokens });
    const connect = report.checks.find((c) => c.name === 'connect');
    assert.ok(connect?.code === 'TLS_WRONG_MODE' || connect?.code === 'TIMEOUT', JSON.stringify(connect));
    assert.match(connect?.fix ?? '', /STARTTLS|143/);
  });

  test('STARTTLS on 143 is probed after the upgrade', async () => {
    const starttls = { ...resource, server: { ...resource.server, port: rig.imap.starttlsPort, secure: 'starttls' as const } };
    const report = await runDoctor({ resource: starttls, store, tokens });
    assert.equal(report.ok, true, formatDoctorReport(report));
  });
});

describe('mailbridge doctor on POP3 and SMTP resources', () => {
  for (const kind of ['pop3', 'smtp'] as const) {
    test(`${kind}: every check passes, login included (a real ${kind === 'smtp' ? 'EHLO + STARTTLS + AUTH, nothing sent' : 'AUTH'})`, async () => {
      const rig = loadRig();
      const user = rig.uniqueMailbox();
      await rig.ensureUser(user);
      const { store, tokens, resource } = await consentedResource(rig, kind, { user });
      try {
        const report = await runDoctor({ resource, store, tokens });
        assert.equal(report.ok, true, formatDoctorReport(report));
        const login = report.checks.find((c) => c.name === 'login');
        assert.equal(login?.status, 'pass', formatDoctorReport(report));
        assert.match(login?.detail ?? '', kind === 'smtp' ? new RegExp(`^logged in as ${user} at .*nothing sent$`) : /^logged in to /);
        assert.match(report.checks.find((c) => c.name === 'auth mechanisms')?.detail ?? '', /XOAUTH2/);
      } finally {
        await store.close();
      }
    });
  }

  test('smtp: a refused login fails the login check with the fix', async () => {
    const rig = loadRig();
    const { store, tokens, resource } = await consentedResource(rig, 'smtp');
    try {
      // The token is for alice; logging in as another mailbox is refused by the server (535).
      const other = { ...resource, user: rig.uniqueMailbox() };
      const report = await runDoctor({ resource: other, store, tokens });
      const login = report.checks.find((c) => c.name === 'login');
      assert.equal(report.ok, false);
      assert.equal(login?.status, 'fail', formatDoctorReport(report));
      assert.equal(login?.code, 'SMTP_AUTH_FAILED');
      assert.match(login?.fix ?? '', /SMTP\.Send/);
    } finally {
      await store.close();
    }
  });
});
