/**
 * The CLI's message operations (mark, move, copy, delete), fetch over POP3, and doctor,
 * spawned as a user runs them, against the rig with consented resources.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { openStore } from '../../src/store/open.js';
import { loadRig, type Rig } from '../helpers/rig.js';
import { consentedResource } from '../mail/facade-consent.js';
import { mailbridge } from '../helpers/cli.js';


interface Summary { id: string; subject: string; seen: boolean; flagged: boolean }

describe('mailbridge mark / move / copy / delete / fetch (pop3) / doctor', () => {
  let rig: Rig;
  let home: string;
  let imapUser: string;
  let popUser: string;
  const cli = (args: string[]) => mailbridge(home, args);
  const list = async (folder = 'INBOX'): Promise<Summary[]> => {
    const r = await cli(['--json', 'list', 'in', '--folder', folder]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Summary[];
  };
  const msg = (to: string, subject: string) =>
    ['From: Hal <hal@example.test>', `To: ${to}`, `Subject: ${subject}`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8', '', `本文 ${subject}`, ''].join('\r\n');

  before(async () => {
    rig = loadRig();
    home = await mkdtemp(join(tmpdir(), 'mb-cli-ops-'));
    imapUser = rig.uniqueMailbox();
    popUser = rig.uniqueMailbox();
    await rig.ensureUser(imapUser);
    await rig.ensureUser(popUser);
    const store = await openStore({ home, env: {} });
    await consentedResource(rig, 'imap', { store, name: 'in', user: imapUser });
    await consentedResource(rig, 'pop3', { store, name: 'pop', user: popUser });
    await consentedResource(rig, 'smtp', { store, name: 'out', user: imapUser });
    const imap = await store.getResource('in');
    assert.ok(imap);
    // The same mailbox without the rig CA: the doctor must refuse its certificate.
    await store.putResource({ ...imap, name: 'nocert', tls: { insecureLoopback: false, allowPlaintextLoopback: false } });
    await store.close();
    for (const s of ['one', 'two', 'three', 'four']) await rig.deliver(imapUser, msg(imapUser, s));
    await rig.doveadm(['mailbox', 'create', '-u', imapUser, 'Done']);
  });

  test('mark --read/--unread/--flag/--unflag changes exactly the given messages', async () => {
    const [one, two] = await list();
    assert.ok(one && two);
    const marked = await cli(['mark', 'in', one.id, two.id, '--read', '--flag']);
    assert.equal(marked.code, 0, marked.stderr);
    let now = await list();
    assert.deepEqual(now.map((m) => [m.subject, m.seen, m.flagged]), [['one', true, true], ['two', true, true], ['three', false, false], ['four', false, false]]);
    const unmarked = await cli(['mark', 'in', two.id, '--unread', '--unflag']);
    assert.equal(unmarked.code, 0, unmarked.stderr);
    now = await list();
    assert.deepEqual(now.slice(0, 2).map((m) => [m.seen, m.flagged]), [[true, true], [false, false]]);

    const nothing = await cli(['mark', 'in', one.id]);
    assert.equal(nothing.code, 1);
    assert.match(nothing.stderr, /^mailbridge: nothing to mark \(CLI_MARK_NOTHING\)\. Fix: give --read, --unread, --flag or --unflag/);
    const both = await cli(['mark', 'in', one.id, '--read', '--unread']);
    assert.notEqual(both.code, 0, 'contradictory flags are refused');
    const badUid = await cli(['mark', 'in', 'abc', '--read']);
    assert.equal(badUid.code, 1);
    assert.match(badUid.stderr, /IMAP_UID_INVALID.*Fix: use a UID from `mailbridge list RESOURCE`/);
  });

  test('copy keeps the source, move removes it, delete expunges', async () => {
    const [, , three, four] = await list();
    assert.ok(three && four);
    const copied = await cli(['copy', 'in', three.id, '--to', 'Done']);
    assert.equal(copied.code, 0, copied.stderr);
    assert.deepEqual((await list('Done')).map((m) => m.subject), ['three']);
    assert.equal((await list()).length, 4);

    const moved = await cli(['move', 'in', four.id, '--to', 'Done']);
    assert.equal(moved.code, 0, moved.stderr);
    assert.deepEqual((await list('Done')).map((m) => m.subject), ['three', 'four']);
    assert.deepEqual((await list()).map((m) => m.subject), ['one', 'two', 'three']);

    const deleted = await cli(['delete', 'in', three.id]);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.deepEqual((await list()).map((m) => m.subject), ['one', 'two']);
    assert.equal(await rig.countMessages(imapUser), 2);

    const doneFour = (await list('Done')).find((m) => m.subject === 'four');
    assert.ok(doneFour);
    const fromFolder = await cli(['delete', 'in', doneFour.id, '--folder', 'Done']);
    assert.equal(fromFolder.code, 0, fromFolder.stderr);
    assert.deepEqual((await list('Done')).map((m) => m.subject), ['three']);

    const noTarget = await cli(['move', 'in', '1']);
    assert.notEqual(noTarget.code, 0);
    assert.match(noTarget.stderr, /--to <folder>/);
  });

  test('move, mark and copy on a POP3 resource name IMAP as the fix, and change nothing', async () => {
    await rig.deliver(popUser, msg(popUser, 'pop-only'));
    const listed = await cli(['--json', 'list', 'pop']);
    assert.equal(listed.code, 0, listed.stderr);
    const [m] = JSON.parse(listed.stdout) as Summary[];
    assert.ok(m);
    for (const args of [['move', 'pop', m.id, '--to', 'Done'], ['copy', 'pop', m.id, '--to', 'Done'], ['mark', 'pop', m.id, '--flag']]) {
      const r = await cli(args);
      assert.equal(r.code, 1, args.join(' '));
      assert.match(r.stderr, /^mailbridge: POP3 cannot .* \(MAIL_OPERATION_UNSUPPORTED\)\. Fix: use an imap resource/);
    }
    assert.equal(await rig.countMessages(popUser), 1);
    const deleted = await cli(['delete', 'pop', m.id]);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(await rig.countMessages(popUser), 0);
  });

  test('fetch on a POP3 resource: a rerun never fetches a message twice (UIDL)', async () => {
    await rig.deliver(popUser, msg(popUser, 'p1'));
    await rig.deliver(popUser, msg(popUser, 'p2'));
    const dir = join(home, 'pop-saved');
    const first = await cli(['fetch', 'pop', '--save', dir]);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^fetched 2 of 2 messages \(0 already done, 0 attachments\)/);
    await rig.deliver(popUser, msg(popUser, 'p3'));
    const second = await cli(['fetch', 'pop', '--save', dir, '--after', 'delete']);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /^fetched 1 of 3 messages \(2 already done, 0 attachments\) .*after: delete \(1\)/);
    assert.equal((await readdir(dir)).filter((n) => n.endsWith('.eml')).length, 3);
    assert.equal(await rig.countMessages(popUser), 2, 'only the message this run saved was deleted');
    const json = await cli(['--json', 'fetch', 'pop', '--save', dir]);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), {
      matched: 2, saved: 0, skipped: 2, attachments: 0, processed: 0, after: 'leave', failed: [],
    });
    const filtered = await cli(['fetch', 'pop', '--save', dir, '--unseen']);
    assert.equal(filtered.code, 1);
    assert.match(filtered.stderr, /POP3 cannot search or filter messages .*Fix: use an imap resource/);
  });

  test('fetch after the folder was recreated says so in the summary and fetches it as new', async () => {
    await rig.doveadm(['mailbox', 'create', '-u', imapUser, 'Redo']);
    await rig.deliver(imapUser, msg(imapUser, 'r-old'));
    await rig.doveadm(['move', '-u', imapUser, 'Redo', 'mailbox', 'INBOX', 'subject', 'r-old']);
    const dir = join(home, 'redo-saved');
    const first = await cli(['fetch', 'in', '--folder', 'Redo', '--save', dir]);
    assert.equal(first.code, 0, first.stderr);
    assert.doesNotMatch(first.stdout, /UIDVALIDITY/);
    await rig.doveadm(['mailbox', 'delete', '-u', imapUser, 'Redo']);
    await rig.doveadm(['mailbox', 'create', '-u', imapUser, 'Redo']);
    await rig.deliver(imapUser, msg(imapUser, 'r-new'));
    await rig.doveadm(['move', '-u', imapUser, 'Redo', 'mailbox', 'INBOX', 'subject', 'r-new']);
    const second = await cli(['fetch', 'in', '--folder', 'Redo', '--save', dir]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /^fetched 1 of 1 messages \(0 already done/);
    assert.match(second.stdout, /^note: UIDVALIDITY of Redo changed \(was \d+, now \d+\): the folder was fetched as new; files from earlier runs are in .*uidvalidity=\d+-[0-9a-f]{16}$/m);
  });

  test('doctor: imap and smtp pass every check (login included), exit 0', async () => {
    for (const name of ['in', 'out']) {
      const r = await cli(['doctor', name]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /^PASS {2}access token +aud https:\/\/outlook\.office365\.com; scp /m);
      assert.match(r.stdout, /^PASS {2}login +logged in /m);
      assert.match(r.stdout, new RegExp(`${name}: all checks passed\\n?$`));
      assert.doesNotMatch(r.stdout, /^(FAIL|SKIP) /m);
    }
    const json = await cli(['--json', 'doctor', 'out']);
    const report = JSON.parse(json.stdout) as { ok: boolean; checks: { name: string; status: string }[] };
    assert.equal(report.ok, true);
    assert.equal(report.checks.find((c) => c.name === 'login')?.status, 'pass');
  });

  test('doctor: an untrusted certificate fails with the fix and exit 1', async () => {
    const r = await cli(['doctor', 'nocert']);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^FAIL {2}connect .*not signed by a trusted CA\n\s+Fix: .*tls\.caFile/m);
    assert.match(r.stdout, /nocert: \d+ check\(s\) failed/);
    const missing = await cli(['doctor', 'nope']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^mailbridge: no resource named "nope" \(RESOURCE_NOT_FOUND\)/);
  });
});
