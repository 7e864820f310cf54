/**
 * Outgoing Japanese mail read by independent readers: Debian's nkf (what old Japanese tools
 * do with ISO-2022-JP) and Python's email package (a strict MIME reader), besides our parse.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { buildRawMessage, composeMessage } from '../../src/message/compose.js';
import type { MailDraft } from '../../src/message/message.js';
import { parseMessage } from '../../src/message/parse.js';

const LONG = 'この行は古いメーラーの一行の長さを超えるほど長い日本語の文章で、区切りの空白がありません。'.repeat(3);
const base: MailDraft = {
  from: { name: '山田 太郎', address: 'taro@example.jp' },
  to: ['hanako@example.jp'],
  subject: 'ｶﾀｶﾅの件名',
  text: `ﾃｽﾄです。①\n${LONG}\n> 引用行 \n末尾`,
  attachments: [{ content: Buffer.from('x'), filename: '報告書～最終.txt' }],
};

/** Python's email package (policy=default): subject, From name, plain body, file names. */
function readWithPython(raw: Buffer): { subject: string; from: string; text: string; names: string[] } {
  const script = [
    'import sys, json',
    'from email import policy',
    'from email.parser import BytesParser',
    'm = BytesParser(policy=policy.default).parse(sys.stdin.buffer)',
    'b = m.get_body(("plain",))',
    'print(json.dumps({"subject": str(m["subject"]), "from": m["from"].addresses[0].display_name,',
    '  "text": b.get_content(), "names": [p.get_filename() for p in m.iter_attachments()]}))',
  ].join('\n');
  return JSON.parse(execFileSync('python3', ['-c', script], { input: raw, encoding: 'utf8' })) as ReturnType<
    typeof readWithPython
  >;
}

/** The ISO-2022-JP text part's body bytes, as sent: the part must be labelled 7bit (RFC 1468). */
function plainBodyBytes(raw: Buffer): Buffer {
  const text = raw.toString('latin1');
  const head = /Content-Type: text\/plain; charset=ISO-2022-JP[^\r]*\r\nContent-Transfer-Encoding: 7bit\r\n\r\n/;
  const m = new RegExp(`${head.source}([^]*?)(?:\\r\\n--|$)`).exec(text);
  assert.ok(m?.[1] !== undefined, 'a 7bit ISO-2022-JP text part');
  return Buffer.from(m[1], 'latin1');
}

/** RFC 1468 as old mailers read it: 7-bit bytes, CRLF line ends, each line back in ASCII, ≤ max bytes. */
function assertRfc1468(body: Buffer, max: number): void {
  assert.ok(!body.some((b) => b >= 0x80 || b === 0), 'only 7-bit bytes, no NUL');
  const s = body.toString('latin1');
  assert.ok(!/\r(?!\n)|(?<!\r)\n/.test(s), 'CRLF line ends only');
  for (const line of s.split('\r\n')) {
    assert.ok(line.length <= max, `line of ${line.length} bytes`);
    const lastEscape = line.lastIndexOf('\x1b');
    if (lastEscape >= 0) assert.equal(line.slice(lastEscape, lastEscape + 3), '\x1b(B', 'the line ends in ASCII');
  }
}

test('--iso-2022-jp: 7bit, CP50220 kana, ESC ( B before line ends, lines ≤ 76 bytes, flowed DelSp=yes', async () => {
  const raw = await buildRawMessage({ ...base, encoding: 'iso-2022-jp' });
  assert.match(raw.toString('latin1'), /charset=ISO-2022-JP; format=flowed; delsp=yes/);
  const body = plainBodyBytes(raw);
  assertRfc1468(body, 76);
  assert.ok(!body.includes(0x0e) && !body.includes(Buffer.from('\x1b(I')), 'no half-width kana sets (CP50220)');
  // nkf (Debian) reads the body as the old tools do: the text, line breaks shown
  const viaNkf = execFileSync('nkf', ['-w', '-J'], { input: body }).toString('utf8');
  assert.equal(viaNkf.replace(/ \r\n/g, '').replace(/\r\n/g, '\n'), `テストです。①\n${LONG}\n > 引用行\n末尾`);
  // a flowed reader (our parse) gets the text back whole; the half-width kana arrive full-width
  const m = await parseMessage(raw);
  assert.equal(m.text?.replace(/\n$/, ''), `テストです。①\n${LONG}\n> 引用行\n末尾`);
  assert.equal(m.subject, 'カタカナの件名');
  assert.deepEqual(
    m.attachments.map((a) => a.filename),
    ['報告書～最終.txt'],
  );
  // Python's strict reader (JIS X 0208 only: ① becomes U+FFFD, ～ U+301C, see docs/japanese.md)
  const py = readWithPython(raw);
  assert.equal(py.subject, 'カタカナの件名');
  assert.equal(py.from, '山田 太郎');
  assert.ok(py.text.startsWith('テストです。'));
  assert.equal(py.names.length, 1);
});

test('--iso-2022-jp, text only: one 7bit text/plain message, read back by nkf, Python and parse', async () => {
  const text = `日本語のテキストです。\r\nASCII line\r\n${LONG}\r\n末尾`;
  const draft: MailDraft = { ...base, text, attachments: [], encoding: 'iso-2022-jp' };
  const options = composeMessage(draft);
  const raw = await buildRawMessage(draft);
  const s = raw.toString('latin1');
  const [head = '', ...rest] = s.split('\r\n\r\n');
  assert.match(head, /^Content-Type: text\/plain; charset=ISO-2022-JP; format=flowed; delsp=yes$/m);
  assert.match(head, /^Content-Transfer-Encoding: 7bit$/m);
  assert.match(head, /^MIME-Version: 1\.0$/m);
  assert.match(head, /^From: =\?ISO-2022-JP\?B\?[^?]+\?= <taro@example\.jp>$/m);
  assert.match(head, /^Subject: =\?ISO-2022-JP\?B\?/m);
  // sendMail reports options.messageId: it must be the id written into the message it sends
  assert.ok(Buffer.isBuffer(options.raw));
  assert.equal(/^Message-ID: (.+)$/m.exec(options.raw.toString('latin1'))?.[1], options.messageId);
  assert.deepEqual(options.envelope, { from: 'taro@example.jp', to: ['hanako@example.jp'] });
  const body = Buffer.from(rest.join('\r\n\r\n'), 'latin1');
  assertRfc1468(body, 76);

  const expected = text.replace(/\r\n/g, '\n');
  const viaNkf = execFileSync('nkf', ['-w', '-J'], { input: body }).toString('utf8');
  assert.equal(viaNkf.replace(/ \r\n/g, '').replace(/\r\n/g, '\n').replace(/\n$/, ''), expected);
  const py = readWithPython(raw);
  assert.equal(py.subject, 'カタカナの件名');
  // Python has no format=flowed: undo DelSp=yes by hand
  assert.equal(py.text.replace(/ \n/g, '').replace(/\n$/, ''), expected);
  const m = await parseMessage(raw);
  assert.equal(m.text?.replace(/\n$/, ''), expected);
  assert.equal(m.subject, 'カタカナの件名');
});

test('--iso-2022-jp, text and HTML: both alternatives 7bit; an HTML line over 998 bytes stays base64', async () => {
  const html = '<p>日本語の<b>HTML</b>です。</p>\n<p>二行目</p>';
  const raw = await buildRawMessage({ ...base, text: '本文', html, attachments: [], encoding: 'iso-2022-jp' });
  const s = raw.toString('latin1');
  assert.match(s, /^Content-Type: multipart\/alternative;/m);
  const part = /Content-Type: text\/html; charset=ISO-2022-JP\r\nContent-Transfer-Encoding: 7bit\r\n\r\n([^]*?)\r\n--/
    .exec(s);
  assert.ok(part?.[1], 'a 7bit ISO-2022-JP HTML part');
  const htmlBytes = Buffer.from(part[1], 'latin1');
  assertRfc1468(htmlBytes, 998);
  assert.equal(execFileSync('nkf', ['-w', '-J'], { input: htmlBytes }).toString('utf8').replace(/\r\n/g, '\n'), html);
  assertRfc1468(plainBodyBytes(raw), 76);
  const m = await parseMessage(raw);
  assert.equal(m.text?.replace(/\n$/, ''), '本文');
  assert.match(m.html ?? '', /日本語の<b>HTML<\/b>です。/);

  const wide = `<p>${'日本語'.repeat(200)}</p>`;
  const wideDraft: MailDraft = { ...base, text: undefined, html: wide, attachments: [], encoding: 'iso-2022-jp' };
  const rawWide = (await buildRawMessage(wideDraft)).toString('latin1');
  assert.match(rawWide, /^Content-Type: text\/html; charset=ISO-2022-JP$/m);
  assert.match(rawWide, /^Content-Transfer-Encoding: base64$/m);
  assert.equal((await parseMessage(Buffer.from(rawWide, 'latin1'))).html?.trim(), wide);
});

test('UTF-8 (default): base64 body, B-words, RFC 2231 and name= file names, read the same by Python', async () => {
  const raw = await buildRawMessage(base);
  const s = raw.toString('latin1');
  assert.match(s, /Content-Type: text\/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64/);
  assert.match(s, /filename\*0?\*?=utf-8''/i);
  assert.match(s, /name="?=\?UTF-8\?B\?/i);
  const py = readWithPython(raw);
  assert.deepEqual([py.subject, py.from, py.names], ['ｶﾀｶﾅの件名', '山田 太郎', ['報告書～最終.txt']]);
  assert.equal(py.text.replace(/\r\n/g, '\n').replace(/\n$/, ''), base.text);
  const m = await parseMessage(raw);
  assert.deepEqual(
    [m.subject, m.text?.replace(/\n$/, ''), m.attachments[0]?.filename],
    [base.subject, base.text, '報告書～最終.txt'],
  );
});
