/**
 * The Graph backend against the Exchange sandbox's real Graph endpoint: paging, delta,
 * throttling and the per-mailbox concurrency limit (counted on the server), upload sessions,
 * sending, and each error mapped with its request-id.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { AccessTokenProvider } from '../../src/auth/token-provider.js';
import { isMailbridgeError, type MailbridgeError } from '../../src/errors.js';
import { openGraphMailbox, type GraphMailbox } from '../../src/mail/graph-mailbox.js';
import { createGraphHttp } from '../../src/protocols/graph/http.js';
import { listMessages } from '../../src/protocols/graph/messages.js';
import { Secret } from '../../src/secret.js';
import { SANDBOX } from '@mailbridge/sandbox';
import { GRAPH, rawMessage, startGraphWorld, uniqueUser, type GraphWorld } from './graph-support.js';

async function rejectsWith(p: Promise<unknown>, code: string): Promise<MailbridgeError> {
  try {
    await p;
  } catch (e) {
    assert.ok(isMailbridgeError(e), `not a typed error: ${String(e)}`);
    assert.equal(e.code, code, e.message);
    return e;
  }
  assert.fail(`expected ${code}`);
}

describe('Graph mailbox against the sandbox', { timeout: 60_000 }, () => {
  let w: GraphWorld;
  const opened: GraphMailbox[] = [];
  const open = async (user: string, tokens: AccessTokenProvider = w.delegated(user)) => {
    const m = await openGraphMailbox({ resource: w.resource({ user }), tokens });
    opened.push(m);
    return m;
  };

  before(async () => { w = await startGraphWorld(); });
  after(async () => {
    for (const m of opened) await m.close();
    await w.close();
  });

  it('lists 25 messages across pages, newest last, and the newest N with a limit', async () => {
    const user = uniqueUser();
    for (let i = 0; i < 25; i++) await w.put(user, rawMessage(i, { to: user }), Date.UTC(2024, 4, 1, 9, i));
    const m = await open(user);
    await m.verify();
    let requests = 0;
    const count = (info: { mailbox: string }) => { if (info.mailbox === user) requests++; };
    w.events.on('admitted', count);
    try {
      const http = createGraphHttp({ baseUrl: w.graphUrl, tokens: w.delegated(user), mailbox: user, tls: { ca: [(await readFile(w.caFile, 'utf8'))] } });
      const raw = await listMessages(http, '/me', { folderId: 'inbox', top: 10 });
      http.close();
      assert.equal(raw.length, 25);
      assert.equal(new Set(raw.map((x) => x.id)).size, 25);
      assert.equal(requests, 3, 'three pages of 10, 10 and 5 through @odata.nextLink');
    } finally {
      w.events.off('admitted', count);
    }
    const all = await m.list();
    assert.deepEqual(all.map((s) => s.subject), Array.from({ length: 25 }, (_, i) => `message ${i}`));
    const newest = await m.list({ limit: 5 });
    assert.deepEqual(newest.map((s) => s.subject), ['message 20', 'message 21', 'message 22', 'message 23', 'message 24']);
    const filtered = await m.list({ filter: { subject: 'message 1' } });
    assert.deepEqual(filtered.map((s) => s.subject), ['message 1', ...Array.from({ length: 10 }, (_, i) => `message ${10 + i}`)]);
  });

  it('delta: initial round, incremental changes with @removed, and a full restart after 410', async () => {
    const user = uniqueUser();
    for (let i = 0; i < 3; i++) await w.deliver(user, rawMessage(i, { to: user }));
    const m = await open(user);
    const first = await m.delta({ pageSize: 2 });
    assert.equal(first.changed.length, 3);
    assert.equal(first.removed.length, 0);
    assert.equal(first.restarted, false);
    const [a, b] = first.changed;
    assert.ok(a && b);
    await w.deliver(user, rawMessage(9, { to: user, subject: 'new one' }));
    await m.markRead([a.id], true);
    await m.delete([b.id]);
    const second = await m.delta({ deltaLink: first.deltaLink });
    assert.deepEqual(second.changed.map((s) => s.subject).sort(), [a.subject, 'new one'].sort());
    assert.equal(second.changed.find((s) => s.id === a.id)?.seen, true);
    assert.deepEqual(second.removed, [b.id]);
    const third = await m.delta({ deltaLink: second.deltaLink });
    assert.deepEqual([third.changed.length, third.removed.length], [0, 0]);
    const stale = second.deltaLink.replace(/(deltatoken=)[^&]+/i, '$1bm90LWEtdG9rZW4');
    assert.notEqual(stale, second.deltaLink);
    const restarted = await m.delta({ deltaLink: stale });
    assert.equal(restarted.restarted, true);
    assert.equal(restarted.changed.length, 3);
  });

  it('waits out a 429 with Retry-After and succeeds; a Retry-After beyond the cap fails at once with the request-id', async () => {
    const user = uniqueUser();
    await w.deliver(user, rawMessage(1, { to: user }));
    const m = await open(user);
    await m.verify();
    w.sandbox.admin.addFault({ protocol: 'graph', mailbox: user, kind: 'throttle', value: 1, times: 1 });
    assert.equal((await m.list()).length, 1);
    assert.equal(w.sandbox.admin.listFaults().length, 0, 'the throttled request was answered and retried');
    w.sandbox.admin.addFault({ protocol: 'graph', mailbox: user, kind: 'server_error', value: 1, times: 1 });
    assert.equal((await m.list()).length, 1, '503 with Retry-After is retried too');
    const fault = w.sandbox.admin.addFault({ protocol: 'graph', mailbox: user, kind: 'throttle', value: 600, times: 1 });
    const e = await rejectsWith(m.list(), 'GRAPH_THROTTLED');
    assert.equal(e.details.retryAfterMs, 600_000);
    assert.match(String(e.details.requestId), /\w{8}/);
    w.sandbox.admin.removeFault(fault.id);
  });

  it('never has more than 4 requests in flight per mailbox, even from two Mailbox objects', async () => {
    const user = uniqueUser();
    for (let i = 0; i < 8; i++) await w.deliver(user, rawMessage(i, { to: user }));
    const m1 = await open(user);
    const m2 = await open(user);
    const ids = (await m1.list()).map((s) => s.id);
    // Each request is held 30 ms on the server, so a client without a limit would pile up.
    w.sandbox.admin.addFault({ protocol: 'graph', mailbox: user, kind: 'slow', value: 30, times: 32 });
    let max = 0;
    const seen = (info: { mailbox: string; inFlight: number }) => { if (info.mailbox === user) max = Math.max(max, info.inFlight); };
    w.events.on('admitted', seen);
    try {
      await Promise.all([m1.markRead(ids, true), m2.flag(ids, true), m1.markRead(ids, false), m2.flag(ids, false)]);
    } finally {
      w.events.off('admitted', seen);
      w.sandbox.admin.clearFaults();
    }
    assert.ok(max <= 4, `server saw ${max} in flight`);
    assert.ok(max >= 2, 'the requests did run in parallel');
    const after = await m1.list();
    assert.ok(after.every((s) => !s.flagged && !s.seen));
  });

  it('sends through sendMail (visible in the recipient\'s inbox) and a 5 MB attachment through an upload session', async () => {
    const alice = uniqueUser();
    const bob = uniqueUser();
    const ma = await open(alice);
    const mb = await open(bob);
    await mb.verify();
    const small = await ma.send({ from: alice, to: [bob], subject: '会議の件', text: 'こんにちは', attachments: [{ filename: 'a.txt', content: Buffer.from('hello') }] });
    assert.deepEqual(small.accepted, [bob]);
    const big = Buffer.alloc(5 * 1024 * 1024);
    for (let i = 0; i < big.length; i += 4096) big.writeUInt32BE(i, i);
    const large = await ma.send({ from: alice, to: [bob], subject: 'big file', text: 'see attached', attachments: [{ filename: 'big.bin', content: big }] });
    assert.ok(large.messageId);
    const inbox = await mb.list();
    const got = inbox.find((s) => s.subject === '会議の件');
    assert.ok(got, `inbox: ${inbox.map((s) => s.subject).join(', ')}`);
    assert.ok(got.messageId);
    const msg = await mb.get(got.id);
    assert.equal(msg.text?.trim(), 'こんにちは');
    const bigSummary = inbox.find((s) => s.subject === 'big file');
    assert.ok(bigSummary?.hasAttachments);
    const dir = await mkdtemp(join(tmpdir(), 'mb-graph-att-'));
    const saved = await mb.saveAttachments(bigSummary.id, dir);
    assert.equal(saved.length, 1);
    assert.equal(saved[0]?.size, big.length);
    assert.ok((await readFile(saved[0]!.path)).equals(big));
    const drafts = await ma.list({ folder: 'drafts' });
    assert.equal(drafts.length, 0, 'the draft was sent, not left behind');
    const sent = await ma.list({ folder: 'sentitems' });
    assert.deepEqual(sent.map((s) => s.subject).sort(), ['big file', '会議の件'].sort());
  });

  it('moves, copies and deletes; raw MIME streams', async () => {
    const user = uniqueUser();
    await w.deliver(user, rawMessage(1, { to: user, subject: 'keep' }));
    const m = await open(user);
    const [s] = await m.list();
    assert.ok(s);
    const chunks: Buffer[] = [];
    for await (const c of await m.raw(s.id)) chunks.push(c as Buffer);
    assert.match(Buffer.concat(chunks).toString(), /Subject: keep/);
    await m.copy([s.id], 'Archive');
    await m.move([s.id], 'deleteditems');
    assert.equal((await m.list()).length, 0);
    const archived = await m.list({ folder: 'archive' });
    assert.equal(archived.length, 1);
    await m.delete(archived.map((x) => x.id), { folder: 'archive' });
    assert.equal((await m.list({ folder: 'Archive' })).length, 0);
    await rejectsWith(m.list({ folder: 'No Such Folder' }), 'GRAPH_FOLDER_NOT_FOUND');
  });

  it('maps each Graph error with its request-id', async () => {
    const user = uniqueUser();
    const other = uniqueUser();
    w.delegated(other);
    await w.deliver(user, rawMessage(1, { to: user }));
    const m = await open(user);
    const notFound = await rejectsWith(m.get('AAMkAGUAAAwTW09AAAnotthereAAAAAAAAAAAAAAAAAA='), 'GRAPH_ITEM_NOT_FOUND');
    assert.ok(notFound.details.requestId);
    assert.equal(notFound.details.graphCode, 'ErrorItemNotFound');

    const http = createGraphHttp({ baseUrl: w.graphUrl, tokens: w.delegated(user), mailbox: user, tls: { ca: [await readFile(w.caFile, 'utf8')] } });
    const inefficient = await rejectsWith(listMessages(http, '/me', { folderId: 'inbox', filter: 'isRead eq false', orderby: 'receivedDateTime desc' }), 'GRAPH_INEFFICIENT_FILTER');
    assert.ok(inefficient.details.requestId);
    const denied = await rejectsWith(listMessages(http, `/users/${encodeURIComponent(other)}`, { folderId: 'inbox' }), 'GRAPH_ACCESS_DENIED');
    assert.ok(denied.details.requestId);
    http.close();

    // A token the server refuses: one forced refresh, then the typed error.
    const bad = { issued: 0, forced: 0, async getAccessToken(o: { forceRefresh?: boolean } = {}) { bad.issued++; if (o.forceRefresh) bad.forced++; return new Secret('not-a-token'); } };
    const badHttp = createGraphHttp({ baseUrl: w.graphUrl, tokens: bad, mailbox: `${user}-bad`, tls: { ca: [await readFile(w.caFile, 'utf8')] } });
    const refused = await rejectsWith(listMessages(badHttp, '/me', { folderId: 'inbox' }), 'GRAPH_AUTH_INVALID');
    badHttp.close();
    assert.equal(bad.forced, 1);
    assert.ok(refused.details.requestId);
  });

  it('refreshes an expired token once and carries on', async () => {
    const user = uniqueUser();
    await w.deliver(user, rawMessage(1, { to: user }));
    w.delegated(user);
    let calls = 0;
    const tokens = {
      async getAccessToken(o: { forceRefresh?: boolean } = {}) {
        calls++;
        const expired = !o.forceRefresh;
        const t = await w.identity.admin.mintAccessToken({ username: user, clientId: SANDBOX.confidentialClientId, audience: GRAPH, scope: 'Mail.ReadWrite', expiresInSeconds: expired ? -60 : 600 });
        return new Secret(t.access_token);
      },
    };
    const http = createGraphHttp({ baseUrl: w.graphUrl, tokens, mailbox: `${user}-refresh`, tls: { ca: [await readFile(w.caFile, 'utf8')] } });
    assert.equal((await listMessages(http, '/me', { folderId: 'inbox' })).length, 1);
    http.close();
    assert.equal(calls, 2);
  });

  it('app-only tokens address the mailbox as /users/{id}', async () => {
    const user = uniqueUser();
    await w.deliver(user, rawMessage(1, { to: user, subject: 'for the app' }));
    w.sandbox.admin.grantFullAccess(user, SANDBOX.confidentialClientId);
    const m = await open(user, w.appOnly());
    assert.match(await m.verify(), new RegExp(user.replace(/[.]/g, '\\.')));
    assert.deepEqual((await m.list()).map((s) => s.subject), ['for the app']);
  });
});
