import assert from 'node:assert/strict';
import { test } from 'node:test';
import iconv from 'iconv-lite';
import {
  charsetFamily,
  decodeBytes,
  decodeEucJp,
  decodeIso2022jp,
  encodeIso2022jp,
  encodeIso2022jpWords,
} from '../../../src/message/charset/index.js';

const ESC = '\x1b';
const jis = (s: string) => Buffer.from(s, 'latin1');
const NEC_IBM = '①㈱㍻髙﨑';

test('labels map to the Microsoft decoders', () => {
  for (const l of ['ISO-2022-JP', 'csISO2022JP', 'iso-2022-jp-1', 'ISO-2022-JP-2', 'iso-2022-jp-3']) assert.equal(charsetFamily(l), 'iso-2022-jp');
  for (const l of ['Shift_JIS', 'sjis', 'x-sjis', 'windows-31j', 'CP932', 'MS_Kanji', '"shift_jis"']) assert.equal(charsetFamily(l), 'cp932');
  for (const l of ['EUC-JP', 'x-euc-jp', 'eucJP-ms', 'CP51932']) assert.equal(charsetFamily(l), 'euc-jp');
  assert.equal(charsetFamily('us-ascii'), 'utf-8');
  assert.equal(charsetFamily('koi8-r'), 'other');
});

test('Shift_JIS decodes as CP932: wave dash is U+FF5E, NEC and IBM extensions present', () => {
  const bytes = Buffer.from([0x81, 0x60, 0x87, 0x40, 0x87, 0x8a, 0x87, 0x7e, 0xfb, 0xfc, 0xfa, 0xb1]);
  assert.equal(decodeBytes(bytes, 'Shift_JIS').text, '\uff5e①㈱㍻髙﨑');
});

test('ISO-2022-JP: JIS 0x2141 is the FULLWIDTH TILDE Outlook shows, row 13 and half-width kana decode', () => {
  assert.equal(decodeIso2022jp(jis(`${ESC}$B!A${ESC}(B`)), '\uff5e');
  assert.equal(decodeIso2022jp(jis(`${ESC}$B-!-j-_${ESC}(B`)), '①㈱㍻');
  assert.equal(decodeIso2022jp(jis(`a${ESC}(I6^${ESC}(Bz`)), 'aｶﾞz');
  // ESC $ @ (JIS C 6226) and ESC & @ ESC $ B are tolerated variants
  assert.equal(decodeIso2022jp(jis(`${ESC}$@F|K\\${ESC}(J!`)), '日本!');
  assert.equal(decodeIso2022jp(jis(`${ESC}&@${ESC}$BF|K\\${ESC}(B`)), '日本');
  // a line break without ESC ( B still ends the kanji run
  assert.equal(decodeIso2022jp(jis(`${ESC}$BF|\nab`)), '日\nab');
  // JIS X 0212 (ISO-2022-JP-1): 0x3021 is 丂
  assert.equal(decodeIso2022jp(jis(`${ESC}$(D0!${ESC}(B`)), '丂');
});

test('ISO-2022-JP encode (CP50220): NEC/IBM round-trip, half-width kana widened, both tildes to 0x2141', () => {
  const { bytes, unmappable } = encodeIso2022jp(`日本語 ${NEC_IBM} 〜～ ｶﾞｷﾞ ｱｲｳ\r\nabc`);
  assert.deepEqual(unmappable, []);
  assert.ok(bytes.every((b) => b < 0x80), '7-bit only');
  assert.equal(decodeIso2022jp(bytes), `日本語 ${NEC_IBM} ～～ ガギ アイウ\r\nabc`);
  // the text ends in ASCII and so does every line
  assert.ok(bytes.toString('latin1').includes(`${ESC}(B\r\n`));
  assert.ok(bytes.toString('latin1').endsWith('abc'));
  const emoji = encodeIso2022jp('a😀b');
  assert.deepEqual(emoji.unmappable, ['😀']);
});

test('IBM kanji encode to the NEC-selected rows 89-92 (ISO-2022-JP has no room for CP932 0xFA-0xFC)', () => {
  const { bytes } = encodeIso2022jp('髙');
  const s = bytes.toString('latin1');
  assert.equal(s.slice(0, 3), `${ESC}$B`);
  assert.ok(s.charCodeAt(3) >= 0x79 && s.charCodeAt(3) <= 0x7c, `row ${s.charCodeAt(3) - 0x20}`);
});

test('EUC-JP decodes as CP51932: standard, row 13, NEC-selected IBM rows, half-width kana, JIS X 0212', () => {
  const std = iconv.encode('日本語テキスト', 'euc-jp');
  assert.equal(decodeEucJp(std), '日本語テキスト');
  const toEuc = (text: string) => {
    const raw = encodeIso2022jp(text).bytes.toString('latin1').replace(/\x1b\$B|\x1b\(B/g, '');
    return Buffer.from([...raw].map((c) => c.charCodeAt(0) | 0x80));
  };
  assert.equal(decodeBytes(toEuc(NEC_IBM + '～'), 'EUC-JP').text, NEC_IBM + '～');
  assert.equal(decodeEucJp(Buffer.from([0x8e, 0xb6, 0x8f, 0xb0, 0xa1])), 'ｶ丂');
});

test('unknown charsets fall back to UTF-8 with a warning; UTF-7 is refused', () => {
  const r = decodeBytes(Buffer.from('héllo'), 'x-made-up');
  assert.equal(r.text, 'héllo');
  assert.match(r.warning ?? '', /x-made-up/);
  assert.equal(decodeBytes(Buffer.from('+ADw-script+AD4-'), 'utf-7').text, '+ADw-script+AD4-');
  assert.equal(decodeBytes(iconv.encode('Grüße', 'iso-8859-1'), 'ISO-8859-1').text, 'Grüße');
});

test('encoded-words for headers: each word ≤ 75 chars and a complete JIS sequence', () => {
  const subject = '【重要】' + 'あいうえおかきくけこ'.repeat(6) + NEC_IBM;
  const { value, unmappable } = encodeIso2022jpWords(subject);
  assert.deepEqual(unmappable, []);
  const words = value.split(' ');
  assert.ok(words.length > 1);
  let joined = '';
  for (const w of words) {
    assert.ok(w.length <= 75, w);
    const m = /^=\?ISO-2022-JP\?B\?([^?]+)\?=$/.exec(w);
    assert.ok(m);
    joined += decodeIso2022jp(Buffer.from(m[1] as string, 'base64'));
  }
  assert.equal(joined, subject);
  assert.equal(encodeIso2022jpWords('plain ascii').value, 'plain ascii');
});
