import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { StoreError } from '../../src/errors.js';
import { sanitizeFilename, saveAttachmentStream } from '../../src/message/attachments.js';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'mb-attach-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('sanitizeFilename removes traversal, separators, control characters and device names', () => {
  assert.equal(sanitizeFilename('../../etc/passwd'), 'passwd');
  assert.equal(sanitizeFilename('..\\..\\Windows\\evil.exe'), 'evil.exe');
  assert.equal(sanitizeFilename('a\r\nb\0c.txt'), 'abc.txt');
  assert.equal(sanitizeFilename('..'), 'attachment');
  assert.equal(sanitizeFilename(undefined), 'attachment');
  assert.equal(sanitizeFilename('.bashrc'), 'bashrc');
  assert.equal(sanitizeFilename('CON.txt'), '_CON.txt');
  assert.equal(sanitizeFilename('見積書①<最終>.pdf'), '見積書①_最終_.pdf');
  const long = sanitizeFilename('長'.repeat(200) + '.pdf');
  assert.ok(Buffer.byteLength(long) <= 200);
  assert.ok(long.endsWith('.pdf'));
});

test('saves a stream atomically under a safe, unique name', async () => {
  await withDir(async (dir) => {
    const a = await saveAttachmentStream(Readable.from([Buffer.from('one')]), dir, '報告書.txt');
    const b = await saveAttachmentStream(Readable.from([Buffer.from('two')]), dir, '報告書.txt');
    const c = await saveAttachmentStream(Readable.from([Buffer.from('evil')]), join(dir, 'sub'), '../../escape.sh');
    assert.equal(a.path, join(dir, '報告書.txt'));
    assert.equal(b.path, join(dir, '報告書 (1).txt'));
    assert.equal(c.path, join(dir, 'sub', 'escape.sh'));
    assert.equal(a.size, 3);
    assert.equal(await readFile(a.path, 'utf8'), 'one');
    assert.equal(await readFile(b.path, 'utf8'), 'two');
    assert.deepEqual((await readdir(dir)).sort(), ['sub', '報告書 (1).txt', '報告書.txt']);
  });
});

test('an existing file is never overwritten', async () => {
  await withDir(async (dir) => {
    await writeFile(join(dir, 'a.bin'), 'keep');
    const saved = await saveAttachmentStream(Readable.from([Buffer.from('new')]), dir, 'a.bin');
    assert.equal(saved.filename, 'a (1).bin');
    assert.equal(await readFile(join(dir, 'a.bin'), 'utf8'), 'keep');
  });
});

test('a stream that fails mid-download leaves nothing behind', async () => {
  await withDir(async (dir) => {
    let sent = 0;
    const dropping = new Readable({
      read() {
        if (sent++ < 3) this.push(Buffer.alloc(64 * 1024, 1));
        else this.destroy(new Error('connection dropped'));
      },
    });
    await assert.rejects(
      saveAttachmentStream(dropping, dir, 'big.zip'),
      (e: unknown) => e instanceof StoreError && e.code === 'ATTACHMENT_SAVE_FAILED' && /connection dropped/.test(e.message),
    );
    assert.deepEqual(await readdir(dir), []);
  });
});
