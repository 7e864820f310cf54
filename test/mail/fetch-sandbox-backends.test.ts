/**
 * Issue 12: the bulk fetch over POP3, EWS and Graph against the Exchange sandbox. POP3 reads
 * the whole set in one session (`rawMany`), EWS many sources per GetItem (`rawMany`, ids and
 * sizes from FindItem alone), Graph several `$value` requests at once (`rawConcurrency`); and
 * every backend now cuts attachments as IMAP does. Whatever the path, each message must be
 * saved byte for byte as `raw` gives it, with exactly the attachments `get` lists, and a
 * message deleted between the listing and the read must be left out, not fail the batch.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, test } from 'node:test';
import { fetchToDirectory } from '../../src/mail/fetch.js';
import type { Mailbox } from '../../src/mail/mailbox.js';
import { openMailbox } from '../../src/mail/open.js';
import { messageBaseName } from '../../src/message/file-names.js';
import { createSealer } from '../../src/store/seal.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { startSandboxes, type Sandboxes } from '../sandbox/exchange/support.js';
import { allowEws, consentedSandboxResource, sandboxUser, type ReceiveKind } from './facade-suite-support.js';
import { expectedAttachments, savedAttachments, sortPairs } from './attachment-pairs.js';

const b64 = (b: Buffer) => b.toString('base64').replace(/.{76}/g, '$&\r\n');

function corpus(to: string): Buffer[] {
  const head = (subject: string) =>
    `From: Eve <eve@example.test>\r\nTo: ${to}\r\nSubject: ${subject}\r\nMIME-Version: 1.0\r\n`;
  return [
    // a line starting with "." (dot-stuffed on the POP3 wire) and one that is only "."
    `${head('dots')}Content-Type: text/plain\r\n\r\n.leading dot\r\n.\r\n..two\r\nend\r\n`,
    `${head('base64')}Content-Type: multipart/mixed; boundary="b1"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--b1\r\nContent-Type: application/octet-stream; name="data.bin"\r\nContent-Disposition: attachment; filename="data.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64(randomBytes(30_000))}\r\n--b1--\r\n`,
    `${head('japanese')}Content-Type: multipart/mixed; boundary=jp\r\n\r\n--jp\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n\r\nhi\r\n--jp\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Disposition: attachment; filename*=UTF-8''%E5%A0%B1%E5%91%8A%E6%9B%B8.txt\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=E5=A0=B1=E5=91=8A line=\r\n joined\r\n--jp--\r\n`,
    `${head('big')}Content-Type: multipart/mixed; boundary=big\r\n\r\n--big\r\nContent-Type: text/plain\r\n\r\nlarge one\r\n--big\r\nContent-Type: application/pdf; name=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64(randomBytes(400_000))}\r\n--big--\r\n`,
    `${head('plain')}Content-Type: text/plain; charset=utf-8\r\n\r\n本文です\r\n`,
  ].map((s) => Buffer.from(s));
}

describe('bulk fetch over POP3, EWS and Graph (the sandbox)', () => {
  let sb: Sandboxes;
  before(async () => {
    sb = await startSandboxes();
    allowEws(sb);
  });
  after(async () => {
    await sb.close();
  });

  /** A fresh mailbox holding the corpus, opened over `kind`; its sources as `raw` gives them. */
  async function world(kind: ReceiveKind) {
    const user = sandboxUser(sb, `bulk-${kind}`);
    const inbox = sb.exchange.context.store.mailbox(user)?.folder('inbox');
    assert.ok(inbox);
    const start = Date.now() - 60_000;
    const delivered = corpus(user);
    for (const [i, raw] of delivered.entries()) await inbox.append(raw, { receivedAt: start + i * 1000 });
    const store = openSqliteStore({ path: ':memory:', sealer: createSealer(randomBytes(32)) });
    const { tokens } = await consentedSandboxResource(sb, kind, { store, name: `bulk-${kind}`, user });
    const mailbox: Mailbox = await openMailbox({ resource: `bulk-${kind}`, store, tokens });
    const sources = new Map<string, Buffer>();
    for (const m of await mailbox.list()) sources.set(m.id, await buffer(await mailbox.raw(m.id)));
    // what the server hands out is what was delivered (the 400 KB one passes every payload path)
    assert.deepEqual(
      [...sources.values()].map((b) => b.toString('hex')),
      delivered.map((b) => b.toString('hex')),
    );
    return {
      mailbox,
      sources,
      async close() {
        await mailbox.close();
        await store.close();
      },
    };
  }

  for (const kind of ['pop3', 'ews', 'graph'] as const) {
    test(`${kind}: every message byte for byte with the attachments get lists; --raw saves the same .eml files`, async () => {
      const w = await world(kind);
      const dir = await mkdtemp(join(tmpdir(), `mb-bulk-${kind}-`));
      try {
        // batches of 2: several rawMany calls (POP3, EWS) or lanes (Graph) in one run
        const report = await fetchToDirectory({ mailbox: w.mailbox, dir: join(dir, 'cut'), batchSize: 2 });
        assert.deepEqual([report.matched, report.saved, report.failed], [5, 5, []]);
        let attachments = 0;
        for (const [id, source] of w.sources) {
          const base = messageBaseName({ folder: 'INBOX', id });
          assert.ok(
            (await readFile(join(dir, 'cut', `${base}.eml`))).equals(source),
            `${kind} message ${id} byte for byte`,
          );
          const expected = await expectedAttachments(source);
          assert.deepEqual(
            sortPairs(await savedAttachments(join(dir, 'cut', base))),
            sortPairs(expected),
            `attachments of ${id}`,
          );
          attachments += expected.length;
        }
        assert.equal(attachments, 3, 'data.bin, 報告書.txt, a.pdf');
        assert.equal(report.attachments, attachments);

        const raw = await fetchToDirectory({ mailbox: w.mailbox, dir: join(dir, 'raw'), raw: true, batchSize: 2 });
        assert.deepEqual([raw.saved, raw.attachments], [5, 0]);
        for (const [id, source] of w.sources) {
          const base = messageBaseName({ folder: 'INBOX', id });
          assert.ok((await readFile(join(dir, 'raw', `${base}.eml`))).equals(source));
          assert.deepEqual(await savedAttachments(join(dir, 'raw', base)), []);
        }
      } finally {
        await w.close();
        await rm(dir, { recursive: true, force: true });
      }
    });
  }

  test('graph: a source over the streaming threshold (16 MiB) is streamed to its file, the small ones beside it go through the stage pool', async () => {
    const user = sandboxUser(sb, 'bulk-graph-big');
    const inbox = sb.exchange.context.store.mailbox(user)?.folder('inbox');
    assert.ok(inbox);
    const bin = randomBytes(13 * 2 ** 20);
    const big = Buffer.from(
      `From: Eve <eve@example.test>\r\nTo: ${user}\r\nSubject: huge\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=h\r\n\r\n--h\r\nContent-Type: text/plain\r\n\r\nbig\r\n--h\r\nContent-Type: application/octet-stream; name=huge.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64(bin)}\r\n--h--\r\n`,
    );
    assert.ok(big.length > 16 * 2 ** 20);
    const small = corpus(user).slice(1, 3);
    const start = Date.now() - 60_000;
    for (const [i, raw] of [small[0] as Buffer, big, small[1] as Buffer].entries())
      await inbox.append(raw, { receivedAt: start + i * 1000 });
    const store = openSqliteStore({ path: ':memory:', sealer: createSealer(randomBytes(32)) });
    const { tokens } = await consentedSandboxResource(sb, 'graph', { store, name: 'bulk-graph-big', user });
    const mailbox = await openMailbox({ resource: 'bulk-graph-big', store, tokens });
    const dir = await mkdtemp(join(tmpdir(), 'mb-bulk-big-'));
    try {
      const ids = (await mailbox.list()).map((m) => m.id);
      const report = await fetchToDirectory({ mailbox, dir });
      assert.deepEqual([report.saved, report.attachments, report.failed], [3, 3, []]);
      const base = messageBaseName({ folder: 'INBOX', id: ids[1] as string });
      assert.ok((await readFile(join(dir, `${base}.eml`))).equals(big), 'the big one byte for byte');
      assert.ok((await readFile(join(dir, base, 'huge.bin'))).equals(bin), 'its attachment decoded');
      assert.ok(
        (await readFile(join(dir, `${messageBaseName({ folder: 'INBOX', id: ids[2] as string })}.eml`))).equals(
          small[1] as Buffer,
        ),
      );
    } finally {
      await mailbox.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  for (const kind of ['pop3', 'ews'] as const) {
    test(`${kind}: rawMany leaves out a message deleted since the listing and reads the rest in order`, async () => {
      const w = await world(kind);
      try {
        assert.ok(w.mailbox.rawMany && w.mailbox.listIds);
        const ids = (await w.mailbox.listIds({}, 16 * 2 ** 20)).map((x) => x.id);
        assert.deepEqual(ids, [...w.sources.keys()]);
        await w.mailbox.delete([ids[1] as string]);
        const got: Array<{ id: string; source: Buffer }> = [];
        for await (const m of w.mailbox.rawMany(ids)) got.push(m);
        assert.deepEqual(
          got.map((m) => m.id),
          ids.filter((_, i) => i !== 1),
        );
        for (const m of got) assert.ok(m.source.equals(w.sources.get(m.id) as Buffer), `${m.id} byte for byte`);
      } finally {
        await w.close();
      }
    });
  }
});
