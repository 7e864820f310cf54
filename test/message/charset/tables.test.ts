/**
 * The Japanese tables against glibc iconv (an independent decoder on every Debian machine):
 * CP932 on every double-byte code, eucJP-ms on every two- and three-byte code (with the
 * differences docs/japanese.md documents), JIS X 0213 on every cell of both planes. Plus the
 * guessing of unlabelled bytes and the HTML prescan.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import {
  decodeCp932,
  decodeEucJp,
  decodeIso2022jp,
  decodeBody,
  prescanHtmlCharset,
  sniffCharset,
} from '../../../src/message/charset/index.js';

/**
 * Each code through glibc in one `iconv -c` run, one code a line. -c skips the bytes glibc
 * refuses, so a refused code leaves an empty line or what its remaining bytes mean on their own:
 * an ASCII or half-width kana byte, or (for SS3 codes) the two-byte code of its tail. Such lines
 * are left out; every other line is glibc's reading of the whole code.
 */
function glibc(encoding: string, codes: string[]): Record<string, string> {
  const input = Buffer.concat(codes.map((c) => Buffer.concat([Buffer.from(c, 'hex'), Buffer.from('\n')])));
  const lines = execFileSync('iconv', ['-c', '-f', encoding, '-t', 'UTF-8'], { input, maxBuffer: 64 << 20 })
    .toString('utf8')
    .split('\n');
  assert.equal(lines.length, codes.length + 1, 'one line per code');
  const out: Record<string, string> = {};
  codes.forEach((c, i) => {
    const line = lines[i] as string;
    if (/^[\x00-\x7f\uff61-\uff9f]*$/.test(line)) return;
    if (c.length === 6 && line === out[c.slice(2)]) return;
    out[c] = line;
  });
  return out;
}
const hex = (...b: number[]) => Buffer.from(b).toString('hex');

test('CP932: every code glibc decodes reads the same, the user-defined area included (U+E000–U+E757)', () => {
  const codes: string[] = [];
  for (let l = 0x81; l <= 0xfc; l++) {
    if (l >= 0xa0 && l <= 0xdf) continue;
    for (let t = 0x40; t <= 0xfc; t++) if (t !== 0x7f) codes.push(hex(l, t));
  }
  const ref = glibc('CP932', codes);
  assert.ok(Object.keys(ref).length > 9000);
  const wrong = Object.entries(ref)
    .filter(([k, v]) => decodeCp932(Buffer.from(k, 'hex')) !== v)
    .map(([k]) => k);
  assert.deepEqual(wrong.slice(0, 10), []);
  assert.ok(ref.f9fc === '\ue757' && ref.fa40 === '\u2170', 'the oracle covers the user-defined and IBM areas');
  assert.equal(decodeCp932(Buffer.from([0xf0, 0x40, 0xf9, 0x41, 0xf9, 0xfc])), '\ue000\ue69d\ue757');
});

test('eucJP-ms: glibc EUC-JP-MS agrees except rows 0xF9–0xFC (Outlook/Thunderbird show IBM kanji) and 0x8FA2C3', () => {
  const codes: string[] = [];
  for (let a = 0xa1; a <= 0xfe; a++) for (let b = 0xa1; b <= 0xfe; b++) codes.push(hex(a, b));
  for (let a = 0xa1; a <= 0xfe; a++) for (let b = 0xa1; b <= 0xfe; b++) codes.push(hex(0x8f, a, b));
  const ref = glibc('EUC-JP-MS', codes);
  const wrong = Object.entries(ref)
    .filter(([k, v]) => decodeEucJp(Buffer.from(k, 'hex')) !== v)
    .map(([k]) => k);
  const documented = (k: string) => (k.length === 4 && k >= 'f9a1' && k <= 'fcfe') || k === '8fa2c3';
  assert.deepEqual(
    wrong.filter((k) => !documented(k)),
    [],
  );
  assert.equal(decodeEucJp(Buffer.from('fce2', 'hex')), '髙');
});

test('JIS X 0213 (ISO-2022-JP-3 / -2004): every cell glibc gives outside CP932 reads the same', () => {
  const p1: string[] = [];
  const p2: string[] = [];
  for (let a = 0xa1; a <= 0xfe; a++)
    for (let b = 0xa1; b <= 0xfe; b++) {
      p1.push(hex(a, b));
      p2.push(hex(0x8f, a, b));
    }
  const both = glibc('EUC-JISX0213', [...p1, ...p2]);
  const ref1 = Object.fromEntries(Object.entries(both).filter(([k]) => k.length === 4));
  const ref2 = Object.fromEntries(Object.entries(both).filter(([k]) => k.length === 6));
  const viaJis = (plane: 'Q' | 'P', k: string) => {
    const [a, b] = Buffer.from(k, 'hex').subarray(-2);
    return decodeIso2022jp(
      Buffer.from([0x1b, 0x24, 0x28, plane.charCodeAt(0), (a as number) & 0x7f, (b as number) & 0x7f]),
    );
  };
  const wrong2 = Object.entries(ref2)
    .filter(([k, v]) => viaJis('P', k) !== v)
    .map(([k]) => k);
  assert.deepEqual(wrong2, []);
  // plane 1: where CP932 has the cell, Outlook's reading stays (～ U+FF5E for 0x2141); elsewhere JIS X 0213
  const cp932Cells = new Set(Object.keys(ref1).filter((k) => decodeEucJp(Buffer.from(k, 'hex')) === ref1[k]));
  const wrong1 = Object.entries(ref1)
    .filter(([k, v]) => !cp932Cells.has(k) && viaJis('Q', k) !== v)
    .filter(
      ([k]) =>
        decodeEucJp(Buffer.from(k, 'hex')).length !== 1 ||
        k >= 'f5a1' ||
        /\ufffd/.test(decodeEucJp(Buffer.from(k, 'hex'))),
    );
  assert.deepEqual(
    wrong1.map(([k]) => k),
    [],
  );
  assert.equal(viaJis('Q', 'a1c1'), '\uff5e');
});

test('unlabelled bytes: JIS escapes, UTF-8, Shift_JIS and EUC-JP are told apart', () => {
  assert.equal(sniffCharset(Buffer.from('\x1b$B$3$s\x1b(B', 'latin1')), 'iso-2022-jp');
  assert.equal(sniffCharset(Buffer.from('plain')), 'ascii');
  assert.equal(sniffCharset(Buffer.from('日本語')), 'utf-8');
  assert.equal(
    sniffCharset(execFileSync('iconv', ['-f', 'UTF-8', '-t', 'CP932'], { input: 'ソフトウェアの表示です' })),
    'cp932',
  );
  assert.equal(
    sniffCharset(execFileSync('iconv', ['-f', 'UTF-8', '-t', 'EUC-JP'], { input: 'ひらがなとカタカナの文章です' })),
    'euc-jp',
  );
  assert.equal(sniffCharset(Buffer.from('caf\xe9 cr\xe8me', 'latin1')), 'windows-1252');
  const warned = decodeBody(execFileSync('iconv', ['-f', 'UTF-8', '-t', 'CP932'], { input: '表示' }), { html: false });
  assert.equal(warned.text, '表示');
  assert.match(warned.warning ?? '', /Shift_JIS/);
});

test('HTML prescan: <meta charset>, http-equiv content, comments skipped, first 1024 bytes only', () => {
  assert.equal(prescanHtmlCharset(Buffer.from('<html><head><meta charset="Shift_JIS">')), 'Shift_JIS');
  assert.equal(
    prescanHtmlCharset(Buffer.from("<META HTTP-EQUIV='Content-Type' CONTENT='text/html; charset=euc-jp'>")),
    'euc-jp',
  );
  assert.equal(prescanHtmlCharset(Buffer.from('<!-- <meta charset="x"> --><meta charset=utf-16>')), 'utf-8');
  assert.equal(prescanHtmlCharset(Buffer.from(`${' '.repeat(1100)}<meta charset="euc-jp">`)), undefined);
  assert.equal(prescanHtmlCharset(Buffer.from('<meta name="x" content="charset=euc-jp">')), undefined);
});
