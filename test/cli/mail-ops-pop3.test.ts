/**
 * The CLI's message operations on POP3: the IMAP-only ones refused with the fix, delete, and a resumable fetch.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { loadRig, type Rig } from '../helpers/rig.js';
import { msg, opsHome, type OpsHome, type Summary } from './mail-ops-support.js';

describe('mailbridge move / copy / mark / delete / fetch (pop3)', () => {
  let rig: Rig;
  let ops: OpsHome;
  let home: string;
  let popUser: string;
  const cli = (args: string[]) => ops.cli(args);

  before(async () => {
    rig = loadRig();
    popUser = rig.uniqueMailbox();
    ops = await opsHome(rig, { pop: { kind: 'pop3', user: popUser } });
    home = ops.home;
  });

  test('move, mark and copy on a POP3 resource name IMAP as the fix, and change nothing', async () => {
    await rig.deliver(popUser, msg(popUser, 'pop-only'));
    const listed = await cli(['--json', 'list', 'pop']);
    assert.equal(listed.code, 0, listed.stderr);
    const [m] = JSON.parse(listed.stdout) as Summary[];
    assert.ok(m);
    const refused = [['move', 'pop', m.id, '--to', 'Done'], ['copy', 'pop', m.id, '--to', 'Done'], ['mark', 'pop', m.id, '--flag']];
    for (const [args, r] of (await Promise.all(refused.map(async (args) => [args, await cli(args)] as const)))) {
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

});
