import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { after, before, describe, test } from 'node:test';
import { MailbridgeError, UnsupportedError } from '../../src/errors.js';
import { createImapMailbox } from '../../src/mail/imap-mailbox.js';
import type { Mailbox } from '../../src/mail/mailbox.js';
import { loadRig, mintingProvider, type Rig } from '../helpers/rig.js';

function withAttachment(to: string, subject: string, filename: string, content: Buffer): string {
  return [
    'From: Carol <carol@example.test>', `To: ${to}`, `Subject: ${subject}`, 'Date: Wed, 01 May 2024 10:00:00 +0000',
    'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="zz"', '',
    '--zz', 'Content-Type: text/plain; charset=utf-8', '', 'body text', '',
    '--zz', `Content-Type: application/octet-stream; name="${filename}"`, `Content-Disposition: attachment; filename="${filename}"`,
    'Content-Transfer-Encoding: base64', '', content.toString('base64').replace(/.{76}/g, '$&\r\n'), '',
    '--zz--', '',
  ].join('\r\n');
}
const plain = (to: string, subject: string) =>
  ['From: Dan <dan@example.test>', `To: ${to}`, `Subject: ${subject}`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', `text of ${subject}`, ''].join('\r\n');

describe('the IMAP mailbox facade', () => {
  let rig: Rig;
  let user: string;
  let mailbox: Mailbox;
  const file = randomBytes(2048);

  before(async () => {
    rig = loadRig();
    user = rig.uniqueMailbox();
    await rig.deliver(user, plain(user, 'first'));
    await rig.deliver(user, withAttachment(user, 'with file', 'data.bin', file));
    await rig.deliver(user, plain(user, 'third'));
    mailbox = createImapMailbox({ resource: rig.resource('imap', user), tokens: mintingProvider(rig, user) });
  });
  after(() => mailbox?.close());

  test('list with filters, get parsed, raw, attachments', async () => {
    const all = await mailbox.list();
    assert.deepEqual(all.map((m) => m.subject), ['first', 'with file', 'third']);
    assert.deepEqual((await mailbox.list({ filter: { hasAttachments: true } })).map((m) => m.subject), ['with file']);
    assert.deepEqual((await mailbox.list({ filter: { hasAttachments: false }, limit: 1 })).map((m) => m.subject), ['third']);
    assert.deepEqual((await mailbox.list({ limit: 2 })).map((m) => m.subject), ['with file', 'third']);
    const withFile = all[1];
    assert.ok(withFile);
    const parsed = await mailbox.get(withFile.id);
    assert.equal(parsed.subject, 'with file');
    assert.equal(parsed.text?.trim(), 'body text');
    assert.deepEqual(parsed.attachments.map((a) => [a.filename, a.size]), [['data.bin', 2048]]);
    assert.match(await text(await mailbox.raw(withFile.id)), /Subject: with file\r\n/);
    const dir = await mkdtemp(join(tmpdir(), 'mb-att-'));
    const saved = await mailbox.saveAttachments(withFile.id, dir);
    assert.equal(saved.length, 1);
    assert.deepEqual(await readFile(saved[0]?.path ?? ''), file);
  });

  test('mark, flag, copy and each after-processing action', async () => {
    const [first, , third] = await mailbox.list();
    assert.ok(first && third);
    await mailbox.markRead([first.id], true);
    await mailbox.flag([first.id], true);
    let [f] = await mailbox.list({ filter: { subject: 'first' } });
    assert.equal(f?.seen, true);
    assert.equal(f?.flagged, true);
    await mailbox.markRead([first.id], false);
    await mailbox.flag([first.id], false);
    [f] = await mailbox.list({ filter: { unseen: true, subject: 'first' } });
    assert.equal(f?.flagged, false);

    await mailbox.afterProcessing([first.id], { kind: 'leave' });
    assert.equal(await rig.countMessages(user), 3);
    await mailbox.afterProcessing([first.id], { kind: 'read' });
    assert.equal((await mailbox.list({ filter: { unseen: true } })).some((m) => m.id === first.id), false);
    await rig.doveadm(['mailbox', 'create', '-u', user, 'Done']);
    await mailbox.copy([third.id], 'Done');
    assert.equal(await rig.countMessages(user, 'Done'), 1);
    await mailbox.afterProcessing([first.id], { kind: 'move', folder: 'Done' });
    assert.equal(await rig.countMessages(user, 'Done'), 2);
    await mailbox.afterProcessing([third.id], { kind: 'delete' });
    assert.deepEqual((await mailbox.list()).map((m) => m.subject), ['with file']);
    assert.deepEqual((await mailbox.folders()).map((x) => x.path).sort(), ['Done', 'INBOX']);
  });

  test('sending through an IMAP resource names the SMTP fix', async () => {
    await assert.rejects(mailbox.send({ from: user, to: [user], subject: 'x', text: 'y' }), (e: unknown) =>
      e instanceof UnsupportedError && /smtp resource/.test(e.hint));
  });

  test('a dropped connection reconnects on the next operation with a fresh token', async () => {
    await rig.doveadm(['kick', user]);
    // The next call finds the session unusable and logs in again.
    const again = await mailbox.list();
    assert.ok(again.length >= 1);
  });
});

describe('a connection dropped during an attachment download', () => {
  test('leaves nothing half-written and a typed error', async () => {
    const rig = loadRig();
    const user = rig.uniqueMailbox();
    const big = randomBytes(24 * 1024 * 1024);
    await rig.deliver(user, withAttachment(user, 'big', 'big.bin', big));
    const mailbox = createImapMailbox({ resource: rig.resource('imap', user), tokens: mintingProvider(rig, user) });
    try {
      const [msg] = await mailbox.list();
      assert.ok(msg);
      const dir = await mkdtemp(join(tmpdir(), 'mb-drop-'));
      const saving = mailbox.saveAttachments(msg.id, dir);
      // Kill the server side once the temp file exists, i.e. mid-download.
      for (let i = 0; i < 2000 && !(await readdir(dir).catch(() => [])).some((n) => n.endsWith('.part')); i++) {
        await new Promise((r) => setTimeout(r, 5));
      }
      await rig.doveadm(['kick', user]);
      await assert.rejects(saving, (e: unknown) => e instanceof MailbridgeError);
      assert.deepEqual(await readdir(dir), []);
    } finally {
      await mailbox.close();
    }
  });
});
