import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { saveTrigger } from '../../src/triggers/save.js';
import { TriggerRunner } from '../../src/triggers/runner.js';
import { loadRig } from '../helpers/rig.js';
import { message, startReceiver, triggerFixture, until } from './support.js';

const FAST_RETRY = { maxAttempts: 3, backoffBaseMs: 20, backoffMaxMs: 100 };

describe('POP3 polling and the command target (real Dovecot)', { timeout: 90_000 }, () => {
  test('POP3: new UIDLs are delivered once each, then deleted; the UIDL set is the checkpoint', async () => {
    const rig = loadRig();
    const receiver = await startReceiver();
    const f = await triggerFixture(rig, 'pop3');
    const runner = new TriggerRunner({ store: f.store, tokens: f.tokens, syncIntervalMs: 3_600_000 });
    try {
      const first = `pop-1-${Date.now()}`;
      await rig.deliver(f.user, message(first));
      await saveTrigger(f.store, {
        name: 'pop', resource: 'in', start: 'all', pollIntervalSeconds: 0.2, afterAction: 'delete',
        target: { kind: 'webhook', url: receiver.url }, retry: FAST_RETRY,
      }, { webhookSecret: receiver.secret });
      await runner.start();
      await receiver.waitForCalls(1);
      const second = `pop-2-${Date.now()}`;
      await rig.deliver(f.user, message(second));
      const calls = await receiver.waitForCalls(2);
      assert.deepEqual(calls.map((c) => c.payload.message.subject), [first, second]);
      assert.ok(calls.every((c) => c.signatureValid));
      const done = await until('both deleted after delivery', async () => {
        const h = await f.store.listDeliveries('pop', { status: 'delivered' });
        return h.length === 2 && h.every((d) => d.afterAction === 'ok') && h;
      });
      assert.ok(done.every((d) => d.source.kind === 'pop3' && d.messageKey === d.source.uidl));
      assert.equal(await rig.countMessages(f.user), 0);
      assert.equal(receiver.calls.length, 2);
    } finally {
      await runner.stop();
      await f.store.close();
      await receiver.close();
    }
  });

  test('POP3 refuses what it cannot do when the trigger is saved', async () => {
    const rig = loadRig();
    const f = await triggerFixture(rig, 'pop3');
    try {
      await assert.rejects(saveTrigger(f.store, { name: 'bad', resource: 'in', afterAction: 'move:Archive', target: { kind: 'handler', name: 'h' } }),
        { code: 'TRIGGER_UNSUPPORTED_FOR_RESOURCE', field: 'afterAction' });
      assert.equal(await f.store.getTrigger('bad'), undefined, 'nothing written');
    } finally {
      await f.store.close();
    }
  });

  test('command target: the raw message on stdin, exit 0 = delivered; a failing command retries into a dead letter', async () => {
    const rig = loadRig();
    const f = await triggerFixture(rig, 'imap');
    const dir = mkdtempSync(join(tmpdir(), 'mbt-cmd-'));
    const out = join(dir, 'out.eml');
    // Appends stdin to the file; refuses (exit 3) messages whose subject says "reject".
    const script = 'let b="";process.stdin.setEncoding("utf8");process.stdin.on("data",d=>b+=d);process.stdin.on("end",()=>{' +
      'if(/Subject: reject/.test(b)){console.error("refused "+process.env.MAILBRIDGE_MESSAGE_KEY);process.exit(3)}' +
      'require("fs").appendFileSync(process.argv[1],b+"\\n--"+process.env.MAILBRIDGE_TRIGGER+"--\\n")})';
    const runner = new TriggerRunner({ store: f.store, tokens: f.tokens, syncIntervalMs: 3_600_000 });
    try {
      const subject = `cmd-${Date.now()}`;
      await rig.deliver(f.user, message(subject));
      await rig.deliver(f.user, message(`reject-${Date.now()}`));
      await saveTrigger(f.store, {
        name: 'cmd', resource: 'in', start: 'all', mode: 'poll', pollIntervalSeconds: 0.2, afterAction: 'read',
        target: { kind: 'command', argv: [process.execPath, '-e', script, out] }, retry: FAST_RETRY,
      });
      await runner.start();
      const rows = await until('one delivered, one dead', async () => {
        const h = await f.store.listDeliveries('cmd');
        return h.filter((d) => d.status !== 'failed').length === 2 && h;
      });
      const delivered = rows.find((d) => d.status === 'delivered');
      const dead = rows.find((d) => d.status === 'dead');
      assert.equal(delivered?.subject, subject);
      assert.equal(delivered?.afterAction, 'ok');
      assert.equal(dead?.attempts, 3);
      assert.match(dead?.lastError ?? '', /exited with 3: refused \d+:2/);
      assert.ok(existsSync(out));
      const written = readFileSync(out, 'utf8');
      assert.match(written, new RegExp(`Subject: ${subject}`));
      assert.match(written, /--cmd--/);
      assert.doesNotMatch(written, /Subject: reject/);
      const seen = await rig.doveadm(['search', '-u', f.user, 'mailbox', 'INBOX', 'seen']);
      assert.equal(seen.trim().split('\n').filter(Boolean).length, 1, 'only the delivered message was marked read');
    } finally {
      await runner.stop();
      await f.store.close();
    }
  });
});
