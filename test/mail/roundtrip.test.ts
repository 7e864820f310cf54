/**
 * The "done when": a message sent over SMTP (Postfix, XOAUTH2) and read back over
 * IMAP and over POP3 (Dovecot) keeps its Japanese subject, bodies and attachment file names
 * as the same strings and its attachment bytes byte for byte, in UTF-8 and ISO-2022-JP modes.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, test } from 'node:test';
import { buildRawMessage } from '../../src/message/compose.js';
import { createImapMailbox } from '../../src/mail/imap-mailbox.js';
import type { DraftEncoding, MailDraft } from '../../src/message/message.js';
import { parseMessage } from '../../src/message/parse.js';
import { createPop3Mailbox } from '../../src/mail/pop3-mailbox.js';
import { createSmtpMailbox } from '../../src/mail/smtp-mailbox.js';
import { loadRig, mintingProvider, type Rig } from '../helpers/rig.js';

// NEC specials, IBM extension kanji, a full-width tilde: what real Japanese mail carries.
const JP = '①㈱㍻ 髙﨑 ～ 日本語';
// UTF-8 carries these as they are; ISO-2022-JP (CP50220) has no half-width kana and one tilde.
const UTF8_ONLY = ' ｶﾀｶﾅ 〜';
const png = Buffer.from('89504e470d0a1a0a0000000d494844520000000100000001', 'hex');

interface Expected {
  subject: string;
  text: string;
  html: string;
  /** File name → bytes, in MIME order after the inline image. */
  files: [string, Buffer][];
}

async function send(rig: Rig, encoding: DraftEncoding, from: string, to: string, cc: string, dir: string): Promise<Expected> {
  const extra = encoding === 'utf-8' ? UTF8_ONLY : '';
  const unique = randomBytes(3).toString('hex');
  const fromFile = join(dir, '報告書①.txt');
  const fileBytes = Buffer.from(`ファイル本文 ㈱${extra}\n`, 'utf8');
  await writeFile(fromFile, fileBytes);
  const binary = randomBytes(70_000); // several base64 lines, every byte value
  const streamed = Buffer.from('ストリームの中身 ①\r\n'.repeat(50), 'utf8');
  const expected: Expected = {
    subject: `【${encoding}】${JP}${extra} 長い件名が続きます長い件名が続きます ${unique}`,
    text: `こんにちは\n${JP}${extra}\n`,
    html: `<p>${JP}${extra}<img src="cid:logo@mb"></p>`,
    files: [['報告書①.txt', fileBytes], [`見積書～最終${unique}.bin`, binary], ['ストリーム㈱.log', streamed]],
  };
  const draft: MailDraft = {
    encoding,
    from: { name: '山田 太郎', address: from },
    to: [{ name: '鈴木 花子', address: to }],
    cc: [cc],
    subject: expected.subject,
    text: expected.text,
    html: expected.html,
    attachments: [
      { path: fromFile },
      { content: binary, filename: expected.files[1]?.[0] ?? '' },
      { stream: Readable.from([streamed.subarray(0, 100), streamed.subarray(100)]), filename: expected.files[2]?.[0] ?? '' },
      { content: png, filename: 'logo.png', cid: 'logo@mb' },
    ],
  };
  const smtp = createSmtpMailbox({ resource: rig.resource('smtp', from), tokens: mintingProvider(rig, from) });
  try {
    const sent = await smtp.send(draft);
    assert.deepEqual(sent.accepted.sort(), [to, cc].sort());
  } finally {
    await smtp.close();
  }
  return expected;
}

/** The 7bit ISO-2022-JP text and HTML part bodies of a message (RFC 1468 form), byte for byte. */
function jisParts(raw: Buffer): string[] {
  const re =
    /text\/(?:plain|html); charset=ISO-2022-JP[^\r]*\r\nContent-Transfer-Encoding: 7bit\r\n\r\n([^]*?)\r\n--/g;
  return [...raw.toString('latin1').matchAll(re)].map((m) => m[1] ?? '');
}

/**
 * ISO-2022-JP mode: the whole stored message is 7-bit and its text and HTML parts are the bytes
 * composed (7bit, so Postfix and Dovecot have nothing to re-encode).
 */
async function assertJisBytesKept(stored: Buffer, e: Expected, from: string): Promise<void> {
  assert.ok(!stored.some((b) => b >= 0x80), 'only 7-bit bytes stored');
  const composed = await buildRawMessage({
    encoding: 'iso-2022-jp', from, to: ['x@example.test'], subject: e.subject, text: e.text, html: e.html,
  });
  const parts = jisParts(composed);
  assert.equal(parts.length, 2);
  assert.deepEqual(jisParts(stored), parts);
}

function assertSameMessage(m: Awaited<ReturnType<typeof parseMessage>>, e: Expected, from: string, over: string): void {
  assert.equal(m.subject, e.subject, `${over}: subject`);
  assert.deepEqual(m.from, { name: '山田 太郎', address: from }, `${over}: from`);
  assert.equal(m.to[0]?.name, '鈴木 花子', `${over}: to`);
  assert.equal(m.text, e.text, `${over}: text`);
  assert.equal(m.html, e.html, `${over}: html`);
  assert.deepEqual(m.warnings, [], `${over}: no decoding warnings`);
  assert.deepEqual(m.attachments.map((a) => a.filename), ['logo.png', ...e.files.map(([n]) => n)], `${over}: file names`);
  assert.ok(m.attachments[0]?.content.equals(png), `${over}: inline image bytes`);
  for (const [i, [name, bytes]] of e.files.entries()) {
    assert.ok(m.attachments[i + 1]?.content.equals(bytes), `${over}: bytes of ${name}`);
  }
}

for (const encoding of ['utf-8', 'iso-2022-jp'] as const) {
  describe(`SMTP → IMAP and POP3 round trip (${encoding})`, () => {
    let rig: Rig;
    let dir: string;
    let from: string;
    let imapUser: string;
    let pop3User: string;
    let expected: Expected;

    before(async () => {
      rig = loadRig();
      dir = await mkdtemp(join(tmpdir(), 'mb-roundtrip-'));
      from = rig.uniqueMailbox();
      imapUser = rig.uniqueMailbox();
      pop3User = rig.uniqueMailbox();
      expected = await send(rig, encoding, from, imapUser, pop3User, dir);
      await rig.waitForMessages(imapUser, 1);
      await rig.waitForMessages(pop3User, 1);
    });
    after(() => rm(dir, { recursive: true, force: true }));

    test('over IMAP: parsed strings equal, saved attachment files equal byte for byte', async () => {
      const imap = createImapMailbox({ resource: rig.resource('imap', imapUser), tokens: mintingProvider(rig, imapUser) });
      try {
        const [summary, ...more] = await imap.list();
        assert.ok(summary);
        assert.equal(more.length, 0);
        assert.equal(summary.subject, expected.subject);
        assert.equal(summary.hasAttachments, true);
        const stored = await buffer(await imap.raw(summary.id));
        assertSameMessage(await parseMessage(stored), expected, from, 'IMAP raw');
        if (encoding === 'iso-2022-jp') await assertJisBytesKept(stored, expected, from);
        const parsed = await imap.get(summary.id);
        assert.equal(parsed.subject, expected.subject);
        assert.deepEqual(parsed.attachments.map((a) => a.filename), ['logo.png', ...expected.files.map(([n]) => n)]);
        const saveDir = join(dir, `imap-${encoding}`);
        const saved = await imap.saveAttachments(summary.id, saveDir);
        const byName = new Map(saved.map((s) => [s.filename, s.path]));
        for (const [name, bytes] of expected.files) {
          const path = byName.get(name);
          assert.ok(path, `saved ${name} under its own name (saved: ${[...byName.keys()].join(', ')})`);
          assert.ok((await readFile(path)).equals(bytes), `bytes of ${name}`);
        }
      } finally {
        await imap.close();
      }
    });

    test('over POP3: parsed strings equal, attachment bytes equal', async () => {
      const pop3 = createPop3Mailbox({ resource: rig.resource('pop3', pop3User), tokens: mintingProvider(rig, pop3User) });
      const [summary, ...more] = await pop3.list();
      assert.ok(summary);
      assert.equal(more.length, 0);
      const raw = await buffer(await pop3.raw(summary.id));
      assertSameMessage(await parseMessage(raw), expected, from, 'POP3 raw');
      if (encoding === 'iso-2022-jp') await assertJisBytesKept(raw, expected, from);
      const parsed = await pop3.get(summary.id);
      assert.equal(parsed.subject, expected.subject);
      assert.equal(parsed.text, expected.text);
      assert.equal(raw.length, summary.size, 'the POP3 LIST size is the size of the bytes received');
    });
  });
}

test('SMTP → IMAP, ISO-2022-JP text only: one 7bit text/plain message, body bytes and Message-ID kept', async () => {
  const rig = loadRig();
  const from = rig.uniqueMailbox();
  const to = rig.uniqueMailbox();
  const text = `${JP}\n${'長い行は折り返されます。'.repeat(8)}\n末尾`;
  const draft: MailDraft = {
    encoding: 'iso-2022-jp', from: { name: '山田 太郎', address: from }, to: [to], subject: JP, text,
  };
  const smtp = createSmtpMailbox({ resource: rig.resource('smtp', from), tokens: mintingProvider(rig, from) });
  let messageId: string;
  try {
    messageId = (await smtp.send(draft)).messageId;
  } finally {
    await smtp.close();
  }
  await rig.waitForMessages(to, 1);
  const imap = createImapMailbox({ resource: rig.resource('imap', to), tokens: mintingProvider(rig, to) });
  try {
    const [summary] = await imap.list();
    assert.ok(summary);
    const stored = await buffer(await imap.raw(summary.id));
    assert.ok(!stored.some((b) => b >= 0x80), 'only 7-bit bytes stored');
    const s = stored.toString('latin1');
    assert.match(s, /^Content-Type: text\/plain; charset=ISO-2022-JP; format=flowed; delsp=yes\r$/m);
    assert.match(s, /^Content-Transfer-Encoding: 7bit\r$/m);
    assert.equal(/^Message-ID: (.+)\r$/im.exec(s)?.[1], messageId, 'the id send reported');
    const body = (raw: Buffer) => raw.subarray(raw.indexOf('\r\n\r\n') + 4).toString('latin1').replace(/(\r\n)+$/, '');
    assert.equal(body(stored), body(await buildRawMessage(draft)), 'body bytes as composed');
    const m = await parseMessage(stored);
    assert.deepEqual([m.subject, m.text?.replace(/\n$/, '')], [JP, text]);
  } finally {
    await imap.close();
  }
});
