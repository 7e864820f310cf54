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
