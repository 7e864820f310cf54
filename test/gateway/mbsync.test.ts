/**
 * mbsync (isync) through the IMAP gateway (issue 13): a Maildir synchronised from the rig's
 * Dovecot by a client nobody here wrote, logging in with a gateway user's password over
 * implicit TLS (certificate file) while the gateway logs in upstream with XOAUTH2. The messages
 * land in the Maildir unchanged (mbsync stores them with LF line ends and adds its X-TUID header:
 * compared as such).
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startImapGateway } from '../../src/gateway/imap/index.js';
import type { GatewayListener } from '../../src/gateway/relay/listener.js';
import { loadRig, type Rig } from '../helpers/rig.js';
import { bigMessage, japaneseMessage, memoryDirectory, rigUpstreams, run } from './relay-support.js';

const PASSWORD = 'Scanner pass 42';

describe('mbsync through the IMAP gateway → Dovecot (rig)', { timeout: 120_000 }, () => {
  let rig: Rig;
  let dir: string;
  let gw: GatewayListener;
  let mailbox: string;

  before(async () => {
    rig = loadRig();
    dir = await mkdtemp(join(tmpdir(), 'mbt-mbsync-'));
    mailbox = rig.uniqueMailbox();
    await rig.ensureUser(mailbox);
    const resource = rig.resource('imap', mailbox, { name: 'inbox' });
    gw = await startImapGateway({
      directory: await memoryDirectory([{ name: 'erp', password: PASSWORD, resource: 'inbox' }]),
      upstreams: rigUpstreams(rig, [resource]),
      tls: { selfSigned: true as const, dir },
      security: 'tls',
    });
  });
  after(async () => {
    await gw?.close();
    if (!process.env.KEEP) await rm(dir, { recursive: true, force: true });
  });

  test('mbsync pulls the mailbox into a Maildir: ISO-2022-JP and a 2 MB message unchanged', async () => {
    const sent = [
      japaneseMessage('erp@example.test', mailbox),
      bigMessage('erp@example.test', mailbox, 2 * 1024 * 1024),
    ];
    for (const raw of sent) await rig.deliver(mailbox, raw);
    const maildir = join(dir, 'Maildir');
    const rc = join(dir, 'mbsyncrc');
    await mkdir(maildir, { recursive: true });
    await mkdir(join(dir, 'state'), { recursive: true });
    await writeFile(
      rc,
      [
        'IMAPAccount gateway',
        'Host localhost', // the name in the gateway's self-signed certificate
        `Port ${gw.port}`,
        'SSLType IMAPS', // isync 1.4's name (TLSType from 1.5)
        `CertificateFile ${join(dir, 'gateway-cert.pem')}`,
        'User erp',
        `Pass "${PASSWORD}"`,
        'AuthMechs LOGIN',
        '',
        'IMAPStore remote',
        'Account gateway',
        '',
        'MaildirStore local',
        `Path ${maildir}/`,
        `Inbox ${maildir}/INBOX`,
        '',
        'Channel inbox',
        'Far :remote:',
        'Near :local:',
        'Patterns INBOX',
        'Create Near',
        'Sync Pull',
        `SyncState ${dir}/state/`,
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const out = await run('mbsync', ['-c', rc, '-a']);
    assert.doesNotMatch(out.stderr, /error/i, out.stderr); // run() rejects on a non-zero exit
    const cur = join(maildir, 'INBOX', 'new');
    const files = await readdir(cur);
    assert.equal(files.length, 2, `two messages in the Maildir: ${files.join(', ')}`);
    // mbsync adds an X-TUID header of its own (to find messages it propagates); the rest must be as sent.
    const got = (await Promise.all(files.map((f) => readFile(join(cur, f))))).map((b) =>
      Buffer.from(b.toString('latin1').replace(/^X-TUID: [^\n]*\n/m, ''), 'latin1'),
    );
    const lf = (b: Buffer) => Buffer.from(b.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
    for (const raw of sent) {
      // Dovecot prepends its trace headers; the rest is what was delivered.
      assert.ok(
        got.some((g) => g.subarray(g.length - lf(raw).length).equals(lf(raw))),
        `a message of ${raw.length} bytes arrived unchanged`,
      );
    }
  });
});
