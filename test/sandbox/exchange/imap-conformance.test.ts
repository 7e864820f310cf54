/**
 * One suite, two servers: the same scenarios through our own IMAP client (the Mailbox facade
 * over src/protocols/imap) against the Dovecot rig and against the Exchange sandbox, with the
 * same expected results, so the sandbox cannot drift from a real server unnoticed. Dovecot
 * offers OAUTHBEARER and XOAUTH2; the sandbox, like Exchange Online, only XOAUTH2.
 */
import assert from 'node:assert/strict';
import type { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { AccessTokenProvider } from '../../../src/auth/token-provider.js';
import { resourceSchema, type Resource } from '../../../src/config/resource.js';
import { createImapMailbox } from '../../../src/mail/imap-mailbox.js';
import type { Mailbox } from '../../../src/mail/mailbox.js';
import { connectImap } from '../../../src/protocols/imap/connect.js';
import { createFolder } from '../../../src/protocols/imap/folders.js';
import { Secret } from '../../../src/secret.js';
import { createExchangeContext, type SandboxExchangeContext, startImapServer, type ImapServer, startIdentityEmulator, SANDBOX, type IdentityEmulator } from '@mailbridge/sandbox';
import { loadRig, mintingProvider } from '../../helpers/rig.js';

interface Target {
  name: string;
  user: string;
  resource: Resource;
  tokens: AccessTokenProvider;
  deliver(raw: Buffer): Promise<void>;
  /** Whether the server offers OAUTHBEARER (else our client must pick XOAUTH2). */
  offersOauthBearer: boolean;
  close(): Promise<void>;
}

function message(o: { subject: string; from: string; to: string; body: string; attachment?: boolean }): Buffer {
  const head = [`From: ${o.from}`, `To: ${o.to}`, `Subject: ${o.subject}`, 'Date: Wed, 01 May 2024 10:00:00 +0000', `Message-ID: <${o.subject.replace(/\W/g, '')}.${Date.now()}@example.test>`, 'MIME-Version: 1.0'];
  if (!o.attachment) return Buffer.from([...head, 'Content-Type: text/plain; charset=utf-8', '', o.body, ''].join('\r\n'));
  return Buffer.from([
    ...head, 'Content-Type: multipart/mixed; boundary="b1"', '',
    '--b1', 'Content-Type: text/plain; charset=utf-8', '', o.body, '',
    '--b1', 'Content-Type: application/octet-stream; name="data.bin"', 'Content-Disposition: attachment; filename="data.bin"',
    'Content-Transfer-Encoding: base64', '', Buffer.from('0123456789'.repeat(300)).toString('base64'), '',
    '--b1--', '',
  ].join('\r\n'));
}

async function rigTarget(): Promise<Target> {
  const rig = loadRig();
  const user = rig.uniqueMailbox();
  return {
    name: 'dovecot rig',
    user,
    resource: rig.resource('imap', user),
    tokens: mintingProvider(rig, user),
    deliver: (raw) => rig.deliver(user, raw),
    offersOauthBearer: true,
    close: async () => undefined,
  };
}

async function sandboxTarget(): Promise<Target> {
  const identity: IdentityEmulator = await startIdentityEmulator();
  const ctx: SandboxExchangeContext = await createExchangeContext({ identity });
  const server: ImapServer = await startImapServer(ctx, { host: '127.0.0.1', port: 0, starttlsPort: 0 });
  const user = SANDBOX.alice;
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const caFile = join(mkdtempSync(join(tmpdir(), 'ximap-conf-')), 'ca.pem');
  writeFileSync(caFile, ctx.tls.ca);
  return {
    name: 'exchange sandbox',
    user,
    resource: resourceSchema.parse({
      name: 'sandbox-imap', kind: 'imap', server: { host: '127.0.0.1', port: server.port, secure: 'tls' },
      user, authType: 'oauth2', tls: { caFile },
    }),
    tokens: {
      getAccessToken: async () => new Secret((await identity.admin.mintAccessToken({ username: user, audience: 'https://outlook.office365.com' })).access_token),
    },
    deliver: async (raw) => void (await ctx.store.deliver(raw, { from: 'sender@example.test', to: [user] })),
    offersOauthBearer: false,
    async close() {
      await server.close();
      await identity.close();
    },
  };
}

for (const make of [rigTarget, sandboxTarget]) {
  describe(`IMAP conformance: ${make === rigTarget ? 'dovecot rig' : 'exchange sandbox'}`, () => {
    let t: Target;
    let mb: Mailbox;

    before(async () => {
      t = await make();
      await t.deliver(message({ subject: 'invoice 1', from: 'Alice Sender <as@example.test>', to: t.user, body: 'first body' }));
      await t.deliver(message({ subject: 'report', from: 'Carol <carol@example.test>', to: t.user, body: 'see the attachment', attachment: true }));
      await t.deliver(message({ subject: 'invoice 2', from: 'Bob <bob@example.test>', to: t.user, body: 'second body' }));
      const c = await connectImap({ resource: t.resource, tokens: t.tokens });
      try {
        // Dovecot drops AUTH= from its post-login capabilities; Exchange (and the sandbox) keep them.
        if (!t.offersOauthBearer) assert.deepEqual([c.capabilities.has('AUTH=XOAUTH2'), c.capabilities.has('AUTH=OAUTHBEARER')], [true, false]);
        await createFolder(c, 'Processed');
      } finally {
        await c.logout();
      }
      mb = createImapMailbox({ resource: t.resource, tokens: t.tokens });
    });
    after(async () => {
      await mb?.close();
      await t?.close();
    });

    test('verify and folders', async () => {
      assert.match(await mb.verify(), /IMAP4rev1/);
      const folders = await mb.folders();
      assert.equal(folders.find((x) => x.path === 'INBOX')?.messages, 3);
      assert.ok(folders.some((x) => x.path === 'Processed'));
    });

    test('list with each filter', async () => {
      const all = await mb.list();
      assert.deepEqual(all.map((m) => m.subject), ['invoice 1', 'report', 'invoice 2']);
      assert.deepEqual(all.map((m) => m.hasAttachments), [false, true, false]);
      assert.deepEqual(all.map((m) => m.from[0]?.address), ['as@example.test', 'carol@example.test', 'bob@example.test']);
      assert.deepEqual((await mb.list({ filter: { subject: 'invoice' } })).map((m) => m.subject), ['invoice 1', 'invoice 2']);
      assert.deepEqual((await mb.list({ filter: { from: 'bob@example.test' } })).map((m) => m.subject), ['invoice 2']);
      assert.deepEqual((await mb.list({ filter: { larger: 2000 } })).map((m) => m.subject), ['report']);
      assert.deepEqual((await mb.list({ filter: { smaller: 2000 } })).map((m) => m.subject), ['invoice 1', 'invoice 2']);
      assert.deepEqual((await mb.list({ filter: { hasAttachments: true } })).map((m) => m.subject), ['report']);
      assert.equal((await mb.list({ filter: { unseen: true } })).length, 3);
      assert.equal((await mb.list({ filter: { since: new Date(Date.now() + 3 * 86400_000) } })).length, 0);
      assert.equal((await mb.list({ filter: { before: new Date(Date.now() + 3 * 86400_000) } })).length, 3);
      assert.deepEqual((await mb.list({ limit: 1 })).map((m) => m.subject), ['invoice 2']);
    });

    test('get parsed and raw', async () => {
      const [, report] = await mb.list();
      assert.ok(report);
      const parsed = await mb.get(report.id);
      assert.equal(parsed.subject, 'report');
      assert.match(parsed.text ?? '', /see the attachment/);
      assert.deepEqual(parsed.attachments.map((a) => [a.filename, a.size]), [['data.bin', 3000]]);
      const raw = await readAll(await mb.raw(report.id));
      assert.match(raw.toString(), /\r\nSubject: report\r\n/);
      assert.match(raw.toString(), /--b1--\r\n$/);
    });

    test('flags: read and flagged', async () => {
      const [first] = await mb.list();
      assert.ok(first);
      await mb.markRead([first.id], true);
      await mb.flag([first.id], true);
      let [again] = await mb.list();
      assert.deepEqual([again?.seen, again?.flagged], [true, true]);
      assert.equal((await mb.list({ filter: { unseen: true } })).length, 2);
      await mb.markRead([first.id], false);
      await mb.flag([first.id], false);
      [again] = await mb.list();
      assert.deepEqual([again?.seen, again?.flagged], [false, false]);
    });

    test('copy, move and delete', async () => {
      const [first, second, third] = await mb.list();
      assert.ok(first && second && third);
      await mb.copy([first.id], 'Processed');
      await mb.move([second.id], 'Processed');
      assert.deepEqual((await mb.list()).map((m) => m.subject), ['invoice 1', 'invoice 2']);
      assert.deepEqual((await mb.list({ folder: 'Processed' })).map((m) => m.subject), ['invoice 1', 'report']);
      await mb.delete([third.id]);
      assert.deepEqual((await mb.list()).map((m) => m.subject), ['invoice 1']);
      const folders = await mb.folders();
      assert.equal(folders.find((x) => x.path === 'Processed')?.messages, 2);
    });
  });
}

async function readAll(s: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks);
}
