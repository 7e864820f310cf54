/**
 * Fault suite, servers dying mid-run: Dovecot killed during a bulk fetch, Postfix killed during a
 * pooled bulk send, each restarted, the operation run again. Runs its OWN rig (RIG_DIR=/tmp/mbf,
 * PORT_BASE=28000) so killing its servers never disturbs the shared rig other test files use.
 *
 * What must hold: the failure is a typed error; the rerun resumes; every message is on disk
 * exactly once, byte for byte, with no temp file left; nothing deleted on the server before it
 * was saved; nothing lost that was reported sent; resends (same Message-ID) counted and printed.
 */
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { ImapFlow } from 'imapflow';
import { MailbridgeError } from '../../src/errors.js';
import { fetchToDirectory } from '../../src/mail/fetch.js';
import { parseMessageBaseName } from '../../src/message/file-names.js';
import { createImapMailbox } from '../../src/mail/imap-mailbox.js';
import { createSmtpSender } from '../../src/protocols/smtp/sender.js';
import { loadRig, mintingProvider, type Rig } from '../helpers/rig.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const RIG_DIR = '/tmp/mbf';
const RIG_ENV = { ...process.env, RIG_DIR, PORT_BASE: '28000' };
const FETCH_COUNT = 200;
const SEND_COUNT = 100;

let rig: Rig;

/** Starts (or restarts the dead parts of) the dedicated rig; start.sh is idempotent. */
async function startRig(): Promise<void> {
  await run('bash', ['scripts/rig/start.sh'], { cwd: ROOT, env: RIG_ENV, timeout: 90_000 });
}

/**
 * Kills a daemon the hard way: SIGKILL to its master's whole process group, as a crash or an
 * OOM kill would (a SIGTERM to Dovecot's master alone leaves running sessions serving). Blocks
 * until the master is gone, so the kill lands at a known point of the run.
 */
function killDaemon(pidFile: string): void {
  const pid = readFileSync(pidFile, 'utf8').trim();
  assert.match(pid, /^\d+$/);
  execFileSync('bash', ['-c', `kill -KILL -- -${pid}; for i in $(seq 200); do [ -r /proc/${pid}/stat ] && ! grep -qE '\\) [ZX] ' /proc/${pid}/stat || exit 0; sleep 0.05; done; exit 1`], { timeout: 15_000 });
}

before(async () => {
  await startRig();
  // loadRig reads $MAILRIG_DIR/rig.env but lets MAILRIG_* variables override it: the shared
  // rig's variables (set by scripts/test.sh) must not win over ours in this process.
  for (const line of readFileSync(join(RIG_DIR, 'rig.env'), 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m?.[1]) process.env[m[1]] = (m[2] ?? '').replace(/^'(.*)'$/, '$1');
  }
  rig = loadRig();
  assert.equal(rig.dir, RIG_DIR);
}, { timeout: 120_000 });

after(async () => {
  await run('bash', ['scripts/rig/stop.sh'], { cwd: ROOT, env: RIG_ENV, timeout: 60_000 }).catch(() => undefined);
}, { timeout: 90_000 });

/** A message whose X-Seq names it; sizes vary (about 1–30 KB), every fifth has an attachment. */
function makeMessage(user: string, seq: number): Buffer {
  const filler = randomBytes(200 + ((seq * 7919) % 20_000)).toString('base64').replace(/.{76}/g, '$&\r\n');
  const head = [`From: Eve <eve@example.test>`, `To: ${user}`, `Subject: bulk ${seq}`, `Message-ID: <bulk-${seq}.${randomBytes(4).toString('hex')}@faults.test>`, `X-Seq: ${seq}`, 'MIME-Version: 1.0'];
  const body = seq % 5 === 0
    ? ['Content-Type: multipart/mixed; boundary="b"', '', '--b', 'Content-Type: text/plain', '', `body ${seq}`, '',
       '--b', `Content-Type: application/octet-stream; name="f${seq}.bin"`, `Content-Disposition: attachment; filename="f${seq}.bin"`, 'Content-Transfer-Encoding: base64', '', filler, '--b--', '']
    : ['Content-Type: text/plain', '', `body ${seq}`, filler, ''];
  return Buffer.from([...head, ...body].join('\r\n'));
}

async function withImapFlow<T>(user: string, work: (c: ImapFlow) => Promise<T>): Promise<T> {
  const c = new ImapFlow({
    host: rig.host, port: rig.imap.port, secure: true, logger: false,
    tls: { ca: rig.caPem },
    auth: { user, accessToken: (await rig.mintToken(user)).reveal() },
  });
  await c.connect();
  try {
    return await work(c);
  } finally {
    await c.logout().catch(() => c.close());
  }
}

/** Message-IDs in the mailbox (one entry per stored copy), read with bare imapflow. */
async function messageIds(user: string): Promise<string[]> {
  return withImapFlow(user, async (c) => {
    const lock = await c.getMailboxLock('INBOX');
    try {
      const ids: string[] = [];
      if ((c.mailbox && typeof c.mailbox === 'object' ? c.mailbox.exists : 0) === 0) return ids;
      for await (const m of c.fetch('1:*', { envelope: true })) ids.push(m.envelope?.messageId ?? '(none)');
      return ids;
    } finally {
      lock.release();
    }
  });
}

describe('fault: Dovecot killed during a bulk fetch (after: delete)', { timeout: 150_000 }, () => {
  test(`${FETCH_COUNT} messages: typed error, rerun resumes, each saved once byte for byte, none deleted unsaved`, { timeout: 150_000 }, async () => {
    const user = rig.uniqueMailbox();
    const originals = Array.from({ length: FETCH_COUNT }, (_, i) => makeMessage(user, i + 1));
    await withImapFlow(user, async (c) => {
      for (const m of originals) await c.append('INBOX', m);
    });
    assert.equal(await rig.countMessages(user), FETCH_COUNT);

    const dir = await mkdtemp(join(tmpdir(), 'mb-fault-fetch-'));
    const KILL_AT = 60;
    let killed = false;
    const first = createImapMailbox({ resource: rig.resource('imap', user), tokens: mintingProvider(rig, user) });
    let firstError: unknown;
    try {
      await fetchToDirectory({
        // Batches of 50 (the default is 200): the kill at 60 then lands mid-run, with a batch
        // committed and acted on before it and the rest not yet downloaded.
        mailbox: first, dir, after: { kind: 'delete' }, batchSize: 50,
        onProgress: (p) => {
          if (p.done === KILL_AT && !killed) {
            killed = true;
            killDaemon(join(RIG_DIR, 'run/master.pid'));
          }
        },
      });
    } catch (e) {
      firstError = e;
    } finally {
      await first.close().catch(() => undefined);
    }
    assert.ok(killed, 'Dovecot was killed mid-run');
    assert.ok(firstError instanceof MailbridgeError, `a typed error, got ${String(firstError)}`);
    assert.ok(['CONNECTION_DROPPED', 'CONNECTION_REFUSED', 'TIMEOUT'].includes(firstError.code), `code ${firstError.code}: ${firstError.message}`);
    assert.ok(firstError.hint.length > 0);

    // Only .eml files, their attachment folders and the state: no temp or partial file.
    const listing = async () => (await readdir(dir)).filter((n) => !n.startsWith('.mailbridge-fetch.json'));
    const afterKill = await listing();
    const emlAfterKill = afterKill.filter((n) => n.endsWith('.eml')).length;
    // Progress counts downloads; only whole committed batches are saved (the batch in flight was discarded).
    assert.ok(emlAfterKill > 0 && emlAfterKill < FETCH_COUNT, `${emlAfterKill} saved before the kill`);

    console.log(`# dovecot kill: ${emlAfterKill} of ${FETCH_COUNT} saved before the kill; the run failed with ${firstError.code}: ${firstError.message}`);
    await startRig();
    // None deleted before it was saved: the server lost at most what is on disk.
    assert.ok(await rig.countMessages(user) >= FETCH_COUNT - emlAfterKill);

    const second = createImapMailbox({ resource: rig.resource('imap', user), tokens: mintingProvider(rig, user) });
    try {
      const report = await fetchToDirectory({ mailbox: second, dir, after: { kind: 'delete' } });
      // What the first run saved is not saved again; what it saved but could not act on (the
      // batch whose delete the kill cut off) is acted on now: every match is processed or skipped.
      assert.equal(report.saved + emlAfterKill, FETCH_COUNT, JSON.stringify(report));
      assert.equal(report.processed + report.skipped, report.matched, JSON.stringify(report));
    } finally {
      await second.close();
    }
    assert.equal(await rig.countMessages(user), 0, 'every message deleted once saved');

    const names = await listing();
    const emls = names.filter((n) => n.endsWith('.eml'));
    const stray = names.filter((n) => !n.endsWith('.eml') && !parseMessageBaseName(n));
    assert.deepEqual(stray, [], 'no temp or half file left');
    assert.equal(emls.length, FETCH_COUNT, 'each message saved exactly once');
    const seen = new Set<number>();
    for (const name of emls) {
      const bytes = await readFile(join(dir, name));
      const seq = Number(/^X-Seq: (\d+)\r$/m.exec(bytes.toString('latin1'))?.[1]);
      assert.ok(!seen.has(seq), `message ${seq} saved twice`);
      seen.add(seq);
      assert.ok(bytes.equals(originals[seq - 1]!), `${name} (message ${seq}) differs from the server copy`);
      if (seq % 5 === 0) {
        const attachments = await readdir(join(dir, name.replace(/\.eml$/, '')));
        assert.deepEqual(attachments, [`f${seq}.bin`]);
      }
    }
    await rm(dir, { recursive: true, force: true });
  });
});

describe('fault: Postfix killed during a pooled bulk send', { timeout: 150_000 }, () => {
  test(`${SEND_COUNT} messages: in-flight sends fail typed, the rest go after restart, nothing reported sent is lost`, { timeout: 150_000 }, async () => {
    const user = rig.uniqueMailbox();
    const sender = createSmtpSender({ resource: rig.resource('smtp', user), tokens: mintingProvider(rig, user), pool: true });
    const ids = Array.from({ length: SEND_COUNT }, (_, i) => `<send-${i + 1}.${randomBytes(4).toString('hex')}@faults.test>`);
    const message = (i: number) => ({
      from: user, to: user, subject: `pooled ${i + 1}`, messageId: ids[i]!,
      text: `body ${i + 1}\n${randomBytes(3000).toString('base64')}`,
    });
    const KILL_AFTER = 30;
    let succeeded = 0;
    let killed = false;
    const results = await Promise.allSettled(Array.from({ length: SEND_COUNT }, async (_, i) => {
      const r = await sender.send(message(i));
      if (++succeeded === KILL_AFTER && !killed) {
        killed = true;
        killDaemon(join(RIG_DIR, 'var/spool/pid/master.pid'));
      }
      return r;
    }));
    assert.ok(killed, 'Postfix was killed mid-run');
    const failedFirst = results.flatMap((r, i) => (r.status === 'rejected' ? [i] : []));
    const sentFirst = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
    assert.ok(failedFirst.length > 0, 'some sends failed while Postfix was down');
    for (const i of failedFirst) {
      const reason = (results[i] as PromiseRejectedResult).reason as unknown;
      assert.ok(reason instanceof MailbridgeError, `send ${i + 1}: a typed error, got ${String(reason)}`);
      assert.ok(['CONNECTION_DROPPED', 'CONNECTION_REFUSED', 'TIMEOUT', 'SMTP_AUTH_UNAVAILABLE', 'AUTH_TEMPORARILY_UNAVAILABLE'].includes(reason.code) || reason.code.startsWith('SMTP_'),
        `send ${i + 1}: ${reason.code} ${reason.message}`);
    }
    for (const i of sentFirst) assert.equal((results[i] as PromiseFulfilledResult<{ messageId: string }>).value.messageId, ids[i]);

    await startRig();
    // The same pooled sender carries on once the server is back: resend what failed.
    const resent = await Promise.allSettled(failedFirst.map((i) => sender.send(message(i))));
    sender.close();
    const stillFailing = resent.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason));
    assert.deepEqual(stillFailing, [], 'every resend succeeds after the restart');

    // Postfix keeps what it queued across the kill: every Message-ID arrives, some maybe twice.
    await rig.waitForMessages(user, SEND_COUNT);
    let stored = await messageIds(user);
    // Queued copies of resent messages may still be on their way: let the queue drain.
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && new Set(stored).size < SEND_COUNT) {
      await new Promise((r) => setTimeout(r, 200));
      stored = await messageIds(user);
    }
    const counts = new Map<string, number>();
    for (const id of stored) counts.set(id, (counts.get(id) ?? 0) + 1);
    const missing = ids.filter((id) => !counts.has(id));
    assert.deepEqual(missing, [], 'nothing reported sent (first or second time) is lost');
    const duplicates = [...counts].filter(([, n]) => n > 1);
    // Duplicates are allowed and reported, of two kinds: a message we sent twice (accepted just
    // before the kill, its 250 lost with the connection, so we were told it failed and resent
    // it), and a message Postfix itself delivered again from its queue after the kill (SIGKILL
    // between the LMTP delivery and the removal of its queue file: the MTA's at-least-once).
    const resentIds = new Set(failedFirst.map((i) => ids[i]));
    const resentDup = duplicates.filter(([id]) => resentIds.has(id));
    const mtaDup = duplicates.filter(([id]) => !resentIds.has(id));
    assert.ok(duplicates.every(([, n]) => n <= 3), 'no message stored more than three times');
    console.log(`# postfix kill: ${sentFirst.length} sent before/around the kill, ${failedFirst.length} failed and were resent; ` +
      `${stored.length} copies stored for ${counts.size} Message-IDs; duplicates we resent: ` +
      `${resentDup.length ? resentDup.map(([id, n]) => `${id}×${n}`).join(', ') : 'none'}; redelivered by Postfix after its crash: ` +
      `${mtaDup.length ? mtaDup.map(([id, n]) => `${id}×${n}`).join(', ') : 'none'}`);
  });
});
