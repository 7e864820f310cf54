/**
 * The gateway's own message rate limits (issue 13), beyond Exchange's per-mailbox windows: per
 * gateway user (a default and an override by name) and per source network, answered 450 4.7.1
 * at MAIL FROM with the limit and when to retry, and counted in the store so a restart does not
 * reset them. Python's smtplib is the client; the messages that pass go to the rig's Postfix.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { GatewayConfigInput } from '../../src/gateway/config.js';
import { Secret } from '../../src/secret.js';
import { createSealer } from '../../src/store/seal.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import type { Store } from '../../src/store/store.js';
import type { TokenManager } from '../../src/auth/token-manager.js';
import { loadRig } from '../helpers/rig.js';
import { consentedResource } from '../mail/facade-consent.js';
import { message, pythonSend, startTestGateway, type TestGateway } from './support.js';

const PASSWORD = 'correct horse battery staple';

describe('gateway message rate limits per user and per source network', { timeout: 180_000 }, () => {
  let home: string;
  let store: Store;
  let tokens: TokenManager;
  let t: TestGateway | undefined;
  let from: string;
  const config: GatewayConfigInput = {
    smtp: {
      rate: {
        messagesPerMinutePerUser: 100,
        users: { erp: { messagesPerMinute: 2 } },
        networks: [{ network: '127.0.0.0/8', messagesPerHour: 5 }],
      },
    },
    delivery: { messagesPerMinute: 0 },
  };

  before(async () => {
    const rig = loadRig();
    home = mkdtempSync(join(tmpdir(), 'mb-gw-rate-'));
    store = openSqliteStore({ path: join(home, 'mailbridge.db'), sealer: createSealer(randomBytes(32)) });
    from = rig.uniqueMailbox();
    await rig.ensureUser(from);
    ({ tokens } = await consentedResource(rig, 'smtp', { store, name: 'rig-send', user: from }));
    t = await startTestGateway({ store, tokens, home, config });
    await t.gw.users.add({ name: 'erp', password: new Secret(PASSWORD), sendResource: 'rig-send' });
    await t.gw.users.add({ name: 'scanner', password: new Secret(PASSWORD), sendResource: 'rig-send' });
  });
  after(async () => {
    await t?.close();
    await store?.close();
  });

  let n = 0;
  const send = (user: string) =>
    pythonSend({
      port: t!.gw.smtp.port!,
      caFile: join(home, 'gateway-tls', 'gateway-cert.pem'),
      starttls: false, // loopback
      user,
      password: PASSWORD,
      from,
      to: [from],
      data: message(from, from, `rate ${user} ${++n}`),
    });

  test("a user's own limit (2 a minute) refuses the third message with 450 4.7.1, also after a restart", async () => {
    assert.equal((await send('erp')).stdout.trim(), 'OK');
    assert.equal((await send('erp')).stdout.trim(), 'OK');
    const third = (await send('erp')).stdout.trim();
    assert.match(
      third,
      /^SMTPSenderRefused 450 4\.7\.1 Message rate limit reached for this login \(2 per minute\); try again in \d+ s$/,
    );
    // The other user has the default (100 a minute): not affected.
    assert.equal((await send('scanner')).stdout.trim(), 'OK');

    await t!.close();
    t = await startTestGateway({ store, tokens, home, config });
    const afterRestart = (await send('erp')).stdout.trim();
    assert.match(afterRestart, /^SMTPSenderRefused 450 4\.7\.1 Message rate limit reached for this login/);
  });

  test('the loopback network (5 an hour) counts every login in it together; refused messages do not count', async () => {
    // erp 2 + scanner 1 so far (the refused ones not counted): two more fit.
    assert.equal((await send('scanner')).stdout.trim(), 'OK');
    assert.equal((await send('scanner')).stdout.trim(), 'OK');
    const sixth = (await send('scanner')).stdout.trim();
    assert.match(
      sixth,
      /^SMTPSenderRefused 450 4\.7\.1 Message rate limit reached for your network 127\.0\.0\.0\/8 \(5 per hour\); try again in \d+ s$/,
    );
    assert.equal((await store.listSpool()).length + (await store.listRelayed(100)).length, 5);
  });
});
