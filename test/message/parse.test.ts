import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import iconv from 'iconv-lite';
import { encodeIso2022jp } from '../../src/message/charset/index.js';
import { parseHeadersOnly, parseMessage } from '../../src/message/parse.js';
import { ProtocolError } from '../../src/errors.js';

const jis = (s: string) => encodeIso2022jp(s).bytes;
const b64 = (b: Buffer) => b.toString('base64');
const crlf = (lines: Array<string | Buffer>) =>
  Buffer.concat(lines.map((l) => Buffer.concat([typeof l === 'string' ? Buffer.from(l, 'latin1') : l, Buffer.from('\r\n')])));
/** Splits bytes in two at `at` and writes them as two adjacent B encoded-words. */
const splitWords = (charset: string, bytes: Buffer, at: number) =>
  `=?${charset}?B?${b64(bytes.subarray(0, at))}?=\r\n =?${charset}?B?${b64(bytes.subarray(at))}?=`;
const pct = (b: Buffer) => [...b].map((x) => `%${x.toString(16).toUpperCase().padStart(2, '0')}`).join('');

test('RFC 2047: ISO-2022-JP, Shift_JIS, EUC-JP and UTF-8 words, characters split across two words', async () => {
  // 0x8160 is what Windows writes for the tilde-like dash; Outlook shows U+FF5E
  const sjis = iconv.encode('①会議～のお知らせ', 'cp932');
  assert.deepEqual([...sjis.subarray(6, 8)], [0x81, 0x60]);
  const utf8 = Buffer.from('髙﨑さん');
  const raw = crlf([
    `From: =?ISO-2022-JP?B?${b64(jis('山田 ㈱太郎'))}?= <taro@example.jp>`,
    `To: =?Shift_JIS?B?${b64(iconv.encode('鈴木～花子', 'cp932'))}?= <hanako@example.jp>,`,
    ` =?EUC-JP?B?${b64(iconv.encode('佐藤', 'euc-jp'))}?= <sato@example.jp>`,
    // split after 3 bytes: inside the 2nd double-byte character
    `Subject: ${splitWords('Shift_JIS', sjis, 3)}`,
    `X-Utf8: ${splitWords('UTF-8', utf8, 2)}`,
    `Cc: =?UTF-8?Q?${pct(utf8).replace(/%/g, '=')}?= <q@example.jp>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'hi',
  ]);
  const m = await parseMessage(raw);
  assert.equal(m.subject, '①会議～のお知らせ');
  assert.deepEqual(m.from, { name: '山田 ㈱太郎', address: 'taro@example.jp' });
  assert.deepEqual(m.to.map((a) => a.name), ['鈴木～花子', '佐藤']);
  assert.equal(m.cc[0]?.name, '髙﨑さん');
  assert.equal(m.headers['x-utf8'], '髙﨑さん');
  assert.deepEqual(m.warnings, []);
});

test('ISO-2022-JP word split in the middle of a character is joined before decoding', async () => {
  const bytes = jis('【重要】ご請求書①');
  const raw = crlf([`Subject: ${splitWords('ISO-2022-JP', bytes, 6)}`, '', 'x']);
  assert.equal((await parseMessage(raw)).subject, '【重要】ご請求書①');
});

test('bodies: ISO-2022-JP 7bit, Shift_JIS 8bit/base64/QP, EUC-JP, with the wave dash as Outlook shows it', async () => {
  const text = 'お世話になります。\r\n① 10〜12時 ㈱テスト ㍻ 髙﨑\r\n';
  const shown = text.replace('〜', '～');
  const sjis = iconv.encode(shown, 'cp932');
  const qp = [...sjis].map((b) => (b < 0x80 && b !== 0x3d && b !== 0x0d && b !== 0x0a ? String.fromCharCode(b) : b === 0x0d || b === 0x0a ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
  const cases: Array<[string, Buffer]> = [
    ['Content-Type: text/plain; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit', jis(text)],
    ['Content-Type: text/plain; charset=Shift_JIS\r\nContent-Transfer-Encoding: 8bit', sjis],
    ['Content-Type: text/plain; charset="shift_jis"\r\nContent-Transfer-Encoding: base64', Buffer.from(b64(sjis))],
    ['Content-Type: text/plain; charset=x-sjis\r\nContent-Transfer-Encoding: quoted-printable', Buffer.from(qp, 'latin1')],
  ];
  for (const [head, body] of cases) {
    const m = await parseMessage(Buffer.concat([Buffer.from(`Subject: t\r\n${head}\r\n\r\n`), body]));
    assert.equal(m.text, shown.replace(/\r\n/g, '\n'), head);
  }
  const euc = Buffer.concat([iconv.encode('EUC本文テスト', 'euc-jp'), Buffer.from([0xa1, 0xc1])]); // JIS 0x2141
  const m = await parseMessage(Buffer.concat([Buffer.from('Content-Type: text/plain; charset=EUC-JP\r\n\r\n'), euc]));
  assert.equal(m.text, 'EUC本文テスト～');
});

test('attachment names: RFC 2231 ISO-2022-JP and UTF-8 continuations, quoted encoded-words', async () => {
  const n1 = '見積書①.pdf';
  const n2 = '髙﨑様_ご請求書_2024年度_第一四半期分.xlsx';
  const n3 = '議事録〜最終版.docx';
  const n4 = '写真.jpg';
  const utf = pct(Buffer.from(n2));
  const half = Math.floor(utf.length / 6) * 3; // cut on a %XX boundary, inside a character
  const raw = crlf([
    'Subject: names',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b"',
    '',
    '--b',
    'Content-Type: text/plain; charset=ISO-2022-JP',
    '',
    jis('本文'),
    '--b',
    'Content-Type: application/pdf',
    `Content-Disposition: attachment; filename*=ISO-2022-JP''${pct(jis(n1))}`,
    'Content-Transfer-Encoding: base64',
    '',
    b64(Buffer.from('PDF')),
    '--b',
    'Content-Type: application/octet-stream',
    `Content-Disposition: attachment;\r\n filename*0*=UTF-8''${utf.slice(0, half)};\r\n filename*1*=${utf.slice(half)}`,
    'Content-Transfer-Encoding: base64',
    '',
    b64(Buffer.from('XLSX')),
    '--b',
    `Content-Type: application/octet-stream; name="=?ISO-2022-JP?B?${b64(jis(n3))}?="`,
    `Content-Disposition: attachment; filename="=?ISO-2022-JP?B?${b64(jis(n3))}?="`,
    'Content-Transfer-Encoding: base64',
    '',
    b64(Buffer.from('DOCX')),
    '--b',
    `Content-Type: image/jpeg; name="=?Shift_JIS?B?${b64(iconv.encode(n4, 'cp932'))}?="`,
    'Content-Transfer-Encoding: base64',
    '',
    b64(Buffer.from([0xff, 0xd8, 0xff])),
    '--b--',
  ]);
  const m = await parseMessage(raw);
  assert.equal(m.text, '本文');
  // 〜 goes out as JIS 0x2141, which Outlook (CP50221) shows as ～
  assert.deepEqual(m.attachments.map((a) => a.filename), [n1, n2, n3.replace('〜', '～'), n4]);
  assert.deepEqual(m.attachments.map((a) => a.content.toString('latin1')), ['PDF', 'XLSX', 'DOCX', '\xff\xd8\xff']);
  assert.equal(m.hasAttachments, true);
});

test('malformed input decodes best-effort with warnings instead of throwing', async () => {
  const sjisSubject = iconv.encode('生のシフトJIS件名', 'cp932');
  const raw = Buffer.concat([
    Buffer.from('Subject: '),
    sjisSubject,
    Buffer.from('\r\nX-Jis: '),
    jis('生JIS'),
    Buffer.from('\r\nContent-Type: multipart/mixed; boundary=zz\r\n\r\n--zz\r\nContent-Type: text/plain; charset=x-unknown-cs\r\n\r\nbody\r\n--zz\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n\r\n'),
    Buffer.from('\x1b$B$"$$\x1b'), // truncated escape, no closing boundary
  ]);
  const m = await parseMessage(raw);
  assert.equal(m.subject, '生のシフトJIS件名');
  assert.equal(m.headers['x-jis'], '生JIS');
  assert.match(m.text ?? '', /body/);
  assert.match(m.text ?? '', /あい/);
  assert.ok(m.warnings.some((w) => /x-unknown-cs/.test(w)), m.warnings.join('; '));
  assert.ok(m.warnings.some((w) => /Shift_JIS/.test(w)));
  const garbage = await parseMessage(Buffer.from([0, 1, 2, 0xff, 0xfe, 13, 10, 13, 10, 0x80]));
  assert.equal(garbage.subject, '');
});

test('a failing input stream becomes a typed ProtocolError, not a raw exception', async () => {
  const stream = new Readable({
    read() {
      this.push(Buffer.from('Subject: x\r\n\r\npartial'));
      this.destroy(new Error('connection reset'));
    },
  });
  await assert.rejects(parseMessage(stream), (e: unknown) => e instanceof ProtocolError && e.code === 'MESSAGE_READ_FAILED');
});

test('parseHeadersOnly decodes headers without reading the body', async () => {
  const raw = crlf([
    `Subject: =?ISO-2022-JP?B?${b64(jis('件名㈱'))}?=`,
    'Importance: High',
    'Content-Type: multipart/mixed; boundary=q',
    '',
    '--q',
    'Content-Type: text/plain',
    '',
    'body',
    '--q--',
  ]);
  const m = await parseHeadersOnly(raw, { id: '42', flags: ['\\Seen'] });
  assert.equal(m.subject, '件名㈱');
  assert.equal(m.id, '42');
  assert.equal(m.seen, true);
  assert.equal(m.importance, 'high');
  assert.equal(m.text, undefined);
});
