/**
 * The delimiter search that cuts attachments in a bulk fetch (src/mail/mime-regions.ts) must
 * read messages as mailsplit/mailparser do, or hand them to mailsplit. Compared with
 * parseMessage (the `get` path) on well-formed shapes it takes itself and on shapes it must
 * leave alone.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, test } from 'node:test';
import { cutAttachments } from '../../src/mail/cut-attachments.js';
import { leafRegions } from '../../src/mail/mime-regions.js';
import { sanitizeFilename } from '../../src/message/attachments.js';
import { parseMessage } from '../../src/message/parse.js';

const b64 = (b: Buffer) => b.toString('base64').replace(/.{76}/g, '$&\r\n');
const head = 'From: a@b.test\r\nSubject: s\r\nMIME-Version: 1.0\r\n';

const taken: Record<string, string> = {
  'one attachment': `${head}Content-Type: multipart/mixed; boundary="x"\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nhi\r\n--x\r\nContent-Type: application/octet-stream; name=a.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64(randomBytes(5000))}\r\n--x--\r\n`,
  'delimiter with transport padding, no preamble, empty part header': `${head}Content-Type: multipart/mixed; boundary=x\r\n\r\n--x \t\r\n\r\nplain part\r\n--x\r\nContent-Disposition: attachment; filename=t.txt\r\n\r\nline1\r\nline2\r\n--x-- \r\n`,
  'boundary-like body lines': `${head}Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain; name=n.txt\r\nContent-Disposition: attachment\r\n\r\n--xy is not a delimiter\r\n--x-\r\n--x--more\r\n--x--\r\n`,
  'quoted-printable and 8bit': `${head}Content-Type: multipart/mixed; boundary=q\r\n\r\n--q\r\nContent-Type: text/plain; name=q.txt\r\nContent-Disposition: attachment\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\na=3Db=\r\nc\r\n--q\r\nContent-Type: application/x-thing; name="e\u0301.dat"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\u00e9t\u00e9\r\n--q--\r\n`,
};
const leftToMailsplit: Record<string, string> = {
  'bare LF': taken['one attachment']!.replace(/\r\n/g, '\n'),
  'no closing delimiter': `${head}Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: application/pdf; name=p.pdf\r\n\r\n%PDF\r\n`,
  'attached message': `${head}Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: message/rfc822\r\n\r\nSubject: in\r\n\r\nbody\r\n--x--\r\n`,
  'nested boundary that extends the outer one': `${head}Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: multipart/alternative; boundary=x1\r\n\r\n--x1\r\nContent-Type: text/plain\r\n\r\nt\r\n--x1--\r\n--x--\r\n`,
};

async function same(raw: string): Promise<void> {
  const source = Buffer.from(raw, 'utf8');
  const dir = await mkdtemp(join(tmpdir(), 'mb-regions-'));
  try {
    const cut = await cutAttachments(source, join(dir, 'a'));
    assert.equal(cut.failure, undefined);
    const got = await Promise.all(cut.files.map(async (f) => [basename(f), (await readFile(f)).toString('hex')]));
    const parsed = await parseMessage(source);
    const want = parsed.attachments.map((a, i) => [
      sanitizeFilename(a.filename, `attachment-${i + 1}`),
      a.content.toString('hex'),
    ]);
    assert.deepEqual(got, want);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('attachment regions by delimiter search', () => {
  for (const [name, raw] of Object.entries(taken)) {
    test(`reads "${name}" itself, as get does`, async () => {
      assert.ok(leafRegions(Buffer.from(raw, 'utf8')), 'the fast path takes it');
      await same(raw);
    });
  }
  for (const [name, raw] of Object.entries(leftToMailsplit)) {
    test(`leaves "${name}" to mailsplit, with the same result as get`, async () => {
      assert.equal(leafRegions(Buffer.from(raw, 'utf8')), undefined);
      await same(raw);
    });
  }
  test("a message over mailsplit's part limit fails the cut, as it fails get", async () => {
    const raw = `${head}Content-Type: multipart/mixed; boundary=p\r\n\r\n${Array.from({ length: 1200 }, (_, i) => `--p\r\nContent-Type: text/plain\r\n\r\npart ${i}\r\n`).join('')}--p--\r\n`;
    const cut = await cutAttachments(Buffer.from(raw), join(tmpdir(), 'mb-regions-never'));
    assert.equal(cut.failure?.code, 'MIME_MALFORMED');
    await assert.rejects(parseMessage(Buffer.from(raw)), { code: 'MIME_MALFORMED' });
  });
});
