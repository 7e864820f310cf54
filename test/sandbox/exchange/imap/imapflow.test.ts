import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { connect as netConnect } from 'node:net';
import { ImapFlow } from 'imapflow';
import { ALICE, BOB, message, OUTLOOK, startImapFixture, type ImapFixture } from './support.js';

/** Reads a raw IMAP conversation: send a line, collect until a line starting with `until`. */
function rawSession(socket: import('node:stream').Duplex) {
  let buffer = '';
  socket.on('data', (c: Buffer) => {
    buffer += c.toString('latin1');
  });
  return {
    async expect(re: RegExp): Promise<string> {
      const deadline = Date.now() + 5000;
      while (!re.test(buffer)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${re}; got ${JSON.stringify(buffer)}`);
        await new Promise((r) => setTimeout(r, 5));
      }
      const out = buffer;
      buffer = '';
      return out;
    },
    send(line: string) {
      socket.write(`${line}\r\n`);
    },
  };
}

describe('IMAP endpoint with imapflow over TLS', () => {
  let f: ImapFixture;

  before(async () => {
    f = await startImapFixture();
    const deliver = (raw: Buffer) => f.ctx.store.deliver(raw, { from: 'sender@example.test', to: [ALICE] });
    await deliver(message({ subject: 'invoice 1', from: 'Alice Sender <as@example.test>', body: 'first body with kiwi' }));
    await deliver(message({ subject: 'report', attachment: true, body: 'x'.repeat(3000) }));
    await deliver(message({ subject: 'invoice 2', from: 'Bob <bob@example.test>', date: 'Mon, 01 Jan 2024 10:00:00 +0000' }));
  });
  after(() => f?.close());

  test('greeting and capabilities are Exchange Online\'s', async () => {
    const socket = tlsConnect({ host: '127.0.0.1', port: f.server.port, ca: [f.ctx.tls.ca], servername: 'localhost' });
    const s = rawSession(socket);
    const greeting = await s.expect(/\r\n/);
    assert.match(greeting, /^\* OK The Microsoft Exchange IMAP4 service is ready\. \[[A-Za-z0-9+/=]+\]\r\n$/);
    s.send('C01 CAPABILITY');
    assert.equal(await s.expect(/C01 /), '* CAPABILITY IMAP4 IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2 SASL-IR UIDPLUS MOVE ID UNSELECT CHILDREN IDLE NAMESPACE LITERAL+\r\nC01 OK CAPABILITY completed.\r\n');
    s.send('A1 LOGIN alice Passw0rd!');
    assert.equal(await s.expect(/A1 /), 'A1 NO LOGIN failed.\r\n');
    s.send('A2 AUTHENTICATE PLAIN AGFsaWNlAFBhc3N3MHJkIQ==');
    assert.equal(await s.expect(/A2 /), 'A2 NO AUTHENTICATE failed.\r\n');
    s.send('A3 SELECT INBOX');
    assert.equal(await s.expect(/A3 /), 'A3 BAD Command received in Invalid state.\r\n');
    // The two-step form: mechanism, then the response after "+ ".
    s.send('A4 AUTHENTICATE XOAUTH2');
    await s.expect(/^\+ \r\n$/);
    const token = await f.token();
    s.send(Buffer.from(`user=${ALICE}\x01auth=Bearer ${token}\x01\x01`).toString('base64'));
    assert.equal(await s.expect(/A4 /), 'A4 OK AUTHENTICATE completed.\r\n');
    s.send('A5 LOGOUT');
    assert.match(await s.expect(/A5 /), /^\* BYE .*\r\nA5 OK LOGOUT completed\.\r\n$/);
    socket.destroy();
  });

  test('a token for another audience, or another user\'s mailbox, fails with NO AUTHENTICATE failed.', async () => {
    const graphToken = await f.token(ALICE, 'https://graph.microsoft.com');
    for (const [user, token] of [[ALICE, graphToken], [BOB, await f.token(ALICE)], [ALICE, 'not-a-jwt']] as const) {
      const socket = tlsConnect({ host: '127.0.0.1', port: f.server.port, ca: [f.ctx.tls.ca], servername: 'localhost' });
      const s = rawSession(socket);
      await s.expect(/\r\n/);
      s.send(`A1 AUTHENTICATE XOAUTH2 ${Buffer.from(`user=${user}\x01auth=Bearer ${token}\x01\x01`).toString('base64')}`);
      assert.equal(await s.expect(/A1 /), 'A1 NO AUTHENTICATE failed.\r\n');
      socket.destroy();
    }
    // imapflow surfaces it as an authentication failure.
    const c = new ImapFlow({ host: '127.0.0.1', port: f.server.port, secure: true, tls: { ca: [f.ctx.tls.ca], servername: 'localhost' }, auth: { user: ALICE, accessToken: graphToken }, logger: false });
    c.on('error', () => undefined);
    await assert.rejects(c.connect(), (e: { authenticationFailed?: boolean; responseText?: string }) => e.authenticationFailed === true && e.responseText === 'AUTHENTICATE failed.');
  });

  test('a shared mailbox opens with the delegate\'s token once FullAccess is granted', async () => {
    const token = await f.token(BOB);
    const attempt = async () => {
      const c = new ImapFlow({ host: '127.0.0.1', port: f.server.port, secure: true, tls: { ca: [f.ctx.tls.ca], servername: 'localhost' }, auth: { user: ALICE, accessToken: token }, logger: false });
      c.on('error', () => undefined);
      await c.connect();
      await c.logout();
    };
    await assert.rejects(attempt());
    f.ctx.settings.fullAccess[ALICE] = [BOB];
    try {
      await attempt();
    } finally {
      delete f.ctx.settings.fullAccess[ALICE];
    }
  });

  test('port 143 style: LOGINDISABLED until STARTTLS, then XOAUTH2', async () => {
    const socket = netConnect({ host: '127.0.0.1', port: f.server.starttlsPort });
    const s = rawSession(socket);
    await s.expect(/\r\n/);
    s.send('C1 CAPABILITY');
    const caps = await s.expect(/C1 /);
    assert.match(caps, /LOGINDISABLED STARTTLS/);
    assert.doesNotMatch(caps, /AUTH=/);
    socket.destroy();
    const c = new ImapFlow({
      host: '127.0.0.1', port: f.server.starttlsPort, secure: false, doSTARTTLS: true,
      tls: { ca: [f.ctx.tls.ca], servername: 'localhost' }, auth: { user: ALICE, accessToken: await f.token() }, logger: false,
    });
    c.on('error', () => undefined);
    await c.connect();
    assert.equal(c.secureConnection, true);
    assert.ok(c.capabilities.has('AUTH=XOAUTH2'));
    await c.logout();
  });

  test('list shows INBOX and the special-use folders with "/" as delimiter', async () => {
    const c = await f.client();
    const folders = await c.list();
    const byUse = Object.fromEntries(folders.map((x) => [x.specialUse ?? x.path, x.path]));
    assert.deepEqual(
      { inbox: byUse['\\Inbox'], sent: byUse['\\Sent'], drafts: byUse['\\Drafts'], trash: byUse['\\Trash'], junk: byUse['\\Junk'], archive: byUse['\\Archive'] },
      { inbox: 'INBOX', sent: 'Sent Items', drafts: 'Drafts', trash: 'Deleted Items', junk: 'Junk Email', archive: 'Archive' },
    );
    assert.ok(folders.every((x) => x.delimiter === '/'));
    const status = await c.status('INBOX', { messages: true, unseen: true, uidNext: true, uidValidity: true });
    assert.deepEqual(status && [status.messages, status.unseen], [3, 3]);
    await c.mailboxCreate('Projects/2024');
    const after = await c.list();
    assert.ok(after.find((x) => x.path === 'Projects')?.flags.has('\\HasChildren'));
    assert.ok(after.find((x) => x.path === 'Projects/2024'));
    await c.mailboxRename('Projects/2024', 'Projects/Done');
    assert.ok((await c.list()).find((x) => x.path === 'Projects/Done'));
    await c.mailboxDelete('Projects/Done');
    assert.equal((await c.list()).some((x) => x.path === 'Projects/Done'), false);
  });

  test('select, search by each filter, fetch envelope, bodystructure, source and partials', async () => {
    const c = await f.client();
    const box = await c.mailboxOpen('INBOX');
    assert.equal(box.exists, 3);
    assert.ok(box.uidValidity > 0n);
    const all = (await c.search({ all: true }, { uid: true })) || [];
    assert.equal(all.length, 3);
    const [u1, u2, u3] = all as [number, number, number];
    assert.deepEqual(await c.search({ subject: 'invoice' }, { uid: true }), [u1, u3]);
    assert.deepEqual(await c.search({ from: 'bob@example.test' }, { uid: true }), [u3]);
    assert.deepEqual(await c.search({ from: 'Alice Sender' }, { uid: true }), [u1]);
    assert.deepEqual(await c.search({ body: 'KIWI' }, { uid: true }), [u1]);
    assert.deepEqual(await c.search({ larger: 2000 }, { uid: true }), [u2]);
    assert.deepEqual(await c.search({ smaller: 2000 }, { uid: true }), [u1, u3]);
    assert.deepEqual(await c.search({ sentBefore: new Date('2024-03-01') }, { uid: true }), [u3]);
    assert.deepEqual(await c.search({ since: new Date(Date.now() + 3 * 86400_000) }, { uid: true }), []);
    assert.deepEqual(await c.search({ or: [{ subject: 'report' }, { from: 'bob' }] }, { uid: true }), [u2, u3]);
    assert.deepEqual(await c.search({ not: { subject: 'invoice' } }, { uid: true }), [u2]);
    assert.deepEqual(await c.search({ header: { 'message-id': 'example.test' }, uid: `${u2}:*` }, { uid: true }), [u2, u3]);
    assert.deepEqual(await c.search({ seen: false }, { uid: true }), [u1, u2, u3]);

    const msg = await c.fetchOne(String(u2), { envelope: true, bodyStructure: true, size: true, flags: true, internalDate: true }, { uid: true });
    assert.ok(msg);
    assert.equal(msg.envelope?.subject, 'report');
    assert.deepEqual(msg.envelope?.to?.map((a) => a.address), [ALICE]);
    assert.equal(msg.bodyStructure?.type, 'multipart/mixed');
    assert.deepEqual(msg.bodyStructure?.childNodes?.map((n) => [n.part, n.type, n.dispositionParameters?.filename]), [['1', 'text/plain', undefined], ['2', 'application/octet-stream', 'data.bin']]);
    const raw = await f.ctx.store.mailbox(ALICE)?.folder('INBOX')?.read(u2);
    assert.equal(msg.size, raw?.length);

    const src = await c.fetchOne(String(u2), { source: true }, { uid: true });
    assert.ok(src && raw && src.source?.equals(raw));
    const part = await c.fetchOne(String(u2), { source: { start: 10, maxLength: 25 } }, { uid: true });
    assert.equal(part && part.source?.toString('latin1'), raw?.subarray(10, 35).toString('latin1'));
    const dl = await c.download(String(u2), '2', { uid: true });
    const chunks: Buffer[] = [];
    assert.ok(dl.content);
    for await (const ch of dl.content) chunks.push(ch as Buffer);
    assert.equal(Buffer.concat(chunks).toString(), '0123456789'.repeat(50));
    const headers = await c.fetchOne(String(u1), { headers: ['subject', 'from'] }, { uid: true });
    assert.equal(headers && headers.headers?.toString(), 'From: Alice Sender <as@example.test>\r\nSubject: invoice 1\r\n\r\n');
    // PEEK fetches left \Seen alone.
    assert.deepEqual(await c.search({ seen: false }, { uid: true }), [u1, u2, u3]);
    await c.mailboxClose();
  });

  test('a non-PEEK body fetch sets \\Seen; STORE flags and the FLAGS reply', async () => {
    const c = await f.client();
    await c.mailboxOpen('INBOX');
    const [u1, u2] = ((await c.search({ all: true }, { uid: true })) || []) as number[];
    // imapflow always PEEKs, so the non-PEEK fetch goes over a raw session.
    const socket = tlsConnect({ host: '127.0.0.1', port: f.server.port, ca: [f.ctx.tls.ca], servername: 'localhost' });
    const s = rawSession(socket);
    await s.expect(/\r\n/);
    s.send(`A1 AUTHENTICATE XOAUTH2 ${Buffer.from(`user=${ALICE}\x01auth=Bearer ${await f.token()}\x01\x01`).toString('base64')}`);
    await s.expect(/A1 OK/);
    s.send('A2 SELECT INBOX');
    await s.expect(/A2 OK \[READ-WRITE\] SELECT completed\./);
    s.send(`A3 UID FETCH ${u1} (BODY[TEXT])`);
    assert.equal(await s.expect(/A3 /), `* 1 FETCH (UID ${u1} BODY[TEXT] {22}\r\nfirst body with kiwi\r\n FLAGS (\\Seen))\r\nA3 OK FETCH completed.\r\n`);
    socket.destroy();
    const after = await c.fetchOne(String(u1), { flags: true }, { uid: true });
    assert.ok(after && after.flags?.has('\\Seen'));
    assert.equal(await c.messageFlagsAdd(String(u2), ['\\Flagged', 'Project'], { uid: true }), true);
    assert.deepEqual(await c.search({ flagged: true }, { uid: true }), [u2]);
    assert.deepEqual(await c.search({ keyword: 'Project' }, { uid: true }), [u2]);
    await c.messageFlagsRemove(String(u2), ['\\Flagged'], { uid: true });
    await c.messageFlagsSet(String(u1), [], { uid: true });
    const flags = await c.fetchOne(`${u1}:${u2}`, { flags: true }, { uid: true });
    assert.ok(flags);
    assert.deepEqual(await c.search({ flagged: true }, { uid: true }), []);
    assert.deepEqual(await c.search({ seen: true }, { uid: true }), []);
    await c.mailboxClose();
  });

  test('copy and move answer COPYUID; expunge removes \\Deleted; append answers APPENDUID', async () => {
    const c = await f.client();
    await c.mailboxCreate('Work');
    await c.mailboxOpen('INBOX');
    const [u1, , u3] = ((await c.search({ all: true }, { uid: true })) || []) as number[];
    const copied = await c.messageCopy(String(u1), 'Work', { uid: true });
    assert.ok(copied && copied.uidMap?.get(u1 as number));
    const moved = await c.messageMove(String(u3), 'Work', { uid: true });
    assert.ok(moved && moved.uidMap?.get(u3 as number));
    assert.equal((c.mailbox as { exists: number }).exists, 2);
    const work = await c.status('Work', { messages: true });
    assert.equal(work && work.messages, 2);
    assert.equal(await c.messageDelete(String(u1), { uid: true }), true);
    assert.deepEqual(((await c.search({ all: true }, { uid: true })) || []).length, 1);
    const appended = await c.append('Work', message({ subject: 'appended' }), ['\\Seen'], new Date('2024-02-03T04:05:06Z'));
    assert.ok(appended && appended.uid);
    const stored = f.ctx.store.mailbox(ALICE)?.folder('Work')?.byUid(appended.uid as number);
    assert.equal(stored?.summary.subject, 'appended');
    assert.ok(stored?.flags.has('\\Seen'));
    assert.equal(stored?.receivedAt, Date.parse('2024-02-03T04:05:06Z'));
    await c.mailboxClose();
  });

  test('IDLE receives EXISTS for a delivered message, and NOOP tells other sessions about expunges', async () => {
    const watcher = await f.client();
    const other = await f.client();
    await watcher.mailboxOpen('INBOX');
    await other.mailboxOpen('INBOX');
    const before = (watcher.mailbox as { exists: number }).exists;
    const idling = watcher.idle();
    const exists = once(watcher, 'exists');
    await f.ctx.store.deliver(message({ subject: 'pushed' }), { from: 'sender@example.test', to: [ALICE] });
    const [event] = (await exists) as [{ count: number }];
    assert.equal(event.count, before + 1);
    // imapflow sends DONE when another command is issued.
    await watcher.noop();
    await idling;
    const expunged = once(watcher, 'expunge');
    const [last] = ((await other.search({ subject: 'pushed' }, { uid: true })) || []) as number[];
    await other.messageDelete(String(last), { uid: true });
    await watcher.noop();
    const [ev] = (await expunged) as [{ seq: number }];
    assert.equal(ev.seq, before + 1);
  });

  test('50 concurrent sessions list and fetch', async () => {
    const clients = await Promise.all(Array.from({ length: 50 }, () => f.client()));
    const counts = await Promise.all(clients.map(async (c) => {
      const lock = await c.getMailboxLock('INBOX');
      try {
        let n = 0;
        for await (const m of c.fetch('1:*', { envelope: true, uid: true })) if (m.envelope) n++;
        return n;
      } finally {
        lock.release();
      }
    }));
    const expected = f.ctx.store.mailbox(ALICE)?.folder('INBOX')?.list().length;
    assert.ok(counts.every((n) => n === expected));
    await Promise.all(clients.map((c) => c.logout()));
  });

  test('faults: throttle answers Exchange\'s backoff text; drop_connection cuts a FETCH after N bytes', async () => {
    const socket = tlsConnect({ host: '127.0.0.1', port: f.server.port, ca: [f.ctx.tls.ca], servername: 'localhost' });
    const s = rawSession(socket);
    await s.expect(/\r\n/);
    s.send(`A1 AUTHENTICATE XOAUTH2 ${Buffer.from(`user=${ALICE}\x01auth=Bearer ${await f.token()}\x01\x01`).toString('base64')}`);
    await s.expect(/A1 OK/);
    f.ctx.faults.add({ protocol: 'imap', mailbox: ALICE, kind: 'throttle', value: 250, times: 1 });
    s.send('A2 SELECT INBOX');
    assert.equal(await s.expect(/A2 /), 'A2 BAD Request is throttled. Suggested Backoff Time: 250 milliseconds\r\n');
    s.send('A3 SELECT INBOX');
    await s.expect(/A3 OK/);
    f.ctx.faults.add({ protocol: 'imap', mailbox: ALICE, kind: 'drop_connection', value: 40, times: 1 });
    s.send('A4 FETCH 1:* (BODY.PEEK[])');
    const closed = once(socket, 'close');
    await closed;
    const got = await s.expect(/[\s\S]*/);
    assert.equal(Buffer.byteLength(got, 'latin1'), 40);
    assert.match(got, /^\* 1 FETCH \(BODY\[\] \{\d+\}\r\n/);
  });
});

void OUTLOOK;
