/**
 * The POP3 mailbox facade against the rig's Dovecot: list, get, raw, delete, UIDL-based
 * resumable fetch, the token check before AUTH, and the operations POP3 cannot do.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { before, describe, test } from 'node:test';
import { AuthError, UnsupportedError } from '../../src/errors.js';
import { fetchToDirectory } from '../../src/mail/fetch.js';
import type { Mailbox } from '../../src/mail/mailbox.js';
import { createPop3Mailbox } from '../../src/mail/pop3-mailbox.js';
import { loadRig, mintingProvider, type Rig } from '../helpers/rig.js';

const GRAPH = 'https://graph.microsoft.com';

function message(to: string, subject: string, attachment?: Buffer): Buffer {
  const head = ['From: Frank <frank@example.test>', `To: ${to}`, `Subject: ${subject}`, 'MIME-Version: 1.0'];
  if (!attachment) return Buffer.from([...head, 'Content-Type: text/plain; charset=utf-8', '', `本文 ${subject}`, '.leading dot', ''].join('\r\n'));
  return Buffer.from([
    ...head, 'Content-Type: multipart/mixed; boundary="b1"', '',
    '--b1', 'Content-Type: text/plain; charset=utf-8', '', `本文 ${subject}`, '',
    '--b1', 'Content-Type: application/octet-stream', 'Content-Disposition: attachment; filename*=UTF-8\'\'%E8%B3%87%E6%96%99.bin',
    'Content-Transfer-Encoding: base64', '', attachment.toString('base64'), '', '--b1--', '',
  ].join('\r\n'));
}

function unsupportedNamingImap(e: unknown): boolean {
  assert.ok(e instanceof UnsupportedError, String(e));
  assert.equal(e.code, 'MAIL_OPERATION_UNSUPPORTED');
  assert.match(e.message, /^POP3 cannot /);
  assert.match(e.hint, /imap resource/);
  return true;
}

describe('the POP3 mailbox facade', () => {
  let rig: Rig;
  let user: string;
  let mailbox: Mailbox;
  const sources: Buffer[] = [];
  const bytes = Buffer.from([0, 1, 2, 0xfe, 0xff, 0x2e, 0x0d, 0x0a, 0x2e]);

  before(async () => {
    rig = loadRig();
    user = rig.uniqueMailbox();
    sources.push(message(user, 'one'), message(user, 'two', bytes), message(user, 'three'));
    for (const s of sources) await rig.deliver(user, s);
    mailbox = createPop3Mailbox({ resource: rig.resource('pop3', user), tokens: mintingProvider(rig, user) });
  });

  test('list gives UIDLs and sizes; get parses; raw is the stored bytes', async () => {
    assert.match(await mailbox.verify(), /logged in to .*; 3 messages/);
    const all = await mailbox.list();
    assert.equal(all.length, 3);
    assert.equal(new Set(all.map((m) => m.id)).size, 3, 'UIDLs are distinct');
    assert.deepEqual(all.map((m) => m.folder), ['INBOX', 'INBOX', 'INBOX']);
    assert.deepEqual((await mailbox.list({ limit: 1 })).map((m) => m.id), [all[2]?.id]);
    const second = all[1];
    assert.ok(second);
    const raw = await buffer(await mailbox.raw(second.id));
    assert.equal(raw.length, second.size);
    // Dovecot adds its own trace headers on delivery; the message as sent follows them unchanged.
    assert.ok(raw.subarray(raw.length - (sources[1]?.length ?? 0)).equals(sources[1] ?? Buffer.alloc(0)), 'raw ends with the delivered bytes');
    const parsed = await mailbox.get(second.id);
    assert.equal(parsed.id, second.id);
    assert.equal(parsed.subject, 'two');
    assert.equal(parsed.text?.trim(), '本文 two');
    assert.deepEqual(parsed.attachments.map((a) => [a.filename, a.size]), [['資料.bin', bytes.length]]);
    assert.equal((await mailbox.folders()).map((f) => f.path).join(), 'INBOX');
  });

  test('what POP3 cannot do is an UnsupportedError naming IMAP, and nothing changes', async () => {
    const [first] = await mailbox.list();
    assert.ok(first);
    await assert.rejects(mailbox.move([first.id], 'Archive'), unsupportedNamingImap);
    await assert.rejects(mailbox.copy([first.id], 'Archive'), unsupportedNamingImap);
    await assert.rejects(mailbox.flag([first.id], true), unsupportedNamingImap);
    await assert.rejects(mailbox.markRead([first.id], true), unsupportedNamingImap);
    await assert.rejects(mailbox.saveAttachments(first.id, tmpdir()), unsupportedNamingImap);
    await assert.rejects(mailbox.list({ filter: { unseen: true } }), unsupportedNamingImap);
    await assert.rejects(mailbox.list({ folder: 'Sent' }), unsupportedNamingImap);
    await assert.rejects(mailbox.afterProcessing([first.id], { kind: 'move', folder: 'Done' }), unsupportedNamingImap);
    await assert.rejects(mailbox.afterProcessing([first.id], { kind: 'read' }), unsupportedNamingImap);
    assert.equal(await rig.countMessages(user), 3);
  });

  test('an unknown UIDL is a typed error naming the fix', async () => {
    await assert.rejects(mailbox.get('no-such-uidl'), (e: unknown) =>
      e instanceof Error && 'code' in e && e.code === 'POP3_MESSAGE_NOT_FOUND');
  });

  test('delete removes exactly the given messages (DELE + QUIT)', async () => {
    const before = await mailbox.list();
    const third = before[2];
    assert.ok(third);
    await mailbox.delete([third.id]);
    assert.equal(await rig.countMessages(user), 2);
    assert.deepEqual((await mailbox.list()).map((m) => m.id), before.slice(0, 2).map((m) => m.id));
  });
});

describe('a bulk fetch over POP3', () => {
  test('UIDL keeps a message from being fetched twice; after delete removes only what this run saved', async () => {
    const rig = loadRig();
    const user = rig.uniqueMailbox();
    await rig.deliver(user, message(user, 'a'));
    await rig.deliver(user, message(user, 'b'));
    const mailbox = createPop3Mailbox({ resource: rig.resource('pop3', user), tokens: mintingProvider(rig, user) });
    const dir = await mkdtemp(join(tmpdir(), 'mb-pop3-fetch-'));
    const first = await fetchToDirectory({ mailbox, dir });
    assert.deepEqual([first.matched, first.saved, first.skipped], [2, 2, 0]);
    assert.equal(first.restarted, undefined, 'POP3 has no UIDVALIDITY to compare');

    await rig.deliver(user, message(user, 'c'));
    const second = await fetchToDirectory({ mailbox, dir });
    assert.deepEqual([second.matched, second.saved, second.skipped], [3, 1, 2]);
    const emls = (await readdir(dir)).filter((n) => n.endsWith('.eml'));
    assert.equal(emls.length, 3);
    const subjects = await Promise.all(emls.map(async (n) => /^Subject: (.*)$/m.exec(await readFile(join(dir, n), 'utf8'))?.[1]?.trim()));
    assert.deepEqual(subjects.sort(), ['a', 'b', 'c']);

    // Messages an earlier run finished (saved, left) are done: only the new one is saved and deleted.
    await rig.deliver(user, message(user, 'd'));
    const third = await fetchToDirectory({ mailbox, dir, after: { kind: 'delete' } });
    assert.deepEqual([third.matched, third.saved, third.skipped, third.processed], [4, 1, 3, 1]);
    assert.equal(await rig.countMessages(user), 3);
    assert.deepEqual((await mailbox.list()).length, 3);
    assert.equal((await readdir(dir)).filter((n) => n.endsWith('.eml')).length, 4);
  });
});

describe('the token check before POP3 AUTH', () => {
  test('a Graph token is caught from its claims, before the server says -ERR', async () => {
    const rig = loadRig();
    const user = rig.uniqueMailbox();
    const tokens = mintingProvider(rig, user, { audience: GRAPH, scope: 'Mail.Read' });
    const mailbox = createPop3Mailbox({ resource: rig.resource('pop3', user), tokens });
    await assert.rejects(mailbox.verify(), (e: unknown) => {
      assert.ok(e instanceof AuthError, String(e));
      assert.equal(e.code, 'TOKEN_WRONG_AUDIENCE');
      assert.match(e.message, /graph\.microsoft\.com.*POP3 needs https:\/\/outlook\.office365\.com/);
      assert.match(e.hint, /outlook\.office365\.com\/POP\.AccessAsUser\.All/);
      return true;
    });
    assert.deepEqual(tokens.calls, [{ forceRefresh: false }], 'no refresh: the claims alone said no');
  });

  test('an Outlook token without POP.AccessAsUser.All is caught the same way', async () => {
    const rig = loadRig();
    const user = rig.uniqueMailbox();
    const tokens = mintingProvider(rig, user, { scope: 'https://outlook.office365.com/IMAP.AccessAsUser.All' });
    const mailbox = createPop3Mailbox({ resource: rig.resource('pop3', user), tokens });
    await assert.rejects(mailbox.verify(), (e: unknown) => e instanceof AuthError && e.code === 'TOKEN_MISSING_PERMISSION' && /POP\.AccessAsUser\.All/.test(e.message));
  });
});
