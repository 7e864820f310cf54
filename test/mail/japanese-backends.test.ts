/**
 * Japanese corpus messages through the real backends (Dovecot over IMAP and POP3): `list`,
 * `get` and saved attachment names must decode exactly as message/parse.ts does on the raw file,
 * not as imapflow's envelope/BODYSTRUCTURE decoding would.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createImapMailbox } from '../../src/mail/imap-mailbox.js';
import type { Mailbox } from '../../src/mail/mailbox.js';
import { createPop3Mailbox } from '../../src/mail/pop3-mailbox.js';
import { corpusCases, corpusDir } from '../fixtures/japanese/corpus.js';
import { loadRig, mintingProvider, type Rig } from '../helpers/rig.js';

/** Corpus messages that exercise headers and file names (the parts a listing and a save show). */
const PICKED = [
  '006-wave-dash.eml',
  '024-non-mime-jis.eml',
  '026-non-mime-sjis.eml',
  '030-raw-jis-filename.eml',
  '031-raw-sjis-filename.eml',
  '038-word-jis-filename.eml',
  '039-word-sjis-nec-filename.eml',
  '069-word-platform-chars.eml',
];

describe('Japanese mail through IMAP and POP3', () => {
  let rig: Rig;
  let user: string;
  let imap: Mailbox;
  let pop3: Mailbox;
  const cases = corpusCases().filter((c) => PICKED.includes(c.file));

  before(async () => {
    rig = loadRig();
    user = rig.uniqueMailbox();
    for (const c of cases) await rig.deliver(user, await readFile(join(corpusDir, c.file)));
    imap = createImapMailbox({ resource: rig.resource('imap', user), tokens: mintingProvider(rig, user) });
    pop3 = createPop3Mailbox({ resource: rig.resource('pop3', user), tokens: mintingProvider(rig, user) });
  });
  after(async () => {
    await imap?.close();
    await pop3?.close();
  });

  test('IMAP list, get and saved names decode as the corpus expects', async () => {
    const listed = await imap.list();
    assert.equal(listed.length, cases.length);
    for (const [i, c] of cases.entries()) {
      const row = listed[i];
      assert.ok(row);
      if (c.subject !== undefined) assert.equal(row.subject, c.subject, `list subject of ${c.file}`);
      if (c.from !== undefined) assert.equal(row.from[0]?.name, c.from, `list sender of ${c.file}`);
      const m = await imap.get(row.id);
      if (c.subject !== undefined) assert.equal(m.subject, c.subject, `get subject of ${c.file}`);
      if (c.attachments === undefined) continue;
      assert.deepEqual(
        m.attachments.map((a) => a.filename),
        c.attachments,
        `get names of ${c.file}`,
      );
      const dir = await mkdtemp(join(tmpdir(), 'mb-ja-'));
      const saved = await imap.saveAttachments(row.id, dir);
      assert.deepEqual(
        saved.map((s) => basename(s.path)),
        c.attachments,
        `saved names of ${c.file}`,
      );
    }
  });

  test('POP3 get decodes as the corpus expects (a POP3 listing has ids and sizes only)', async () => {
    const listed = await pop3.list();
    assert.equal(listed.length, cases.length);
    for (const [i, c] of cases.entries()) {
      const row = listed[i];
      assert.ok(row);
      const m = await pop3.get(row.id);
      if (c.subject !== undefined) assert.equal(m.subject, c.subject, `get subject of ${c.file}`);
      if (c.attachments !== undefined)
        assert.deepEqual(
          m.attachments.map((a) => a.filename),
          c.attachments,
        );
    }
  });
});
