import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { ConfigError } from '../../src/errors.js';
import { buildRawMessage, composeMessage, parseMailDraft } from '../../src/message/compose.js';
import type { MailDraft } from '../../src/message/message.js';
import { parseMessage } from '../../src/message/parse.js';

const JP = '①㈱㍻ 髙﨑 ～ 日本語 ｶﾀｶﾅ';
const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

async function draftWithFiles(dir: string, encoding: MailDraft['encoding']): Promise<MailDraft> {
  const filePath = join(dir, '報告書①.txt');
  await writeFile(filePath, Buffer.from('ファイル本文 ㈱\n', 'utf8'));
  return {
    encoding,
    from: { name: '山田 太郎', address: 'taro@example.jp' },
    sender: 'shared@example.jp',
    to: ['"鈴木 花子" <hanako@example.jp>', 'bob@example.com'],
    cc: [{ name: '髙橋', address: 'takahashi@example.jp' }],
    bcc: ['hidden@example.jp'],
    replyTo: ['reply@example.jp'],
    subject: `【重要】${JP} 長い件名が続きます長い件名が続きます長い件名が続きます`,
    text: `こんにちは\n${JP}\n`,
    html: `<p>${JP}<img src="cid:logo@mb"></p>`,
    attachments: [
      { path: filePath },
      { content: Buffer.from([0, 1, 2, 255]), filename: '見積書〜最終.bin' },
      { stream: Readable.from([Buffer.from('streamed '), Buffer.from('data')]), filename: 'ストリーム.log' },
      { content: png, filename: 'logo.png', cid: 'logo@mb' },
    ],
    priority: 'high',
    headers: { 'X-Campaign': 'spring' },
  };
}

for (const encoding of ['utf-8', 'iso-2022-jp'] as const) {
  test(`compose → raw → parse round trip (${encoding})`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mb-compose-'));
    try {
      const raw = await buildRawMessage(await draftWithFiles(dir, encoding));
      const rawText = raw.toString('latin1');
      assert.ok(raw.every((b) => b < 0x80), 'the message is 7-bit clean');
      assert.ok(!/^Bcc:/im.test(rawText), 'Bcc is not written');
      if (encoding === 'iso-2022-jp') {
        assert.match(rawText, /charset=ISO-2022-JP/);
        assert.match(rawText, /filename="=\?ISO-2022-JP\?B\?/);
        assert.match(rawText, /^From: =\?ISO-2022-JP\?B\?[^?]+\?= <taro@example\.jp>/m);
      } else {
        assert.match(rawText, /charset=utf-8/);
      }
      const m = await parseMessage(raw);
      // ISO-2022-JP has no half-width katakana: they arrive full-width (CP50220)
      const jp = encoding === 'utf-8' ? JP : JP.replace('ｶﾀｶﾅ', 'カタカナ');
      assert.equal(m.subject, `【重要】${jp} 長い件名が続きます長い件名が続きます長い件名が続きます`);
      assert.deepEqual(m.from, { name: '山田 太郎', address: 'taro@example.jp' });
      assert.deepEqual(m.sender, { address: 'shared@example.jp' });
      assert.deepEqual(m.to, [{ name: '鈴木 花子', address: 'hanako@example.jp' }, { address: 'bob@example.com' }]);
      assert.deepEqual(m.cc, [{ name: '髙橋', address: 'takahashi@example.jp' }]);
      assert.deepEqual(m.replyTo, [{ address: 'reply@example.jp' }]);
      assert.equal(m.text, `こんにちは\n${jp}\n`);
      assert.equal(m.html, `<p>${jp}<img src="cid:logo@mb"></p>`);
      assert.equal(m.importance, 'high');
      assert.equal(m.headers['x-campaign'], 'spring');
      // MIME order: the inline image sits in multipart/related, before the attached files
      const names = m.attachments.map((a) => a.filename);
      const wave = encoding === 'utf-8' ? '〜' : '～';
      assert.deepEqual(names, ['logo.png', '報告書①.txt', `見積書${wave}最終.bin`, 'ストリーム.log']);
      assert.equal(m.attachments[1]?.content.toString('utf8'), 'ファイル本文 ㈱\n');
      assert.deepEqual([...(m.attachments[2]?.content ?? [])], [0, 1, 2, 255]);
      assert.equal(m.attachments[3]?.content.toString(), 'streamed data');
      assert.equal(m.attachments[1]?.inline, false);
      assert.equal(m.hasAttachments, true);
      const logo = m.attachments[0];
      assert.ok(logo?.content.equals(png));
      assert.equal(logo?.contentId, 'logo@mb');
      assert.equal(logo?.inline, true);
      assert.deepEqual(m.warnings, []);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
}

test('ISO-2022-JP mode: the envelope carries every recipient; UTF-8 mode leaves it to nodemailer', () => {
  const base: MailDraft = { from: 'a@example.jp', to: ['b@example.jp'], cc: ['c@example.jp'], bcc: ['d@example.jp'], subject: '件名', text: '本文' };
  const iso = composeMessage({ ...base, encoding: 'iso-2022-jp' });
  assert.deepEqual(iso.envelope, { from: 'a@example.jp', to: ['b@example.jp', 'c@example.jp', 'd@example.jp'] });
  const utf = composeMessage(base);
  assert.equal(utf.textEncoding, 'base64');
  assert.deepEqual(utf.bcc, ['d@example.jp']);
});

const base: MailDraft = { from: 'a@example.jp', to: ['b@example.jp'], subject: 'ok', text: 'x' };
const injections: Array<[string, Partial<MailDraft>]> = [
  ['subject', { subject: 'hi\r\nBcc: victim@example.com' }],
  ['to', { to: ['b@example.jp\nBcc: victim@example.com'] }],
  ['from', { from: { name: 'Evil\r\nX-Injected: 1', address: 'a@example.jp' } }],
  ['cc', { cc: [{ address: 'c@example.jp\r\n' }] }],
  ['replyTo', { replyTo: ['r@example.jp\r\nX: y'] }],
  ['headers.X-Ok', { headers: { 'X-Ok': 'v\r\nBcc: victim@example.com' } }],
  ['headers.X-Bad\r\nBcc', { headers: { 'X-Bad\r\nBcc': 'v' } }],
  ['attachments[0].filename', { attachments: [{ content: Buffer.from('x'), filename: 'a.txt\r\nContent-Type: text/html' }] }],
  ['attachments[0].cid', { attachments: [{ content: Buffer.from('x'), filename: 'a.png', cid: 'x\r\ny' }] }],
];
for (const [field, patch] of injections) {
  test(`header injection refused in ${JSON.stringify(field)}`, () => {
    for (const encoding of ['utf-8', 'iso-2022-jp'] as const) {
      assert.throws(
        () => composeMessage({ ...base, ...patch, encoding }),
        (e: unknown) => e instanceof ConfigError && e.code === 'HEADER_INJECTION' && e.field === field,
      );
    }
  });
}

test('bad input gets a typed error naming the fix', () => {
  const code = (d: Partial<MailDraft>, opts?: { maxRecipients?: number }) => {
    try {
      composeMessage({ ...base, ...d }, opts);
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      assert.ok(e.hint.length > 0);
      return e.code;
    }
    return 'no error';
  };
  assert.equal(code({ to: ['not an address'] }), 'ADDRESS_INVALID');
  assert.equal(code({ to: [] }), 'NO_RECIPIENTS');
  assert.equal(code({ to: Array.from({ length: 501 }, (_, i) => `u${i}@example.jp`) }), 'TOO_MANY_RECIPIENTS');
  assert.equal(code({ to: ['a@example.jp', 'b@example.jp', 'c@example.jp'] }, { maxRecipients: 2 }), 'TOO_MANY_RECIPIENTS');
  assert.equal(code({ headers: { Subject: 'override' } }), 'HEADER_RESERVED');
  assert.equal(code({ headers: { 'Bad Name': 'x' } }), 'HEADER_NAME_INVALID');
  assert.equal(code({ attachments: [{ content: Buffer.from('x') }] }), 'ATTACHMENT_NAME_MISSING');
  assert.equal(code({ subject: '絵文字😀', encoding: 'iso-2022-jp' }), 'CHARSET_UNMAPPABLE');
  assert.equal(code({ subject: '絵文字😀' }), 'no error');
  assert.throws(() => parseMailDraft({ from: 'a@example.jp', to: 'b@example.jp', subject: 's' }), (e: unknown) => e instanceof ConfigError && e.code === 'DRAFT_INVALID' && e.field === 'to');
  assert.equal(parseMailDraft({ from: 'a@example.jp', to: ['b@example.jp'], subject: 's' }).subject, 's');
});
