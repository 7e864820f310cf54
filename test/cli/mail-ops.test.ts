/**
 * The CLI's message operations on IMAP (mark, fetch across a recreated folder), spawned as a
 * user runs them, against the rig with a consented resource. copy/move/delete are in mail-ops-move.test.ts,
 * POP3 in mail-ops-pop3.test.ts, doctor in doctor.test.ts (split so no file needs a minute).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { loadRig, type Rig } from '../helpers/rig.js';
import { msg, opsHome, type OpsHome, type Summary } from './mail-ops-support.js';

describe('mailbridge mark / fetch (imap)', () => {
  let rig: Rig;
  let ops: OpsHome;
  let home: string;
  let imapUser: string;
  const cli = (args: string[]) => ops.cli(args);
  const list = (folder = 'INBOX'): Promise<Summary[]> => ops.list('in', folder);

  before(async () => {
    rig = loadRig();
    imapUser = rig.uniqueMailbox();
    ops = await opsHome(rig, { in: { kind: 'imap', user: imapUser } });
    home = ops.home;
    for (const s of ['one', 'two', 'three', 'four']) await rig.deliver(imapUser, msg(imapUser, s));
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

    // The refusals change nothing and do not depend on each other: one process start's worth of waiting.
    const [nothing, both, badUid] = await Promise.all([
      cli(['mark', 'in', one.id]), cli(['mark', 'in', one.id, '--read', '--unread']), cli(['mark', 'in', 'abc', '--read']),
    ]);
    assert.equal(nothing.code, 1);
    assert.match(nothing.stderr, /^mailbridge: nothing to mark \(CLI_MARK_NOTHING\)\. Fix: give --read, --unread, --flag or --unflag/);
    assert.notEqual(both.code, 0, 'contradictory flags are refused');
    assert.equal(badUid.code, 1);
    assert.match(badUid.stderr, /IMAP_UID_INVALID.*Fix: use a UID from `mailbridge list in`/);
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

});
