import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { connect as tlsConnect } from 'node:tls';
import { after, before, describe, test } from 'node:test';
import { resourceSchema } from '../../../src/config/resource.js';
import { MailbridgeError } from '../../../src/errors.js';
import { connectPop3, type Pop3Session } from '../../../src/protocols/pop3/client.js';
import { Secret } from '../../../src/secret.js';
import { ALICE, BOB, rawMessage, startSandboxes, xoauth2, type Sandboxes } from './support.js';

const run = promisify(execFile);
let sb: Sandboxes;
before(async () => {
  sb = await startSandboxes();
});
after(() => sb.close());

async function freshUser(): Promise<string> {
  const user = `pop${Math.random().toString(36).slice(2, 8)}@contoso.onmicrosoft.com`;
  await sb.identity.admin.upsertUser({ username: user, password: 'Passw0rd!' });
  sb.exchange.admin.createMailbox(user);
  return user;
}

async function open(user: string, secure: 'tls' | 'starttls' = 'tls', scope = 'POP.AccessAsUser.All'): Promise<Pop3Session> {
  const resource = resourceSchema.parse({
    name: 'sandbox-pop3', kind: 'pop3', user, authType: 'oauth2', tls: { caFile: sb.caFile },
    server: { host: '127.0.0.1', port: secure === 'tls' ? sb.exchange.pop3.tlsPort : sb.exchange.pop3.port, secure },
  });
  const token = new Secret(await sb.token(scope, { user }));
  return connectPop3({ resource, tokens: { getAccessToken: async () => token }, timeoutMs: 10_000 });
}

const inbox = (user: string) => sb.exchange.context.store.mailbox(user)!.folder('inbox')!;

/** A raw POP3 dialog over implicit TLS: each command's first reply line (multi-line bodies included). */
async function dialog(commands: string[]): Promise<string> {
  const s = tlsConnect({ host: '127.0.0.1', port: sb.exchange.pop3.tlsPort, ca: sb.exchange.caPem, servername: 'localhost' });
  let text = '';
  s.on('data', (d: Buffer) => (text += d.toString()));
  const settle = async (n: number) => {
    for (let i = 0; i < 300 && (text.match(/^(\+OK|-ERR|\+ )/gm) ?? []).length < n; i++) await new Promise((r) => setTimeout(r, 10));
  };
  await settle(1);
  for (const [i, c] of commands.entries()) {
    s.write(`${c}\r\n`);
    await settle(i + 2);
  }
  s.destroy();
  return text;
}

const tricky = Buffer.from(
  `From: ${BOB}\r\nTo: x\r\nSubject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nafter a lone dot\r\nline 5\r\n`,
);

describe('POP3 (outlook.office365.com:995 behaviour)', () => {
  test('greeting, CAPA, and USER/PASS and PLAIN refused as Exchange does', async () => {
    const text = await dialog(['CAPA', 'USER alice@contoso.onmicrosoft.com', 'PASS Passw0rd!', 'AUTH PLAIN AGFsaWNlAFBhc3N3MHJkIQ==', 'QUIT']);
    assert.match(text, /^\+OK The Microsoft Exchange POP3 service is ready\. \[[A-Za-z0-9+/=]+\]\r\n/);
    assert.match(text, /\+OK\r\nTOP\r\nUIDL\r\nSASL PLAIN XOAUTH2\r\nUSER\r\n\.\r\n/);
    assert.equal(text.match(/^-ERR Authentication failure: unknown user name or bad password\.\r$/gm)?.length, 2);
    assert.match(text, /\+OK Microsoft Exchange Server POP3 server signing off\.\r\n$/);
  });

  test('AUTH XOAUTH2 in two steps; a token without POP scope or for someone else fails', async () => {
    const good = await sb.token('POP.AccessAsUser.All');
    const ok = await dialog(['AUTH XOAUTH2', xoauth2(ALICE, good), 'STAT']);
    assert.match(ok, /^\+ \r\n\+OK User successfully authenticated\.\r\n\+OK \d+ \d+\r\n/m);
    for (const [user, token] of [[ALICE, await sb.token('IMAP.AccessAsUser.All')], [BOB, good]] as const) {
      const bad = await dialog([`AUTH XOAUTH2 ${xoauth2(user, token)}`]);
      assert.match(bad, /^-ERR Authentication failure: unknown user name or bad password\.\r$/m);
    }
  });

  test('our client: STAT, LIST, UIDL, RETR byte-exact with dot-stuffing, TOP, DELE applied on QUIT only', async () => {
    const user = await freshUser();
    const raws = [tricky, rawMessage(BOB, user, 'second')];
    for (const r of raws) await inbox(user).append(r);
    let s = await open(user);
    assert.deepEqual(await s.stat(), { count: 2, size: raws[0]!.length + raws[1]!.length });
    assert.deepEqual((await s.list()).map((m) => m.size), raws.map((r) => r.length));
    const uids = await s.uidl();
    assert.deepEqual(uids.map((u) => u.uid), inbox(user).list().map((m) => m.id));
    assert.deepEqual(await s.retrieve(1), raws[0]);
    assert.deepEqual(await s.retrieve(2), raws[1]);
    await s.delete(1);
    assert.equal((await s.stat()).count, 1);
    await s.reset();
    await s.delete(2);
    s.close();
    assert.equal(inbox(user).list().length, 2, 'no QUIT: nothing deleted');
    s = await open(user, 'starttls');
    await s.delete(2);
    await s.quit();
    assert.deepEqual(inbox(user).list().map((m) => m.summary.subject), ['dots']);

    const top = await dialog([`AUTH XOAUTH2 ${xoauth2(user, await sb.token('POP.AccessAsUser.All', { user }))}`, 'TOP 1 2', 'NOOP']);
    assert.ok(top.includes('Subject: dots\r\n\r\n..leading dot\r\n...two dots\r\n.\r\n'), top);
    assert.ok(!top.includes('after a lone dot'));
  });

  test('curl pop3s:// --oauth2-bearer lists and retrieves', async () => {
    const user = await freshUser();
    await inbox(user).append(tricky);
    const token = await sb.token('POP.AccessAsUser.All', { user });
    const base = [
      '-sS', '--max-time', '20', '--cacert', sb.caFile, '--user', `${user}:`, '--oauth2-bearer', token,
    ];
    const list = await run('curl', [...base, '-v', `pop3s://127.0.0.1:${sb.exchange.pop3.tlsPort}/`]);
    assert.match(list.stderr, /> AUTH XOAUTH2/);
    assert.equal(list.stdout.trim(), `1 ${tricky.length}`);
    const retr = await run('curl', [...base, `pop3s://127.0.0.1:${sb.exchange.pop3.tlsPort}/1`], { encoding: 'buffer' });
    assert.deepEqual(retr.stdout, tricky);
  });

  test('a 25 MB message streams out whole and byte-exact', async () => {
    const user = await freshUser();
    const line = 'The quick brown fox jumps over the lazy dog. 0123456789 ABCDEFGHIJKLMNOPQRSTUVWXYZ\r\n';
    const big = Buffer.concat([Buffer.from(`From: ${BOB}\r\nSubject: big\r\n\r\n.dot first\r\n`), Buffer.from(line.repeat(Math.ceil((25 * 1024 * 1024) / line.length)))]);
    await inbox(user).append(big);
    const s = await open(user);
    const hash = createHash('sha256');
    let n = 0;
    for await (const chunk of s.retrieveStream(1) as AsyncIterable<Buffer>) {
      hash.update(chunk);
      n += chunk.length;
    }
    await s.quit();
    assert.equal(n, big.length);
    assert.equal(hash.digest('hex'), createHash('sha256').update(big).digest('hex'));
  });

  test('drop_connection fault cuts RETR midway: the client fails, the message stays', async () => {
    const user = await freshUser();
    await inbox(user).append(rawMessage(BOB, user, 'dropped', 'x'.repeat(50_000)));
    sb.exchange.admin.addFault({ protocol: 'pop3', mailbox: user, kind: 'drop_connection', value: 1000, times: 1 });
    const s = await open(user);
    await s.delete(1).catch(() => undefined);
    await s.reset();
    await assert.rejects(s.retrieve(1), (e: unknown) => e instanceof MailbridgeError);
    s.close();
    assert.equal(inbox(user).list().length, 1);
    const again = await open(user);
    assert.match((await again.retrieve(1)).toString(), /Subject: dropped/);
    await again.quit();
  });
});
