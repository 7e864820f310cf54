import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { createImapMailbox } from '../../src/mail/imap-mailbox.js';
import { RingDecoder, canStreamDecode } from '../../src/message/transfer-decode.js';
import { PartStreamUnavailable, streamPart } from '../../src/protocols/imap/stream-part.js';
import { loadRig, mintingProvider } from '../helpers/rig.js';

function withAttachment(to: string, content: Buffer, encoding: 'base64' | 'binary-ish' = 'base64'): string {
  const body =
    encoding === 'base64' ? content.toString('base64').replace(/.{76}/g, '$&\r\n') : content.toString('latin1');
  return [
    'From: Carol <carol@example.test>',
    `To: ${to}`,
    'Subject: big part',
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="zz"',
    '',
    '--zz',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'see the file',
    '',
    '--zz',
    'Content-Type: application/octet-stream; name="big.bin"',
    'Content-Disposition: attachment; filename="big.bin"',
    `Content-Transfer-Encoding: ${encoding === 'base64' ? 'base64' : '7bit'}`,
    '',
    body,
    '',
    '--zz--',
    '',
  ].join('\r\n');
}

/** Feeds `text` in random pieces through one reused input buffer, as a socket's onread does. */
function decodeInPieces(text: Buffer, encoding: string, maxPiece = 70_000): Buffer {
  const d = new RingDecoder(encoding);
  const reused = Buffer.alloc(70_000);
  const out: Buffer[] = [];
  const drain = () => {
    for (let b = d.take(); b; b = d.take()) out.push(Buffer.from(b));
  };
  for (let i = 0; i < text.length;) {
    const n = Math.min(text.length - i, 1 + Math.floor(Math.random() * Math.min(maxPiece, reused.length)));
    text.copy(reused, 0, i, i + n);
    d.write(reused.subarray(0, n));
    reused.fill(0x21); // the caller reuses its buffer at once: nothing may point into it
    drain();
    i += n;
  }
  d.end();
  drain();
  return Buffer.concat(out);
}

describe('streamed transfer decoding', () => {
  test('base64 in any chunking, identity encodings copied out of a reused buffer', () => {
    for (const size of [0, 1, 2, 3, 57, 1000, 300_000, 1_000_003]) {
      const data = randomBytes(size);
      const text = Buffer.from(data.toString('base64').replace(/.{76}/g, '$&\r\n'));
      assert.deepEqual(decodeInPieces(text, 'base64'), data, `base64 of ${size} bytes`);
      assert.deepEqual(decodeInPieces(data, '7bit'), data, `7bit of ${size} bytes`);
    }
    // groups cut by tiny pieces, and characters RFC 2045 §6.8 says to ignore anywhere
    const data = randomBytes(5_000);
    const noisy = Buffer.from(
      data
        .toString('base64')
        .replace(/.{50}/g, '$&\r\n \t!')
        .replace(/(.{7})/g, '$1-'),
    );
    assert.deepEqual(decodeInPieces(noisy, 'base64', 5), data, 'pieces of 1–5 bytes with ignored characters');
    assert.deepEqual(decodeInPieces(noisy, 'base64'), data, 'random pieces with ignored characters');
    // padding ends the data; a group cut short without padding decodes as far as it goes
    assert.equal(decodeInPieces(Buffer.from('aGk=\r\nIGlnbm9yZWQ='), 'base64').toString(), 'hi');
    assert.equal(decodeInPieces(Buffer.from('aGk'), 'base64').toString(), 'hi');
    for (let i = 0; i < 20; i++)
      assert.equal(
        decodeInPieces(Buffer.from('aGVsbG8g\r\nd29ybGQ=\r\naWdub3JlZA=='), 'base64', 3).toString(),
        'hello world',
      );
    assert.equal(canStreamDecode('quoted-printable'), false);
    assert.equal(canStreamDecode('BASE64'), true);
  });
});

describe('a big IMAP attachment streamed from its own connection', () => {
  test('saveAttachments writes the exact bytes; the literal passes through the decoder as it arrives', async () => {
    const rig = loadRig();
    const user = rig.uniqueMailbox();
    const file = randomBytes(6 * 1024 * 1024 + 5); // over the 4 MiB threshold, not a multiple of 3
    await rig.deliver(user, withAttachment(user, file));
    const mailbox = createImapMailbox({ resource: rig.resource('imap', user), tokens: mintingProvider(rig, user) });
    try {
      const [msg] = await mailbox.list();
      assert.ok(msg);
      const dir = await mkdtemp(join(tmpdir(), 'mb-bigpart-'));
      const saved = await mailbox.saveAttachments(msg.id, dir);
      assert.deepEqual(
        saved.map((s) => [s.filename, s.size]),
        [['big.bin', file.length]],
      );
      assert.deepEqual(await readFile(saved[0]?.path ?? ''), file);
      assert.deepEqual(await readdir(dir), ['big.bin']);

      // the fast path itself (not the fallback) gives the same bytes
      const token = await mintingProvider(rig, user).getAccessToken();
      const direct: Buffer[] = [];
      const o = { resource: rig.resource('imap', user), user, token, folder: 'INBOX', uid: Number(msg.id), part: '2' };
      for await (const b of streamPart(o, new RingDecoder('base64'))) direct.push(Buffer.from(b));
      assert.deepEqual(Buffer.concat(direct), file);

      // what it does not speak it refuses before any byte, so the caller falls back to imapflow
      const refused = async (p: Partial<typeof o>, why: RegExp) => {
        const it = streamPart({ ...o, ...p }, new RingDecoder('base64'));
        await assert.rejects(it.next(), (e: unknown) => e instanceof PartStreamUnavailable && why.test(e.message));
      };
      await refused({ resource: rig.resource('imap', user, { secure: 'starttls' }) }, /implicit TLS/);
      await refused({ folder: 'Entwürfe' }, /UTF-7/);
      await refused({ uid: Number(msg.id) + 100 }, /UID FETCH/);
      await refused({ folder: 'No such folder' }, /EXAMINE/);

      // over STARTTLS the same save goes through imapflow's download
      const starttls = createImapMailbox({
        resource: rig.resource('imap', user, { secure: 'starttls' }),
        tokens: mintingProvider(rig, user),
      });
      try {
        const dir2 = await mkdtemp(join(tmpdir(), 'mb-bigpart-'));
        const [again] = await starttls.saveAttachments(msg.id, dir2);
        assert.deepEqual(await readFile(again?.path ?? ''), file);
      } finally {
        await starttls.close();
      }
    } finally {
      await mailbox.close();
    }
  });
});
