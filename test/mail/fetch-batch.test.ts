/**
 * Issue 12: the streaming bulk fetch (one UID FETCH per batch, attachments cut by delimiter
 * search in worker threads, fsync and one after-action command per batch) against the real
 * Dovecot. It must save every message byte for byte, cut exactly the attachments `get` lists
 * (Japanese names decoded), run the after-action only for batches already flushed, and lose
 * nothing when the server connection drops in the middle of a batch.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { createServer, connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buffer } from 'node:stream/consumers';
import { describe, test } from 'node:test';
import { fetchToDirectory } from '../../src/mail/fetch.js';
import { FETCH_STATE_FILE } from '../../src/mail/fetch-state.js';
import { createImapMailbox } from '../../src/mail/imap-mailbox.js';
import { messageBaseName } from '../../src/message/file-names.js';
import { loadRig, mintingProvider, type Rig } from '../helpers/rig.js';
import { expectedAttachments, savedAttachments, sortPairs } from './attachment-pairs.js';

const b64 = (b: Buffer) => b.toString('base64').replace(/.{76}/g, '$&\r\n');

/** Messages of every shape the cutter must read as mailparser does (and some it leaves to mailsplit). */
function corpus(to: string): string[] {
  const head = (subject: string) =>
    `From: Eve <eve@example.test>\r\nTo: ${to}\r\nSubject: ${subject}\r\nMIME-Version: 1.0\r\n`;
  const bin = randomBytes(30_000);
  return [
    `${head('plain')}Content-Type: text/plain\r\n\r\nno attachment here\r\n`,
    `${head('base64')}Content-Type: multipart/mixed; boundary="b1"\r\n\r\npreamble\r\n--b1\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--b1\r\nContent-Type: application/octet-stream; name="data.bin"\r\nContent-Disposition: attachment; filename="data.bin"\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64(bin)}\r\n--b1--\r\nepilogue\r\n`,
    // an ISO-2022-JP encoded-word (売煥集) and an RFC 2231 UTF-8 name (報告書)
    `${head('japanese')}Content-Type: multipart/mixed; boundary=jp\r\n\r\n--jp\r\nContent-Type: text/plain; charset=ISO-2022-JP\r\n\r\nhi\r\n--jp\r\nContent-Type: application/vnd.ms-excel; name="=?ISO-2022-JP?B?GyRCR2RfZT04GyhC?=.xls"\r\nContent-Disposition: attachment; filename="=?ISO-2022-JP?B?GyRCR2RfZT04GyhC?=.xls"\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64(Buffer.from('sheet'))}\r\n--jp\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Disposition: attachment; filename*=UTF-8''%E5%A0%B1%E5%91%8A%E6%9B%B8.txt\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=E5=A0=B1=E5=91=8A line=\r\n joined\r\n--jp--\r\n`,
    // nested: alternative and related inside mixed, an inline image, a 7bit attachment
    `${head('nested')}Content-Type: multipart/mixed; boundary="outer"\r\n\r\n--outer\r\nContent-Type: multipart/related; boundary="rel"\r\n\r\n--rel\r\nContent-Type: multipart/alternative; boundary="alt"\r\n\r\n--alt\r\nContent-Type: text/plain\r\n\r\ntext\r\n--alt\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n--alt--\r\n--rel\r\nContent-Type: image/png; name="logo.png"\r\nContent-ID: <logo>\r\nContent-Disposition: inline; filename="logo.png"\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64(randomBytes(500))}\r\n--rel--\r\n--outer\r\nContent-Type: text/csv; name="r.csv"\r\nContent-Disposition: attachment; filename="r.csv"\r\n\r\na,b\r\n1,2\r\n--outer--\r\n`,
    // bare LF line ends and an attached message: left to mailsplit
    `${head('bare-lf').replace(/\r\n/g, '\n')}Content-Type: multipart/mixed; boundary=lf\n\n--lf\nContent-Type: text/plain\n\nx\n--lf\nContent-Type: application/pdf; name=a.pdf\nContent-Transfer-Encoding: base64\n\n${b64(randomBytes(900)).replace(/\r\n/g, '\n')}\n--lf--\n`,
    `${head('rfc822')}Content-Type: multipart/mixed; boundary=m\r\n\r\n--m\r\nContent-Type: text/plain\r\n\r\nfwd\r\n--m\r\nContent-Type: message/rfc822\r\n\r\nFrom: a@b.test\r\nSubject: inner\r\nContent-Type: multipart/mixed; boundary=i\r\n\r\n--i\r\nContent-Type: text/plain\r\n\r\ninner\r\n--i\r\nContent-Type: application/zip; name=in.zip\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64(randomBytes(300))}\r\n--i--\r\n--m--\r\n`,
    // same-prefix boundaries, a root that is itself an attachment, a base64 with junk
    `${head('prefix')}Content-Type: multipart/mixed; boundary=a\r\n\r\n--a\r\nContent-Type: multipart/alternative; boundary=ab\r\n\r\n--ab\r\nContent-Type: text/plain\r\n\r\nt\r\n--ab--\r\n--a\r\nContent-Type: application/octet-stream; name=x.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64(randomBytes(200))}\r\n--a--\r\n`,
    `${head('root-pdf')}Content-Type: application/pdf; name="whole.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n${b64(randomBytes(700))}\r\n`,
    `${head('junk')}Content-Type: multipart/mixed; boundary=j\r\n\r\n--j\r\nContent-Type: application/octet-stream; name=j.bin\r\nContent-Transfer-Encoding: base64\r\n\r\nQUJD!!REVG\r\nR0g=\r\n--j--\r\n`,
  ];
}

async function serverSources(rig: Rig, user: string, folder = 'INBOX'): Promise<Map<string, Buffer>> {
  const mailbox = createImapMailbox({ resource: rig.resource('imap', user), tokens: mintingProvider(rig, user) });
  try {
    const out = new Map<string, Buffer>();
    for (const m of await mailbox.list({ folder })) out.set(m.id, await buffer(await mailbox.raw(m.id, { folder })));
    return out;
  } finally {
    await mailbox.close();
  }
}

async function uidValidity(dir: string): Promise<string> {
  return (JSON.parse(await readFile(join(dir, FETCH_STATE_FILE), 'utf8')) as { uidValidity: string }).uidValidity;
}

describe('streaming bulk fetch', () => {
  test('saves every message byte for byte and cuts exactly the attachments get lists, Japanese names decoded', async () => {
    const rig = loadRig();
    const user = rig.uniqueMailbox();
    for (const m of corpus(user)) await rig.deliver(user, m);
    const sources = await serverSources(rig, user);
    const mailbox = createImapMailbox({ resource: rig.resource('imap', user), tokens: mintingProvider(rig, user) });
    try {
      const dir = await mkdtemp(join(tmpdir(), 'mb-batch-'));
      const report = await fetchToDirectory({ mailbox, dir, batchSize: 4 });
      assert.equal(report.saved, sources.size);
      assert.deepEqual(report.failed, []);
      const validity = await uidValidity(dir);
      let attachments = 0;
      for (const [id, source] of sources) {
        const base = messageBaseName({ folder: 'INBOX', validity, id });
        assert.ok((await readFile(join(dir, `${base}.eml`))).equals(source), `message ${id} saved byte for byte`);
        const expected = await expectedAttachments(source);
        assert.deepEqual(
          sortPairs(await savedAttachments(join(dir, base))),
          sortPairs(expected),
          `attachments of message ${id}`,
        );
        attachments += expected.length;
      }
      assert.equal(report.attachments, attachments);
      const all = (
        await Promise.all(
          [...sources.keys()].map((id) =>
            savedAttachments(join(dir, messageBaseName({ folder: 'INBOX', validity, id }))),
          ),
        )
      ).flat();
      const names = all.map(([n]) => n);
      for (const n of ['売煥集.xls', '報告書.txt', 'data.bin', 'r.csv', 'logo.png', 'a.pdf', 'whole.pdf'])
        assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
      assert.equal(
        Buffer.from(all.find(([n]) => n === '報告書.txt')?.[1] ?? '', 'hex').toString('utf8'),
        '報告 line joined',
      );
      assert.deepEqual(
        (await readdir(dir)).filter((n) => n.endsWith('.part')),
        [],
      );
    } finally {
      await mailbox.close();
    }
  });

  test('the after-action runs only for batches flushed to disk; a failing save stops before acting on its batch', async () => {
    const rig = loadRig();
    const user = rig.uniqueMailbox();
    for (let i = 0; i < 7; i++) await rig.deliver(user, corpus(user)[i % 3] as string);
    await rig.doveadm(['mailbox', 'create', '-u', user, 'Archive']);
    const mailbox = createImapMailbox({ resource: rig.resource('imap', user), tokens: mintingProvider(rig, user) });
    try {
      const dir = await mkdtemp(join(tmpdir(), 'mb-batch-'));
      const seen: Array<{ ids: readonly string[]; inbox: number }> = [];
      await assert.rejects(
        fetchToDirectory({
          mailbox,
          dir,
          batchSize: 3,
          after: { kind: 'move', folder: 'Archive' },
          beforeSync: async (ids) => {
            seen.push({ ids, inbox: await rig.countMessages(user) });
            if (seen.length === 2) throw new Error('disk failed');
          },
        }),
        /disk failed/,
      );
      // Batch 1 was not moved before its flush; batch 2 failed its flush and was never moved.
      assert.equal(seen[0]?.inbox, 7);
      assert.deepEqual(seen[0]?.ids, ['1', '2', '3']);
      assert.equal(await rig.countMessages(user, 'Archive'), 3);
      assert.equal(await rig.countMessages(user), 4);
      const names = await readdir(dir);
      assert.equal(names.filter((n) => n.endsWith('.eml')).length, 3, names.join(' '));
      assert.deepEqual(
        names.filter((n) => n.includes('.part')),
        [],
        'the failed batch left nothing behind',
      );
      const rerun = await fetchToDirectory({ mailbox, dir, batchSize: 3, after: { kind: 'move', folder: 'Archive' } });
      assert.equal(rerun.saved, 4);
      assert.equal(rerun.processed, 4);
      assert.equal(await rig.countMessages(user), 0);
      assert.equal(await rig.countMessages(user, 'Archive'), 7);
    } finally {
      await mailbox.close();
    }
  });

  test('a server that drops the connection mid-batch loses nothing; the rerun fetches only what was not saved', async () => {
    const rig = loadRig();
    const user = rig.uniqueMailbox();
    for (let i = 0; i < 12; i++) await rig.deliver(user, corpus(user)[1] as string); // ~40 KB each
    const sources = await serverSources(rig, user);
    // A TCP proxy to Dovecot's IMAPS port that cuts its first connection after ~half the mailbox.
    let cut = 0;
    const sockets: Socket[] = [];
    const proxy = createServer((client) => {
      const server = connect(rig.imap.port, rig.imap.host);
      sockets.push(client, server);
      const first = cut++ === 0;
      let down = 0;
      client.pipe(server);
      server.on('data', (d: Buffer) => {
        down += d.length;
        if (first && down > 250_000) {
          client.destroy();
          server.destroy();
          return;
        }
        client.write(d);
      });
      client.on('error', () => server.destroy());
      server.on('error', () => client.destroy());
      client.on('close', () => server.destroy());
      server.on('close', () => client.destroy());
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const port = (proxy.address() as { port: number }).port;
    const resource = rig.resource('imap', user, { server: { host: rig.imap.host, port, secure: 'tls' } });
    const dir = await mkdtemp(join(tmpdir(), 'mb-batch-'));
    try {
      const dropped = createImapMailbox({ resource, tokens: mintingProvider(rig, user) });
      await assert.rejects(fetchToDirectory({ mailbox: dropped, dir, batchSize: 4 }));
      dropped.close().catch(() => undefined);
      const savedFirst = (await readdir(dir)).filter((n) => n.endsWith('.eml')).length;
      assert.ok(savedFirst > 0 && savedFirst < 12, `some batches were saved before the drop (${savedFirst})`);
      assert.equal(savedFirst % 4, 0, 'whole batches only');
      const again = createImapMailbox({ resource, tokens: mintingProvider(rig, user) });
      try {
        const rerun = await fetchToDirectory({ mailbox: again, dir, batchSize: 4 });
        assert.equal(rerun.skipped, savedFirst);
        assert.equal(rerun.saved, 12 - savedFirst);
      } finally {
        await again.close();
      }
      const validity = await uidValidity(dir);
      for (const [id, source] of sources) {
        const base = messageBaseName({ folder: 'INBOX', validity, id });
        assert.ok((await readFile(join(dir, `${base}.eml`))).equals(source), `message ${id} whole`);
        assert.equal((await readdir(join(dir, base))).length, 1);
      }
      assert.deepEqual(
        (await readdir(dir)).filter((n) => n.includes('.part')),
        [],
      );
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => proxy.close(r));
    }
  });
});
