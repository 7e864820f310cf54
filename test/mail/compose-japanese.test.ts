/**
 * Outgoing Japanese mail read by independent readers: Debian's nkf (what old Japanese tools
 * do with ISO-2022-JP) and Python's email package (a strict MIME reader), besides our parse.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { buildRawMessage } from '../../src/mail/compose.js';
import type { MailDraft } from '../../src/mail/message.js';
import { parseMessage } from '../../src/mail/parse.js';

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

/** The body part's bytes, base64 decoded, as sent. */
function plainBodyBytes(raw: Buffer): Buffer {
  const text = raw.toString('latin1');
  const m =
    /Content-Type: text\/plain; charset=ISO-2022-JP[^\r]*\r\nContent-Transfer-Encoding: base64\r\n\r\n([A-Za-z0-9+/=\r\n]+?)\r\n(?:\r\n|--)/.exec(
      text,
    );
  assert.ok(m?.[1], 'a base64 ISO-2022-JP text part');
  return Buffer.from(m[1].replace(/\r\n/g, ''), 'base64');
}

test('--iso-2022-jp: CP50220 kana, ESC ( B before each line end, lines ≤ 76 bytes, flowed DelSp=yes', async () => {
  const raw = await buildRawMessage({ ...base, encoding: 'iso-2022-jp' });
  assert.match(raw.toString('latin1'), /charset=ISO-2022-JP; format=flowed; delsp=yes/);
  const body = plainBodyBytes(raw);
  assert.ok(!body.some((b) => b >= 0x80), 'only 7-bit bytes');
  assert.ok(!body.includes(0x0e) && !body.includes(Buffer.from('\x1b(I')), 'no half-width kana sets (CP50220)');
  for (const line of body.toString('latin1').split('\r\n')) {
    assert.ok(line.length <= 76, `line of ${line.length} bytes`);
    const lastEscape = line.lastIndexOf('\x1b');
    if (lastEscape >= 0) assert.equal(line.slice(lastEscape, lastEscape + 3), '\x1b(B', 'the line ends in ASCII');
  }
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
