/**
 * Property tests of the file-name scheme for server ids (src/message/file-names.ts) and of
 * attachment name sanitising: every id a server could send becomes one plain, distinct entry
 * of the target directory, whatever the file system folds together.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { sanitizeFilename } from '../../src/message/attachments.js';
import {
  BASE_NAME_MAX,
  childPath,
  escapeId,
  messageBaseName,
  messageFileName,
  parseMessageBaseName,
  unescapeId,
  type MessageKey,
} from '../../src/message/file-names.js';

/** Ids as servers send them, and as attackers would: traversal, separators, case and normalisation variants. */
const hostileId = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom(
    '.',
    '..',
    '../x',
    '..\\x',
    '/etc/passwd',
    'C:\\x',
    'a+b',
    'a/b',
    'a_b',
    'A',
    'a',
    '-rf',
    '\u0000',
    'CON',
    'é',
    'e\u0301',
    '\u202e',
  ),
  fc.stringMatching(/^[A-Za-z0-9+/=]{100,180}$/), // EWS ItemIds, Graph ids: base64, longer than the escape limit
);
const key = fc
  .record({
    folder: fc.string({ maxLength: 20 }),
    validity: fc.option(fc.string({ maxLength: 12 }), { nil: undefined }),
    id: hostileId,
  })
  .map((k): MessageKey =>
    k.validity === undefined ? { folder: k.folder, id: k.id } : { folder: k.folder, validity: k.validity, id: k.id },
  );
const sameTuple = (a: MessageKey, b: MessageKey) => a.folder === b.folder && a.validity === b.validity && a.id === b.id;

/** The ways a file system may consider two names the same. */
const folds = (name: string) => [
  name,
  name.toLowerCase(),
  name.toUpperCase(),
  name.normalize('NFC'),
  name.normalize('NFD'),
  name.normalize('NFKC').toLowerCase(),
];

describe('message file names', () => {
  test('are plain entries of DIR: never ".", "..", absolute, separated, hidden, option-like or too long', () => {
    const dir = resolve('/srv/mail/out');
    fc.assert(
      fc.property(key, (k) => {
        for (const name of [messageBaseName(k), messageFileName(k)]) {
          assert.match(name, /^[a-z0-9_~][a-z0-9_~=.-]*$/);
          assert.ok(name.length <= BASE_NAME_MAX + '.eml'.length);
          assert.ok(!/[\p{Cc}\p{Cf}/\\]/u.test(name));
          const path = childPath(dir, name);
          assert.equal(relative(dir, path), name);
          assert.ok(resolve(path).startsWith(`${dir}/`));
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('are injective over (folder, validity, id), also after case folding and NFC/NFD normalisation', () => {
    fc.assert(
      fc.property(fc.array(key, { minLength: 2, maxLength: 30 }), (keys) => {
        const seen = new Map<string, MessageKey>();
        for (const k of keys) {
          for (const folded of new Set(folds(messageBaseName(k)))) {
            const other = seen.get(folded.toLowerCase());
            if (other)
              assert.ok(sameTuple(other, k), `${JSON.stringify(other)} and ${JSON.stringify(k)} share ${folded}`);
            seen.set(folded.toLowerCase(), k);
          }
        }
      }),
      { numRuns: 1000 },
    );
  });

  test('ids that differ only in case, "+" vs "/", or normalisation get different names', () => {
    const names = ['Abc', 'abc', 'ABC', 'a+b', 'a/b', 'a_b', 'é', 'e\u0301', '.', '..'].map((id) =>
      messageBaseName({ folder: 'INBOX', id }),
    );
    assert.equal(new Set(names.map((n) => n.toLowerCase().normalize('NFD'))).size, names.length);
  });

  test('decode back to the id when it was kept whole', () => {
    fc.assert(
      fc.property(key, (k) => {
        const parsed = parseMessageBaseName(messageBaseName(k));
        assert.ok(parsed);
        if (escapeId(k.id).whole) assert.equal(parsed.id, k.id);
        else assert.equal(parsed.id, undefined);
      }),
      { numRuns: 2000 },
    );
    // Every id up to 32 UTF-8 bytes (every POP3 UIDL up to 32 characters) is kept whole.
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 8 }), (id) => {
        assert.equal(unescapeId(escapeId(id).text), id);
      }),
    );
  });

  test('are stable across runs (fixed vectors: a change here renames every saved file)', () => {
    const vectors: Array<[MessageKey, string]> = [
      [{ folder: 'INBOX', validity: '1733560000', id: '1' }, '1-0f711615d989aaf0.eml'],
      [{ folder: 'INBOX', id: '..' }, '~2e~2e-5c495f5b99887e12.eml'],
      [{ folder: 'INBOX', id: 'a+b' }, 'a~2bb-5353a89e7aabedd3.eml'],
      [{ folder: 'INBOX', id: 'a/b' }, 'a~2fb-06402eed5b52d9df.eml'],
      [{ folder: 'INBOX', id: 'AAMkAGI2TG93AAA=' }, '_a_a_mk_a_g_i2_t_g93_a_a_a~3d-9fa88d9e3e39aa68.eml'],
      [{ folder: 'INBOX', id: 'x'.repeat(120) }, `${'x'.repeat(96)}=8f1e49c8790736ec.eml`],
      [{ folder: 'INBOX', id: '\u00e9' }, '~c3~a9-bb85bf240e427873.eml'],
    ];
    for (const [k, expected] of vectors) assert.equal(messageFileName(k), expected);
  });

  test('on a real directory: one file per id, nothing written outside', async () => {
    const root = await mkdtemp(join(tmpdir(), 'mb-names-'));
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(hostileId, { maxLength: 12 }), async (ids) => {
        const sub = await mkdtemp(join(root, 'd-'));
        for (const id of ids)
          await writeFile(childPath(sub, messageFileName({ folder: 'INBOX', id })), id, { flag: 'wx' });
        assert.equal((await readdir(sub)).length, ids.length);
      }),
      { numRuns: 50 },
    );
    assert.deepEqual(
      (await readdir(root)).every((n) => n.startsWith('d-')),
      true,
    );
  });
});

describe('attachment file names from senders', () => {
  test('carry no format characters (bidi overrides, zero-width), separators, reserved or dot names', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 80 }),
          fc.constantFrom('invoice\u202efdp.exe', '..', 'CON.txt', 'a/../../b', 'x\u200b.pdf', ' .. '),
        ),
        (raw) => {
          const name = sanitizeFilename(raw);
          assert.ok(name.length > 0);
          assert.ok(!/[\p{Cc}\p{Cf}/\\]/u.test(name), JSON.stringify(name));
          assert.ok(!/^[.\s]|[.\s]$/u.test(name), JSON.stringify(name));
          assert.ok(!/^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i.test(name));
          assert.ok(Buffer.byteLength(name) <= 200);
        },
      ),
      { numRuns: 3000 },
    );
    assert.equal(sanitizeFilename('invoice\u202efdp.exe'), 'invoicefdp.exe');
  });
});
