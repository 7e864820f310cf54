import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { after, before, describe, test } from 'node:test';
import { ConfigError, MailbridgeError } from '../../src/errors.js';
import { openEwsMailbox, type EwsMailbox } from '../../src/mail/ews-mailbox.js';
import { ALICE, APP, BOB, startEwsSandbox, type EwsSandbox } from '../protocols/ews/support.js';

let sb: EwsSandbox & { closeAll(): Promise<void> };
const opened: EwsMailbox[] = [];
let dir: string;

before(async () => {
  sb = await startEwsSandbox();
  dir = await mkdtemp(join(tmpdir(), 'mb-ews-'));
});
after(async () => {
  await Promise.all(opened.map((m) => m.close()));
  await sb?.closeAll();
  await rm(dir, { recursive: true, force: true });
});

function open(user: string | undefined, tokens = user && !user.startsWith('app:') ? sb.delegated(user) : sb.appOnly(), name?: string): EwsMailbox {
  const m = openEwsMailbox({ resource: sb.resource(user?.replace(/^app:/, ''), name ? { name } : {}), tokens, client: { maxBackOffMs: 2000, timeoutMs: 10_000 } });
  opened.push(m);
  return m;
}

/** A fresh mailbox no other test touches, reached app-only (impersonation). */
function freshMailbox(): { address: string; mailbox: EwsMailbox } {
  const address = `ews-${randomBytes(4).toString('hex')}@contoso.onmicrosoft.com`;
  sb.exchange.admin.createMailbox(address);
  // Add-MailboxPermission for the app: app-only access is per mailbox.
  sb.exchange.admin.grantFullAccess(address, APP);
  return { address, mailbox: open(`app:${address}`) };
}

const plain = (to: string, subject: string, body = `text of ${subject}`) => Buffer.from(
  ['From: Dan <dan@example.test>', `To: ${to}`, `Subject: ${subject}`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', body, ''].join('\r\n'));
const withFile = (to: string, subject: string, file: Buffer) => Buffer.from([
  'From: Carol <carol@example.test>', `To: ${to}`, `Subject: ${subject}`, 'MIME-Version: 1.0', 'Content-Type: multipart/mixed; boundary="zz"', '',
  '--zz', 'Content-Type: text/plain; charset=utf-8', '', 'body text', '',
  '--zz', 'Content-Type: application/octet-stream; name="data.bin"', 'Content-Disposition: attachment; filename="data.bin"',
  'Content-Transfer-Encoding: base64', '', file.toString('base64').replace(/.{76}/g, '$&\r\n'), '', '--zz--', ''].join('\r\n'));

async function deliver(to: string, raw: Buffer): Promise<void> {
  await sb.exchange.admin.deliver(raw, { from: 'dan@example.test', to: [to] });
}

async function failure(p: Promise<unknown>): Promise<MailbridgeError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof MailbridgeError, `expected a typed error, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a failure');
}

describe('the EWS mailbox facade against the Exchange sandbox', () => {
  test('send (SendAndSaveCopy from MIME, Bcc kept out of the headers), then read it on the other side', async () => {
    const alice = open(ALICE);
    const bob = open(BOB);
    const subject = `ews send ${randomBytes(3).toString('hex')}`;
    const result = await alice.send({ from: ALICE, to: [BOB], bcc: [ALICE], subject, text: 'über EWS' });
    assert.match(result.messageId, /^<.+@.+>$/);
    assert.deepEqual(result.accepted, [BOB, ALICE]);

    const [got] = await bob.list({ filter: { subject } });
    assert.ok(got, 'bob received it');
    assert.deepEqual(got.from.map((a) => a.address), [ALICE]);
    const parsed = await bob.get(got.id);
    assert.equal(parsed.text?.trim(), 'über EWS');
    assert.equal(parsed.messageId, result.messageId);
    assert.ok(!('bcc' in parsed.headers), 'no Bcc header travels');
    assert.equal((await alice.list({ filter: { subject } })).length, 1, 'the Bcc copy reached alice');
    assert.equal((await alice.list({ folder: 'Sent Items', filter: { subject } })).length, 1, 'a copy was saved in Sent Items');
  });

  test('list: filters as EWS restrictions, newest last, limit keeps the newest', async () => {
    const { address, mailbox } = freshMailbox();
    const file = randomBytes(3000);
    await deliver(address, plain(address, 'first'));
    await deliver(address, withFile(address, 'with file', file));
    await deliver(address, plain(address, 'third report', 'x'.repeat(5000)));
    const all = await mailbox.list();
    assert.deepEqual(all.map((m) => m.subject), ['first', 'with file', 'third report']);
    assert.ok(all.every((m) => m.folder === 'INBOX' && m.seen === false && m.flagged === false && m.to[0]?.address === address));
    assert.deepEqual((await mailbox.list({ limit: 2 })).map((m) => m.subject), ['with file', 'third report']);
    assert.deepEqual((await mailbox.list({ filter: { hasAttachments: true } })).map((m) => m.subject), ['with file']);
    assert.deepEqual((await mailbox.list({ filter: { subject: 'REPORT' } })).map((m) => m.subject), ['third report']);
    assert.deepEqual((await mailbox.list({ filter: { from: 'carol' } })).map((m) => m.subject), ['with file']);
    assert.deepEqual((await mailbox.list({ filter: { to: address.slice(0, 8) }, limit: 1 })).map((m) => m.subject), ['third report']);
    assert.deepEqual((await mailbox.list({ filter: { to: 'nobody-else' } })).map((m) => m.subject), []);
    assert.deepEqual((await mailbox.list({ filter: { larger: 4000 } })).map((m) => m.subject), ['with file', 'third report']);
    assert.deepEqual((await mailbox.list({ filter: { smaller: 1000 } })).map((m) => m.subject), ['first']);
    assert.deepEqual((await mailbox.list({ filter: { since: new Date(Date.now() + 3600_000) } })).map((m) => m.subject), []);
    assert.equal((await mailbox.list({ filter: { before: new Date(Date.now() + 3600_000) } })).length, 3);
  });

  test('get (MimeContent parsed), raw, and attachments saved whole', async () => {
    const { address, mailbox } = freshMailbox();
    const file = randomBytes(4096);
    await deliver(address, withFile(address, 'with file', file));
    const [m] = await mailbox.list();
    assert.ok(m);
    const parsed = await mailbox.get(m.id);
    assert.equal(parsed.subject, 'with file');
    assert.equal(parsed.text?.trim(), 'body text');
    assert.deepEqual(parsed.attachments.map((a) => [a.filename, a.size]), [['data.bin', 4096]]);
    assert.equal(parsed.seen, false);
    assert.match(await text(await mailbox.raw(m.id)), /Subject: with file\r\n/);
    const saved = await mailbox.saveAttachments(m.id, dir);
    assert.deepEqual(saved.map((s) => [s.filename, s.size, s.contentType]), [['data.bin', 4096, 'application/octet-stream']]);
    assert.deepEqual(await readFile(saved[0]?.path ?? ''), file);
  });

  test('mark read, flag, copy, move, delete, folders', async () => {
    const { address, mailbox } = freshMailbox();
    await deliver(address, plain(address, 'one'));
    await deliver(address, plain(address, 'two'));
    const [one, two] = await mailbox.list();
    assert.ok(one && two);
    await mailbox.markRead([one.id], true);
    await mailbox.flag([two.id], true);
    assert.deepEqual((await mailbox.list({ filter: { unseen: true } })).map((m) => m.subject), ['two']);
    const after = await mailbox.list();
    assert.deepEqual(after.map((m) => [m.subject, m.seen, m.flagged]), [['one', true, false], ['two', false, true]]);
    assert.deepEqual((await mailbox.get(after[1]?.id ?? '')).flags, ['\\Flagged']);

    await mailbox.copy([one.id], 'Archive');
    await mailbox.move([two.id], 'archive');
    assert.deepEqual((await mailbox.list()).map((m) => m.subject), ['one']);
    assert.deepEqual((await mailbox.list({ folder: 'Archive' })).map((m) => m.subject).sort(), ['one', 'two']);

    const folders = await mailbox.folders();
    const byPath = new Map(folders.map((f) => [f.path, f]));
    assert.equal(byPath.get('INBOX')?.messages, 1);
    assert.equal(byPath.get('Archive')?.messages, 2);
    assert.equal(byPath.get('Sent Items')?.specialUse, '\\Sent');
    assert.equal(byPath.get('Deleted Items')?.specialUse, '\\Trash');

    await mailbox.afterProcessing([one.id], { kind: 'delete' });
    assert.deepEqual(await mailbox.list(), []);
    const gone = await failure(mailbox.get(one.id));
    assert.equal(gone.code, 'EWS_ITEM_NOT_FOUND');
    assert.match(gone.hint, /list the folder again/);
    const unknown = await failure(mailbox.list({ folder: 'No Such Folder' }));
    assert.ok(unknown instanceof ConfigError);
    assert.equal(unknown.code, 'EWS_FOLDER_NOT_FOUND');
  });

  test('sync: SyncFolderItems from nothing, then only what changed', async () => {
    const { address, mailbox } = freshMailbox();
    await deliver(address, plain(address, 'a'));
    await deliver(address, plain(address, 'b'));
    const first = await mailbox.sync();
    assert.ok(first.complete);
    assert.deepEqual(first.created.map((m) => m.subject).sort(), ['a', 'b']);
    const again = await mailbox.sync({ syncState: first.syncState });
    assert.deepEqual([again.created, again.updated, again.deleted, again.readChanged].map((l) => l.length), [0, 0, 0, 0]);

    const a = first.created.find((m) => m.subject === 'a');
    const b = first.created.find((m) => m.subject === 'b');
    assert.ok(a && b);
    await deliver(address, plain(address, 'c'));
    await mailbox.markRead([a.id], true);
    await mailbox.delete([b.id]);
    const next = await mailbox.sync({ syncState: again.syncState });
    assert.deepEqual(next.created.map((m) => m.subject), ['c']);
    assert.deepEqual(next.deleted, [b.id]);
    const readNow = [...next.readChanged.filter((r) => r.seen).map((r) => r.id), ...next.updated.filter((u) => u.seen).map((u) => u.id)];
    assert.deepEqual(readNow, [a.id]);
  });

  test('calendar, contacts and tasks: add, get, list, update, delete', async () => {
    const { mailbox } = freshMailbox();
    const cal = mailbox.entities('calendar');
    const ev = await cal.add({ subject: 'Review', start: '2024-05-01T09:00:00Z', end: '2024-05-01T10:00:00Z', location: 'Room 1', body: 'agenda' });
    assert.deepEqual([ev.subject, ev.start, ev.end, ev.location, ev.body], ['Review', '2024-05-01T09:00:00Z', '2024-05-01T10:00:00Z', 'Room 1', 'agenda']);
    await cal.add({ subject: 'Later', start: '2024-06-01T09:00:00Z', end: '2024-06-01T10:00:00Z' });
    assert.deepEqual((await cal.list({ from: new Date('2024-05-01T00:00:00Z'), to: new Date('2024-05-02T00:00:00Z') })).map((e) => e.subject), ['Review']);
    assert.deepEqual((await cal.list({ text: 'late' })).map((e) => e.subject), ['Later']);
    const moved = await cal.update(ev.id, { subject: 'Review (moved)', start: '2024-05-01T11:00:00Z', end: '2024-05-01T12:00:00Z' });
    assert.deepEqual([moved.subject, moved.start, moved.location], ['Review (moved)', '2024-05-01T11:00:00Z', 'Room 1']);
    await cal.delete(moved.id);
    assert.deepEqual((await cal.list()).map((e) => e.subject), ['Later']);

    const contacts = mailbox.entities('contacts');
    const c = await contacts.add({ displayName: 'Bob Builder', givenName: 'Bob', surname: 'Builder', emailAddresses: ['bob@example.test'], companyName: 'Contoso' });
    assert.deepEqual([c.displayName, c.givenName, c.surname, c.emailAddresses, c.companyName], ['Bob Builder', 'Bob', 'Builder', ['bob@example.test'], 'Contoso']);
    const c2 = await contacts.update(c.id, { emailAddresses: ['b1@example.test'], companyName: 'Fabrikam' });
    assert.deepEqual([c2.emailAddresses, c2.companyName, c2.givenName], [['b1@example.test'], 'Fabrikam', 'Bob']);
    assert.deepEqual((await contacts.list({ text: 'builder' })).map((x) => x.displayName), ['Bob Builder']);
    await contacts.delete(c.id);
    assert.deepEqual(await contacts.list(), []);

    const tasks = mailbox.entities('tasks');
    const t = await tasks.add({ title: 'Write report', status: 'notStarted', dueDateTime: '2024-05-03T00:00:00Z' });
    assert.deepEqual([t.title, t.status, t.dueDateTime], ['Write report', 'notStarted', '2024-05-03T00:00:00Z']);
    const done = await tasks.update(t.id, { status: 'completed' });
    assert.equal(done.status, 'completed');
    assert.equal((await tasks.get(t.id)).title, 'Write report');
    await tasks.delete(t.id);
    assert.equal((await failure(tasks.get(t.id))).code, 'EWS_ITEM_NOT_FOUND');
  });
});

describe('EWS authentication, impersonation and faults as typed errors', () => {
  test('app-only: impersonation of the resource user; without a user it is refused before any request', async () => {
    const { address, mailbox } = freshMailbox();
    assert.match(await mailbox.verify(), new RegExp(`as ${address} \\(app-only, impersonating\\)`));
    const tokens = sb.appOnly();
    const noUser = await failure(open(undefined, tokens).list());
    assert.equal(noUser.code, 'EWS_MAILBOX_REQUIRED');
    assert.equal(noUser.field, 'user');
    const missing = await failure(open('app:nobody@contoso.onmicrosoft.com').list());
    assert.equal(missing.code, 'EWS_MAILBOX_NOT_FOUND');
  });

  test('401: one retry with a refreshed token; a token refused again maps x-ms-diagnostics', async () => {
    const expired = await sb.token('EWS.AccessAsUser.All', { user: ALICE, expiresInSeconds: -60 });
    const good = await sb.token('EWS.AccessAsUser.All', { user: ALICE });
    // A cached token the server already refuses; only a forced refresh gets a new one.
    const refreshing = sb.refreshing(expired, good);
    assert.match(await open(ALICE, refreshing).verify(), /as alice@/);
    assert.equal(refreshing.forced, 1);

    const stuck = sb.sequence([expired]);
    const e = await failure(open(ALICE, stuck).list());
    assert.equal(e.code, 'EWS_TOKEN_EXPIRED');
    assert.equal(e.details.diagnostics, '2000008');
    assert.equal(e.details.family, 100);
    assert.match(e.hint, /mailbridge token refresh/);
    assert.equal(stuck.forced, 1, 'exactly one retry, with a refreshed token');

    const graph = await sb.token('Mail.Read', { user: ALICE, audience: 'https://graph.microsoft.com' });
    assert.equal((await failure(open(ALICE, sb.sequence([graph])).list())).code, 'EWS_TOKEN_WRONG_AUDIENCE');
  });

  test('403: EWS blocked for the tenant → the migrate-to-Graph hint', async () => {
    const mailbox = open(ALICE, sb.delegated(ALICE), 'contoso-ews');
    sb.exchange.admin.updateSettings({ ewsEnabled: false });
    try {
      const e = await failure(mailbox.list());
      assert.equal(e.code, 'EWS_BLOCKED');
      assert.equal(e.details.httpStatus, 403);
      assert.match(e.hint, /mailbridge resource migrate contoso-ews --to graph/);
    } finally {
      sb.exchange.admin.updateSettings({ ewsEnabled: true });
    }
  });

  test('ErrorServerBusy: BackOffMilliseconds honoured once, then a typed error past the budget', async () => {
    const { address, mailbox } = freshMailbox();
    await deliver(address, plain(address, 'busy'));
    sb.exchange.admin.addFault({ protocol: 'ews', mailbox: address, kind: 'throttle', value: 20, times: 1 });
    assert.deepEqual((await mailbox.list()).map((m) => m.subject), ['busy']);
    assert.equal(sb.exchange.admin.listFaults().length, 0, 'the throttle was met and retried');

    sb.exchange.admin.addFault({ protocol: 'ews', mailbox: address, kind: 'throttle', value: 60_000, times: 1 });
    const e = await failure(mailbox.list());
    assert.equal(e.code, 'EWS_SERVER_BUSY');
    assert.equal(e.details.backOffMs, 60_000);
    assert.equal(e.details.responseCode, 'ErrorServerBusy');
    assert.match(e.hint, /27 per user/);
  });

  test('malformed ids and untrusted TLS are typed errors', async () => {
    const mailbox = open(ALICE);
    const bad = await failure(mailbox.get('not-an-ews-id'));
    assert.ok(['EWS_ID_MALFORMED', 'EWS_ITEM_NOT_FOUND'].includes(bad.code), bad.code);
    const untrusted = openEwsMailbox({ resource: sb.resource(ALICE, { caFile: undefined }), tokens: sb.delegated(ALICE) });
    opened.push(untrusted);
    assert.equal((await failure(untrusted.list())).code, 'TLS_UNTRUSTED');
  });
});
