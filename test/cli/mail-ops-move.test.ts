/**
 * The CLI's copy, move and delete on IMAP, spawned as a user runs them, against the rig with a consented resource.
 */
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { loadRig, type Rig } from '../helpers/rig.js';
import { msg, opsHome, type OpsHome, type Summary } from './mail-ops-support.js';

describe('mailbridge copy / move / delete (imap)', () => {
  let rig: Rig;
  let ops: OpsHome;
  let imapUser: string;
  const cli = (args: string[]) => ops.cli(args);
  const list = (folder = 'INBOX'): Promise<Summary[]> => ops.list('in', folder);

  before(async () => {
    rig = loadRig();
    imapUser = rig.uniqueMailbox();
    ops = await opsHome(rig, { in: { kind: 'imap', user: imapUser } });
    for (const s of ['one', 'two', 'three', 'four']) await rig.deliver(imapUser, msg(imapUser, s));
    await rig.doveadm(['mailbox', 'create', '-u', imapUser, 'Done']);
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

});
