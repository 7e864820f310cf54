import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseFetchItems, parseSection } from '../../../../packages/sandbox/src/exchange/imap/fetch-items.js';
import { decodeMailboxName, encodeMailboxName } from '../../../../packages/sandbox/src/exchange/imap/names.js';
import { parseSearch } from '../../../../packages/sandbox/src/exchange/imap/search/criteria.js';
import { formatValues, internalDate, nstr, parseInternalDate, str } from '../../../../packages/sandbox/src/exchange/imap/wire/formatter.js';
import { ImapSyntaxError, literalMarker, parseCommand, tokenizeText } from '../../../../packages/sandbox/src/exchange/imap/wire/parser.js';
import { formatSequenceSet, inSequenceSet, parseSequenceSet } from '../../../../packages/sandbox/src/exchange/imap/wire/sequence.js';

const cmd = (line: string, literals: string[] = []) => {
  const pieces = line.split('\n').map((p) => Buffer.from(p));
  return parseCommand({ pieces, literals: literals.map((l) => Buffer.from(l)) });
};

describe('IMAP command parser', () => {
  test('tag, name in upper case, atoms, quoted strings with escapes, nested lists', () => {
    const c = cmd('a1 store 1:3 +FLAGS.SILENT (\\Seen "a \\"q\\" b" (x y))');
    assert.equal(c.tag, 'a1');
    assert.equal(c.name, 'STORE');
    assert.deepEqual(c.args[0], { type: 'atom', value: '1:3' });
    const list = c.args[2];
    assert.equal(list?.type, 'list');
    if (list?.type !== 'list') return;
    assert.deepEqual(list.items[0], { type: 'atom', value: '\\Seen' });
    assert.equal(list.items[1]?.type === 'string' && list.items[1].value.toString(), 'a "q" b');
    assert.equal(list.items[2]?.type, 'list');
  });

  test('literals {n} and {n+} become string tokens with their exact bytes', () => {
    const c = cmd('A2 APPEND INBOX (\\Seen) {5}\n', ['a\r\nb\x00']);
    assert.equal(c.args.length, 3);
    const lit = c.args[2];
    assert.ok(lit?.type === 'string' && lit.literal);
    assert.deepEqual(lit.type === 'string' && [...lit.value], [0x61, 0x0d, 0x0a, 0x62, 0]);
    assert.deepEqual(literalMarker(Buffer.from('A LOGIN {3+}')), { size: 3, sync: false, start: 8 });
    assert.deepEqual(literalMarker(Buffer.from('A LOGIN {12}')), { size: 12, sync: true, start: 8 });
    assert.equal(literalMarker(Buffer.from('A LOGIN x')), undefined);
    const two = cmd('A3 LOGIN {1}\n {2+}\n', ['u', 'pw']);
    assert.deepEqual(two.args.map((a) => a.type === 'string' && a.value.toString()), ['u', 'pw']);
  });

  test('FETCH sections stay inside their atom, quoted field names included', () => {
    const c = cmd('f UID FETCH 1:* (UID BODY.PEEK[HEADER.FIELDS (From "To")]<0.100> BODY[])');
    const items = c.args[2];
    assert.ok(items?.type === 'list');
    if (items?.type !== 'list') return;
    assert.deepEqual(items.items.map((i) => i.type === 'atom' && i.value), ['UID', 'BODY.PEEK[HEADER.FIELDS (From "To")]<0.100>', 'BODY[]']);
  });

  test('unbalanced parentheses and bad tags are syntax errors', () => {
    assert.throws(() => cmd('a1 FETCH 1 (FLAGS'), ImapSyntaxError);
    assert.throws(() => cmd('a1 FETCH 1 FLAGS)'), ImapSyntaxError);
    assert.throws(() => cmd('"x" NOOP'), ImapSyntaxError);
    assert.throws(() => cmd('a1 SEARCH "open'), ImapSyntaxError);
  });

  test('FETCH items: macros, sections, partials, aliases', () => {
    assert.deepEqual(parseFetchItems({ type: 'atom', value: 'FAST' }).map((i) => i.kind), ['FLAGS', 'INTERNALDATE', 'RFC822.SIZE']);
    const [peek] = parseFetchItems({ type: 'atom', value: 'BODY.PEEK[1.2.MIME]<10.20>' });
    assert.deepEqual(peek, { kind: 'SECTION', section: { path: [1, 2], kind: 'MIME' }, peek: true, partial: { start: 10, length: 20 } });
    const [rfc] = parseFetchItems({ type: 'atom', value: 'RFC822' });
    assert.equal(rfc?.kind === 'SECTION' && rfc.alias, 'RFC822');
    assert.deepEqual(parseSection('HEADER.FIELDS.NOT (Received)'), { path: [], kind: 'HEADER.FIELDS.NOT', fields: ['Received'] });
    assert.deepEqual(parseSection('3'), { path: [3], kind: '' });
    assert.throws(() => parseSection('MIME'), ImapSyntaxError);
    assert.throws(() => parseSection('0'), ImapSyntaxError);
  });

  test('SEARCH keys: CHARSET, OR, NOT, parenthesised AND, sequence sets', () => {
    const key = parseSearch(tokenizeText('CHARSET UTF-8 OR FROM bob (UNSEEN LARGER 10) NOT 1:2 UID 5:*'));
    assert.equal(key.kind, 'and');
    if (key.kind !== 'and') return;
    assert.deepEqual(key.keys.map((k) => k.kind), ['or', 'not', 'uid']);
    assert.deepEqual(parseSearch(tokenizeText('SINCE 1-Feb-2024')), { kind: 'date', of: 'internal', op: 'since', day: Date.UTC(2024, 1, 1) });
    assert.throws(() => parseSearch(tokenizeText('SINCE yesterday')), ImapSyntaxError);
    assert.throws(() => parseSearch(tokenizeText('CHARSET KOI8-R ALL')), /KOI8-R/);
  });
});

describe('IMAP response formatter', () => {
  test('NIL, numbers, quoted with escapes, literals for 8-bit and CRLF, nested lists', () => {
    const out = formatValues([null, 42, str('a"b\\c'), str('naïve'), [str('x'), nstr(undefined)]]);
    assert.equal(out.toString('utf8'), 'NIL 42 "a\\"b\\\\c" {6}\r\nnaïve ("x" NIL)');
    assert.equal(formatValues([str('line\r\nbreak')]).toString(), '{11}\r\nline\r\nbreak');
  });

  test('INTERNALDATE round trip', () => {
    const ms = Date.UTC(2024, 4, 1, 10, 2, 3);
    assert.equal(internalDate(ms), '01-May-2024 10:02:03 +0000');
    assert.equal(parseInternalDate('01-May-2024 12:02:03 +0200'), ms);
    assert.equal(parseInternalDate(' 1-May-2024 10:02:03 +0000'), ms);
    assert.equal(parseInternalDate('2024-05-01'), undefined);
  });
});

describe('sequence sets', () => {
  test('ranges either way round, * as the largest number, and compaction', () => {
    const set = parseSequenceSet('1:3,7,9:*');
    assert.deepEqual([1, 2, 3, 4, 7, 8, 9, 12].map((n) => inSequenceSet(set, n, 12)), [true, true, true, false, true, false, true, true]);
    // "5:*" names the last message even when it is below 5 (RFC 3501 §6.4.8).
    assert.equal(inSequenceSet(parseSequenceSet('5:*'), 3, 3), true);
    assert.throws(() => parseSequenceSet('0:3'));
    assert.throws(() => parseSequenceSet('1,,2'));
    assert.equal(formatSequenceSet([1, 2, 3, 5, 7, 8]), '1:3,5,7:8');
  });
});

describe('mailbox names', () => {
  test('modified UTF-7 both ways (RFC 3501 §5.1.3)', () => {
    assert.equal(encodeMailboxName('Entwürfe'), 'Entw&APw-rfe');
    assert.equal(encodeMailboxName('A&B'), 'A&-B');
    assert.equal(decodeMailboxName('Entw&APw-rfe'), 'Entwürfe');
    assert.equal(decodeMailboxName('&ZeVnLIqe-'), '日本語');
    assert.equal(decodeMailboxName(encodeMailboxName('日本語/Sub & more')), '日本語/Sub & more');
  });
});
