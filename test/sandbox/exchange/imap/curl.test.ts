import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { ALICE, message, startImapFixture, type ImapFixture } from './support.js';

const run = promisify(execFile);

/**
 * curl as a client nobody here wrote. curl 7.88 picks OAUTHBEARER when a server offers it;
 * the sandbox (like Exchange Online) offers only XOAUTH2, and curl falls back to it.
 */
describe('IMAP endpoint with curl', () => {
  let f: ImapFixture;
  let dir: string;
  let caFile: string;
  let token: string;

  before(async () => {
    f = await startImapFixture();
    dir = mkdtempSync(join(tmpdir(), 'ximap-curl-'));
    caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, f.ctx.tls.ca);
    token = await f.token();
    await f.ctx.store.deliver(message({ subject: 'curl me' }), { from: 'sender@example.test', to: [ALICE] });
  });
  after(async () => {
    await f?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const curl = (url: string, extra: string[] = []) =>
    run('curl', ['-sS', '-v', '--ssl-reqd', '--max-time', '30', '--cacert', caFile, '--user', ALICE, '--oauth2-bearer', token, ...extra, url], { maxBuffer: 64 << 20, encoding: 'buffer' });

  test('imaps:// fetches a message by UID with AUTHENTICATE XOAUTH2', async () => {
    const { stdout, stderr } = await curl(`imaps://127.0.0.1:${f.server.port}/INBOX;UID=1`);
    const raw = await f.ctx.store.mailbox(ALICE)?.folder('INBOX')?.read(1);
    assert.ok(raw && stdout.equals(raw));
    assert.match(stderr.toString(), /> A\d+ AUTHENTICATE XOAUTH2 /);
    assert.doesNotMatch(stderr.toString(), /OAUTHBEARER/);
  });

  test('imap:// with STARTTLS, and a folder listing', async () => {
    const { stdout } = await curl(`imap://127.0.0.1:${f.server.starttlsPort}/INBOX;UID=1`);
    assert.match(stdout.toString(), /Subject: curl me/);
    const list = await curl(`imaps://127.0.0.1:${f.server.port}/`);
    assert.match(list.stdout.toString(), /\* LIST \(\\HasNoChildren \\Sent\) "\/" "Sent Items"/);
  });

  test('a wrong-audience token is refused', async () => {
    const graph = await f.token(ALICE, 'https://graph.microsoft.com');
    const r = await run('curl', ['-sS', '-v', '--cacert', caFile, '--user', ALICE, '--oauth2-bearer', graph, `imaps://127.0.0.1:${f.server.port}/INBOX;UID=1`], { encoding: 'buffer' }).catch((e: { code: number; stderr: Buffer }) => e);
    assert.equal((r as { code?: number }).code, 67, 'curl exits 67 (login denied)');
    assert.match((r as { stderr: Buffer }).stderr.toString(), /< A\d+ NO AUTHENTICATE failed\./);
  });

  test('a 25 MB message streams out whole, without the server holding extra copies', async () => {
    const big = Buffer.concat([
      Buffer.from('From: big@example.test\r\nTo: alice@contoso.onmicrosoft.com\r\nSubject: big\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n'),
      Buffer.from('QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo0NTY3ODkw\r\n'.repeat(Math.ceil((25 * 1024 * 1024) / 46))),
    ]);
    const folder = f.ctx.store.mailbox(ALICE)?.folder('INBOX');
    const stored = await folder?.append(big);
    assert.ok(stored);
    const out = join(dir, 'big.eml');
    const baseline = process.memoryUsage().arrayBuffers;
    let peak = baseline;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    }, 5);
    try {
      await curl(`imaps://127.0.0.1:${f.server.port}/INBOX;UID=${stored.uid}`, ['-o', out]);
    } finally {
      clearInterval(sampler);
    }
    const digest = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    assert.equal(digest(readFileSync(out)), digest(big));
    // The store already holds the message; a session that buffered the literal would add 25 MB or more.
    assert.ok(peak - baseline < 16 * 1024 * 1024, `extra external memory while streaming: ${peak - baseline} bytes`);
  });
});
