import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openMailbox } from '../../src/mail/open.js';
import { OUTLOOK, loadRig } from '../helpers/rig.js';
import { consentedResource } from './facade-consent.js';

describe('an access token that expires mid-session (TokenManager, real consent)', () => {
  test('the next login refreshes it, whether we or only the server know it expired', async () => {
    const rig = loadRig();
    const { store, tokens, resource } = await consentedResource(rig, 'imap');
    const subject = `refresh-${Date.now()}`;
    await rig.deliver(resource.user ?? '', `Subject: ${subject}\r\nFrom: a@example.test\r\n\r\nhi\r\n`);
    const mailbox = await openMailbox({ resource: resource.name, store, tokens });
    try {
      assert.equal((await mailbox.list({ filter: { subject } })).length, 1);
      const first = await store.getAccessToken(resource.name, OUTLOOK);
      assert.ok(first);

      // 1. The cache says "expired": the manager refreshes before the next login.
      await store.putAccessToken(resource.name, { ...first, expiresAt: Date.now() - 1000 });
      await rig.doveadm(['kick', resource.user ?? '']);
      assert.equal((await mailbox.list({ filter: { subject } })).length, 1);
      const second = await store.getAccessToken(resource.name, OUTLOOK);
      assert.ok(second && second.token.reveal() !== first.token.reveal() && second.expiresAt > Date.now());

      // 2. Only the server knows: a token it rejects, cached as if valid for an hour.
      const dead = await rig.mintToken(resource.user ?? '', OUTLOOK, 'https://outlook.office365.com/IMAP.AccessAsUser.All', { expiresInSeconds: -60 });
      await store.putAccessToken(resource.name, { ...second, token: dead, expiresAt: Date.now() + 3600_000 });
      await rig.doveadm(['kick', resource.user ?? '']);
      assert.equal((await mailbox.list({ filter: { subject } })).length, 1);
      const third = await store.getAccessToken(resource.name, OUTLOOK);
      assert.ok(third && third.token.reveal() !== dead.reveal());
    } finally {
      await mailbox.close();
      await store.close();
    }
  });
});

describe('POP3 and SMTP with a cached access token the server rejects (TokenManager, real consent)', () => {
  for (const kind of ['pop3', 'smtp'] as const) {
    test(`${kind}: the login is retried once with a refreshed token, and the store keeps the new one`, async () => {
      const rig = loadRig();
      // Its own mailbox: no other test's POP3 session competes for it.
      const user = rig.uniqueMailbox();
      await rig.ensureUser(user);
      const { store, tokens, resource } = await consentedResource(rig, kind, { user });
      const mailbox = await openMailbox({ resource: resource.name, store, tokens });
      try {
        const cached = await store.getAccessToken(resource.name, OUTLOOK);
        assert.ok(cached);
        const scope = kind === 'pop3' ? 'https://outlook.office365.com/POP.AccessAsUser.All' : 'https://outlook.office365.com/SMTP.Send';
        const dead = await rig.mintToken(resource.user ?? '', OUTLOOK, scope, { expiresInSeconds: -60 });
        // The cache believes it is good for an hour: only the server can tell it expired.
        await store.putAccessToken(resource.name, { ...cached, token: dead, expiresAt: Date.now() + 3600_000 });
        assert.match(await mailbox.verify(), /logged in/);
        const fresh = await store.getAccessToken(resource.name, OUTLOOK);
        assert.ok(fresh && fresh.token.reveal() !== dead.reveal() && fresh.expiresAt > Date.now());
      } finally {
        await mailbox.close();
        await store.close();
      }
    });
  }
});
