/**
 * Never an open relay (issue 13, docs/security.md): with a source allow-list naming one device
 * (127.0.0.2), swaks from any other address (127.0.0.3, still loopback) without a login is refused
 * at MAIL FROM whatever the recipient, and so is a wrong login; the listed device may send only as
 * its allowed From; nothing of the refused ones is spooled. Upstream is the rig's Postfix.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createSealer } from '../../src/store/seal.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import { loadRig } from '../helpers/rig.js';
import { consentedResource } from '../mail/facade-consent.js';
import { message, runClient, startTestGateway, type TestGateway } from './support.js';

describe('the gateway is never an open relay', { timeout: 120_000 }, () => {
  let home: string;
  let store: Store;
  let t: TestGateway;
  let from: string;

  before(async () => {
    const rig = loadRig();
    home = mkdtempSync(join(tmpdir(), 'mb-gw-relay-'));
    store = openSqliteStore({ path: join(home, 'mailbridge.db'), sealer: createSealer(randomBytes(32)) });
    from = rig.uniqueMailbox();
    await rig.ensureUser(from);
    const { tokens } = await consentedResource(rig, 'smtp', { store, name: 'rig-send', user: from });
    t = await startTestGateway({
      store,
      tokens,
      home,
      config: {
        smtp: { allowSources: [{ network: '127.0.0.2/32', resource: 'rig-send' }] },
        delivery: { messagesPerMinute: 0 },
      },
    });
  });
  after(async () => {
    await t?.close();
    await store?.close();
  });

  /** swaks from `source`, STARTTLS, optionally with a login; prints the whole dialogue. */
  const swaksFrom = (source: string, mailFrom: string, to: string, auth?: [string, string]) =>
    runClient('swaks', [
      '--server',
      '127.0.0.1',
      '--port',
      String(t.gw.smtp.port!),
      '--local-interface',
      source,
      '--tls',
      '--tls-verify',
      '--tls-ca-path',
      join(home, 'gateway-tls', 'gateway-cert.pem'),
      ...(auth ? ['--auth', 'PLAIN', '--auth-user', auth[0], '--auth-password', auth[1]] : []),
      '--from',
      mailFrom,
      '--to',
      to,
      '--data',
      message(mailFrom, to, `open relay ${source} ${randomBytes(3).toString('hex')}`).toString(),
      '--helo',
      'outsider.test',
    ]);

  test('an address not on the allow-list cannot send without a login, to anyone', async () => {
    const spooled = async () => (await store.listSpool()).length + (await store.listRelayed(100)).length;
    const before = await spooled();
    for (const to of ['victim@example.net', from]) {
      const r = await swaksFrom('127.0.0.3', from, to);
      assert.match(r.stdout, /<~\* 530 5\.7\.0 Authentication required/, r.stdout);
      assert.notEqual(r.code, 0);
    }
    const wrong = await swaksFrom('127.0.0.3', from, 'victim@example.net', ['nobody', 'guessed password']);
    assert.match(wrong.stdout, /<~\* 535 5\.7\.8 Authentication credentials invalid/, wrong.stdout);
    assert.equal(await spooled(), before, 'nothing was spooled');
  });

  test('the listed device sends without a login, but only as its allowed From', async () => {
    const forged = await swaksFrom('127.0.0.2', 'ceo@example.net', 'victim@example.net');
    assert.match(forged.stdout, /<~\* 553 5\.7\.1 Sender address <ceo@example\.net> is not allowed/, forged.stdout);
    const ok = await swaksFrom('127.0.0.2', from, from);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    const id = /queued as ([0-9a-z]+)/.exec(ok.stdout)?.[1];
    assert.ok(id, ok.stdout);
    const out = await t.waitFor((o) => o.id === id && o.kind !== 'deferred');
    assert.equal(out.kind, 'relayed');
  });
});
