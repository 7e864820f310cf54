import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { FETCH_STATE_FILE } from '../../src/mail/fetch-state.js';
import { messageBaseName } from '../../src/message/file-names.js';
import { openStore } from '../../src/store/open.js';
import { loadRig, type Rig } from '../helpers/rig.js';
import { consentedResource } from '../mail/facade-consent.js';
import { mailbridge } from '../helpers/cli.js';


describe('mailbridge send → list → get → fetch --after delete (CLI end to end)', () => {
  let rig: Rig;
  let home: string;
  const cli = (args: string[]) => mailbridge(home, args);

  before(async () => {
    rig = loadRig();
    home = await mkdtemp(join(tmpdir(), 'mb-cli-'));
    const store = await openStore({ home, env: {} });
    await consentedResource(rig, 'smtp', { store, name: 'out' });
    await consentedResource(rig, 'imap', { store, name: 'in' });
    await store.close();
  });

  test('round trip with an attachment and a Japanese subject', async () => {
    const subject = `見積書 ${Date.now()}`;
    const attachment = join(home, 'note.txt');
    await writeFile(attachment, 'attached bytes\n');
    const sent = await cli(['send', 'out', '--to', 'alice@contoso.onmicrosoft.com', '--subject', subject, '--text', 'こんにちは', '--attach', attachment]);
    assert.equal(sent.code, 0, sent.stderr);
    assert.match(sent.stdout, /^sent <.+> to 1 recipient/);

    let listed = { code: 1, stdout: '', stderr: '' };
    for (let i = 0; i < 100; i++) {
      listed = await cli(['--json', 'list', 'in', '--subject', subject]);
      if (listed.code === 0 && JSON.parse(listed.stdout).length === 1) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const found = JSON.parse(listed.stdout) as { id: string; subject: string; hasAttachments: boolean }[];
    assert.equal(found.length, 1, listed.stderr);
    assert.equal(found[0]?.subject, subject);
    assert.equal(found[0]?.hasAttachments, true);
    const id = found[0]?.id ?? '';

    const got = await cli(['get', 'in', id]);
    assert.equal(got.code, 0, got.stderr);
    assert.match(got.stdout, new RegExp(`Subject: ${subject}`));
    assert.match(got.stdout, /こんにちは/);
    assert.match(got.stdout, /Attachment: note\.txt/);
    const raw = await cli(['get', 'in', id, '--raw']);
    assert.match(raw.stdout, /^Content-Type: text\/plain; name=note\.txt/m);

    const dir = join(home, 'saved');
    const fetched = await cli(['fetch', 'in', '--subject', subject, '--save', dir, '--after', 'delete']);
    assert.equal(fetched.code, 0, fetched.stderr);
    assert.match(fetched.stdout, /^fetched 1 of 1 messages .* after: delete \(1\)/);
    const { uidValidity } = JSON.parse(await readFile(join(dir, FETCH_STATE_FILE), 'utf8')) as { uidValidity: string };
    const base = messageBaseName({ folder: 'INBOX', validity: uidValidity, id });
    assert.deepEqual((await readdir(join(dir, base))), ['note.txt']);
    assert.equal(await readFile(join(dir, base, 'note.txt'), 'utf8'), 'attached bytes\n');
    const after = await cli(['--json', 'list', 'in', '--subject', subject]);
    assert.deepEqual(JSON.parse(after.stdout), []);
  });

  test('bad input: one line with the fix, exit 1', async () => {
    const r = await cli(['fetch', 'in', '--save', join(home, 'x'), '--after', 'archive']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^mailbridge: unknown after-processing action "archive" \(AFTER_ACTION_INVALID\)\. Fix: use leave, read, move:FOLDER/);
    const p = await cli(['list', 'out']);
    assert.equal(p.code, 1);
    assert.match(p.stderr, /SMTP cannot list messages .*Fix: use an imap/);
  });
});
