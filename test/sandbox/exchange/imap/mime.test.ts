import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { describe as describeMessage } from '../../../../packages/sandbox/src/exchange/imap/meta.js';
import { filterHeader, sectionRange } from '../../../../packages/sandbox/src/exchange/imap/mime/sections.js';
import { bodyText } from '../../../../packages/sandbox/src/exchange/imap/mime/text.js';
import { partByPath, walkMime } from '../../../../packages/sandbox/src/exchange/imap/mime/walker.js';
import { formatValues } from '../../../../packages/sandbox/src/exchange/imap/wire/formatter.js';

const nested = Buffer.from([
  'From: "Alice A." <alice@example.test>',
  'To: bob@example.test, Team: carol@example.test, dave@example.test;',
  'Subject: =?UTF-8?Q?caf=C3=A9?=',
  'Date: Wed, 01 May 2024 10:00:00 +0000',
  'Message-ID: <m1@example.test>',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="outer"',
  '',
  'preamble',
  '--outer',
  'Content-Type: multipart/alternative; boundary=inner',
  '',
  '--inner',
  'Content-Type: text/plain; charset=utf-8',
  'Content-Transfer-Encoding: quoted-printable',
  '',
  'caf=C3=A9 au lait',
  '--inner',
  'Content-Type: text/html; charset=utf-8',
  '',
  '<p>caf\u00e9</p>',
  '--inner--',
  '--outer',
  'Content-Type: message/rfc822',
  '',
  'From: carol@example.test',
  'Subject: inner',
  '',
  'inner body',
  '--outer',
  'Content-Type: application/pdf; name="a b.pdf"',
  'Content-Disposition: attachment; filename="a b.pdf"',
  'Content-Transfer-Encoding: base64',
  '',
  'JVBERi0=',
  '--outer--',
  '',
].join('\r\n'), 'utf8');

const text = (buf: Buffer, r: { start: number; end: number } | undefined) => (r ? buf.subarray(r.start, r.end).toString('utf8') : undefined);

describe('MIME walker and sections', () => {
  test('part numbers address nested multiparts and message/rfc822 contents', () => {
    const root = walkMime(nested);
    assert.equal(root.children.length, 3);
    assert.equal(partByPath(root, [1, 2])?.contentType.subtype, 'html');
    assert.equal(text(nested, sectionRange(root, { path: [1, 1], kind: '' }) as { start: number; end: number }), 'caf=C3=A9 au lait');
    assert.equal(text(nested, sectionRange(root, { path: [2, 1], kind: '' }) as { start: number; end: number }), 'inner body');
    assert.equal(text(nested, sectionRange(root, { path: [2], kind: 'HEADER' }) as { start: number; end: number }), 'From: carol@example.test\r\nSubject: inner\r\n\r\n');
    assert.equal(text(nested, sectionRange(root, { path: [3], kind: 'MIME' }) as { start: number; end: number })?.startsWith('Content-Type: application/pdf'), true);
    assert.equal(text(nested, sectionRange(root, { path: [3], kind: '' }) as { start: number; end: number }), 'JVBERi0=');
    assert.equal(sectionRange(root, { path: [9], kind: '' }), undefined);
    // A single-part message has part 1: its body.
    const single = Buffer.from('Subject: x\r\n\r\nbody\r\n');
    assert.equal(text(single, sectionRange(walkMime(single), { path: [1], kind: '' }) as { start: number; end: number }), 'body\r\n');
  });

  test('HEADER.FIELDS keeps the named lines (folded ones too) and the blank line', () => {
    const buf = Buffer.from('From: a@x\r\nX-Long: one\r\n two\r\nTo: b@x\r\n\r\nbody');
    const root = walkMime(buf);
    assert.equal(filterHeader(buf, root, ['x-long', 'TO'], false).toString(), 'X-Long: one\r\n two\r\nTo: b@x\r\n\r\n');
    assert.equal(filterHeader(buf, root, ['x-long'], true).toString(), 'From: a@x\r\nTo: b@x\r\n\r\n');
  });

  test('search text is decoded: quoted-printable and charset', () => {
    const root = walkMime(nested);
    assert.match(bodyText(nested, root), /café au lait/);
    assert.match(bodyText(nested, root), /inner body/);
  });
});

describe('ENVELOPE and BODYSTRUCTURE', () => {
  test('envelope keeps encoded words, splits addresses, expands groups, defaults sender and reply-to', () => {
    const env = formatValues([describeMessage(nested).envelope]).toString('latin1');
    assert.equal(env, '("Wed, 01 May 2024 10:00:00 +0000" "=?UTF-8?Q?caf=C3=A9?=" (("Alice A." NIL "alice" "example.test")) (("Alice A." NIL "alice" "example.test")) (("Alice A." NIL "alice" "example.test")) ((NIL NIL "bob" "example.test")(NIL NIL "Team" NIL)(NIL NIL "carol" "example.test")(NIL NIL "dave" "example.test")(NIL NIL NIL NIL)) NIL NIL NIL "<m1@example.test>")'.replace(/\)\(/g, ') ('));
  });

  test('bodystructure: sizes, lines, parameters, disposition, nested message', () => {
    const bs = formatValues([describeMessage(nested).bodyStructure]).toString('utf8');
    assert.match(bs, /^\(\(\("text" "plain" \("charset" "utf-8"\) NIL NIL "quoted-printable" 17 1 NIL NIL NIL NIL\)/);
    assert.match(bs, /\("text" "html" \("charset" "utf-8"\) NIL NIL "7bit" 12 1 NIL NIL NIL NIL\) "alternative" \("boundary" "inner"\) NIL NIL NIL\)/);
    assert.match(bs, /\("message" "rfc822" NIL NIL NIL "7bit" 54 \(NIL "inner" \(\(NIL NIL "carol" "example.test"\)\)/);
    assert.match(bs, /\("application" "pdf" \("name" "a b.pdf"\) NIL NIL "base64" 8 NIL \("attachment" \("filename" "a b.pdf"\)\) NIL NIL\) "mixed" \("boundary" "outer"\) NIL NIL NIL\)$/);
    const body = formatValues([describeMessage(nested).body]).toString('utf8');
    assert.doesNotMatch(body, /attachment/, 'BODY has no extension data');
  });
});

describe('raw 8-bit header bytes', () => {
  test('ENVELOPE and BODYSTRUCTURE carry raw UTF-8 header bytes unchanged (not encoded twice)', () => {
    const raw = Buffer.concat([
      Buffer.from('From: '), Buffer.from('見本 <a@example.test>', 'utf8'), Buffer.from('\r\nTo: b@example.test\r\nSubject: '),
      Buffer.from('見積もり', 'utf8'), Buffer.from('\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n'),
      Buffer.from('Content-Type: text/plain; name="'), Buffer.from('見.txt', 'utf8'), Buffer.from('"\r\n\r\nx\r\n--b--\r\n'),
    ]);
    const meta = describeMessage(raw);
    const env = formatValues([meta.envelope]);
    assert.ok(env.includes(Buffer.from('見積もり', 'utf8')), env.toString('latin1'));
    assert.ok(env.includes(Buffer.from('見本', 'utf8')));
    assert.ok(!env.includes(Buffer.from([0xc3, 0xa8, 0xc2, 0xa6])), 'no double encoding (E8 A6 8B → C3 A8 C2 A6 C2 8B)');
    assert.ok(formatValues([meta.bodyStructure]).includes(Buffer.from('見.txt', 'utf8')));
  });
});
describe('values that start on a continuation line', () => {
  // nodemailer folds a long first encoded-word onto its own line: `Subject:` CRLF ` =?ISO-2022-JP?B?…?=`.
  // The fold is white space before the value (Exchange and Dovecot drop it), so no field gains a leading space.
  test('ENVELOPE and BODYSTRUCTURE read every such field without a leading space', () => {
    const word = '=?ISO-2022-JP?B?bWFpbGJyaWRnZSAbJEIlRiU5JUgbKEIgMjAyNhskQkcvGyhCMTI=?=';
    const raw = Buffer.from([
      'From:', ' Sender <sender@example.test>', 'To:', '\tb@example.test', `Subject:`, ` ${word}`, ' =?ISO-2022-JP?B?GyRCN24bKEI3GyRCRnwbKEI=?=',
      'Date:', ' Wed, 01 May 2024 10:00:00 +0000', 'Message-ID:', ' <fold@example.test>', 'In-Reply-To:', '  <parent@example.test>',
      'MIME-Version: 1.0', 'Content-Type:', ' text/plain;', ' charset=ISO-2022-JP', '', 'x', '',
    ].join('\r\n'));
    const meta = describeMessage(raw);
    const env = formatValues([meta.envelope]).toString('latin1');
    assert.equal(env, `("Wed, 01 May 2024 10:00:00 +0000" "${word} =?ISO-2022-JP?B?GyRCN24bKEI3GyRCRnwbKEI=?=" (("Sender" NIL "sender" "example.test")) `
      + '(("Sender" NIL "sender" "example.test")) (("Sender" NIL "sender" "example.test")) ((NIL NIL "b" "example.test")) NIL NIL "<parent@example.test>" "<fold@example.test>")');
    assert.match(formatValues([meta.bodyStructure]).toString('latin1'), /^\("text" "plain" \("charset" "ISO-2022-JP"\)/);
  });
});
