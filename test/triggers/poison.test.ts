/**
 * Issue 11 item 2: a message the parser refuses is a dead letter, never a mailbox outage. On
 * each backend (IMAP and POP3 on the real Dovecot rig, EWS and Graph on the Exchange sandbox)
 * a poisonous message arrives between two good ones: both good ones are delivered, the bad one
 * is in the dead-letter list with its raw source, the checkpoint moves past it, and the
 * trigger neither reconnects in a loop nor writes `source_error` rows. A replay of it says why
 * it cannot be delivered and where its source is.
 */
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import type { Store } from '../../src/store/store.js';
import type { ParsedDelivery } from '../../src/triggers/deliver.js';
import { TriggerRunner } from '../../src/triggers/runner.js';
import { saveTrigger } from '../../src/triggers/save.js';
import { loadRig } from '../helpers/rig.js';
import { exchangeFixture, numberedMessage } from './exchange-support.js';
import { message, triggerFixture, until } from './support.js';

const FAST_RETRY = { maxAttempts: 2, backoffBaseMs: 20, backoffMaxMs: 100 };

/** More MIME parts than mailparser accepts (1,000), padded so the sandbox's 512 KiB summary parse still takes it. */
function tooManyParts(subject: string): Buffer {
  const pad = 'x'.repeat(600);
  const parts = Array.from(
    { length: 1100 },
    (_, i) => `--b\r\nContent-Type: text/plain\r\n\r\npart ${i} ${pad}\r\n`,
  ).join('');
  return Buffer.from(
    `From: Sender <sender@example.test>\r\nTo: someone@example.test\r\nSubject: ${subject}\r\n` +
      `Message-ID: <${subject}@example.test>\r\nMIME-Version: 1.0\r\n` +
      `Content-Type: multipart/mixed; boundary="b"\r\n\r\n${parts}--b--\r\n`,
  );
}

/** A header block larger than mailparser allows for one MIME node (1 MiB, each line counting at least 64 bytes). */
function hugeHeader(subject: string): Buffer {
  const lines = Array.from({ length: 20_000 }, (_, i) => `X-Filler-${i}: v\r\n`).join('');
  return Buffer.from(
    `From: Sender <sender@example.test>\r\nTo: someone@example.test\r\nSubject: ${subject}\r\n` +
      `Message-ID: <${subject}@example.test>\r\n${lines}\r\nbody\r\n`,
  );
}

/** A TCP relay on loopback that counts connections: each IMAP connection is one login. */
async function countingRelay(
  port: number,
): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let n = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    n++;
    const upstream = connect(port, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    connections: () => n,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A runner with one handler collecting subjects per trigger. */
function collectingRunner(store: Store, tokens: ConstructorParameters<typeof TriggerRunner>[0]['tokens']) {
  const got = new Map<string, string[]>();
  const runner = new TriggerRunner({
    store,
    tokens,
    syncIntervalMs: 3_600_000,
    handlers: {
      collect: async (d: ParsedDelivery) => {
        got.set(d.trigger, [...(got.get(d.trigger) ?? []), d.message.subject]);
      },
    },
  });
  return { runner, got: (trigger: string) => got.get(trigger) ?? [] };
}

/** Waits until the (only) watcher finished `n` more scans. */
async function morePolls(runner: TriggerRunner, n: number): Promise<void> {
  let last = runner.status()[0]?.lastScanAt;
  let count = 0;
  await until(`${n} more scans`, async () => {
    const at = runner.status()[0]?.lastScanAt;
    if (at !== last) {
      last = at;
      count++;
    }
    return count >= n;
  });
}

/** The dead letter of `trigger`, its source as kept, and the replay's refusal. */
async function checkDeadLetter(
  store: Store,
  runner: TriggerRunner,
  trigger: string,
  poison: Buffer,
  subject: string | undefined,
): Promise<void> {
  const dead = await store.listDeliveries(trigger, { status: 'dead' });
  assert.equal(dead.length, 1, 'exactly one dead letter');
  const d = dead[0]!;
  assert.equal(d.subject, subject);
  assert.equal(d.attempts, 0, 'never offered to the target');
  assert.match(d.lastError ?? '', /refused before delivery: .*MIME_MALFORMED/);
  const kept = await store.getDeliverySource(d.id);
  assert.ok(kept, 'the raw source is kept with the dead letter');
  // Servers may add trace headers in front (Dovecot's Return-Path, Delivered-To); the message itself is whole.
  const body = poison.subarray(poison.indexOf('\r\n\r\n'));
  assert.ok(
    kept.subarray(kept.length - body.length).equals(body),
    'the kept source ends with the message as it was sent',
  );
  await assert.rejects(runner.replay(d.id), (e: { code?: string; hint?: string }) => {
    assert.equal(e.code, 'TRIGGER_REPLAY_UNPARSABLE');
    assert.match(e.hint ?? '', new RegExp(`mailbridge trigger source ${d.id}`));
    return true;
  });
  const events = await store.listTriggerEvents(trigger);
  assert.equal(events.filter((e) => e.kind === 'source_error').length, 0, 'a refused message is not a mailbox failure');
  assert.equal(events.filter((e) => e.kind === 'dead_letter').length, 1);
}

describe('a poisonous message between two good ones', { timeout: 110_000 }, () => {
  test('IMAP (Dovecot): both poison kinds dead-lettered, the good ones delivered and deleted, one login', async () => {
    const rig = loadRig();
    const f = await triggerFixture(rig, 'imap');
    const relay = await countingRelay(f.resource.server.port);
    const { runner, got } = collectingRunner(f.store, f.tokens);
    try {
      await f.store.putResource({
        ...f.resource,
        server: { ...f.resource.server, host: '127.0.0.1', port: relay.port },
      });
      const tag = `p${Date.now()}`;
      const parts = tooManyParts(`${tag}-parts`);
      const header = hugeHeader(`${tag}-header`);
      await rig.deliver(f.user, message(`${tag}-good-1`));
      await rig.deliver(f.user, parts);
      await rig.deliver(f.user, header);
      await rig.deliver(f.user, message(`${tag}-good-2`));
      await saveTrigger(f.store, {
        name: 'imap',
        resource: 'in',
        start: 'all',
        mode: 'idle',
        pollIntervalSeconds: 3600,
        afterAction: 'delete',
        target: { kind: 'handler', name: 'collect' },
        retry: FAST_RETRY,
      });
      await runner.start();
      await until('both good messages delivered', async () => got('imap').length === 2);
      assert.deepEqual(got('imap'), [`${tag}-good-1`, `${tag}-good-2`]);
      const dead = await until('two dead letters', async () => {
        const rows = await f.store.listDeliveries('imap', { status: 'dead' });
        return rows.length === 2 && rows;
      });
      assert.deepEqual(dead.map((d) => d.subject).sort(), [`${tag}-header`, `${tag}-parts`]);
      for (const d of dead) assert.match(d.lastError ?? '', /MIME_MALFORMED/);
      assert.deepEqual(
        (await f.store.getDeliverySource(dead.find((d) => d.subject === `${tag}-parts`)!.id))
          ?.subarray(-200)
          .toString(),
        parts.subarray(-200).toString(),
      );
      assert.equal((await f.store.getTriggerCheckpoint('imap'))?.lastUid, 4, 'the checkpoint moved past the bad ones');
      await until('the good ones deleted after delivery', async () => (await rig.countMessages(f.user)) === 2);
      assert.equal(relay.connections(), 1, 'one IMAP login: no reconnect loop');
      const events = await f.store.listTriggerEvents('imap');
      assert.equal(events.filter((e) => e.kind === 'source_error').length, 0);
      await runner.stop();
      for (const [d, poison] of [[dead.find((x) => x.subject === `${tag}-parts`)!, parts]] as const) {
        const kept = await f.store.getDeliverySource(d.id);
        const body = poison.subarray(poison.indexOf('\r\n\r\n'));
        assert.ok(kept?.subarray(kept.length - body.length).equals(body));
      }
      await assert.rejects(runner.replay(dead[0]!.id), { code: 'TRIGGER_REPLAY_UNPARSABLE' });
    } finally {
      await runner.stop();
      await relay.close();
      await f.store.close();
    }
  });

  test('POP3 (Dovecot): the poison stays on the server as a dead letter; the good ones go', async () => {
    const rig = loadRig();
    const f = await triggerFixture(rig, 'pop3');
    const { runner, got } = collectingRunner(f.store, f.tokens);
    try {
      const tag = `q${Date.now()}`;
      const poison = hugeHeader(`${tag}-header`);
      await rig.deliver(f.user, message(`${tag}-good-1`));
      await rig.deliver(f.user, poison);
      await rig.deliver(f.user, message(`${tag}-good-2`));
      await saveTrigger(f.store, {
        name: 'pop',
        resource: 'in',
        start: 'all',
        pollIntervalSeconds: 0.2,
        afterAction: 'delete',
        target: { kind: 'handler', name: 'collect' },
        retry: FAST_RETRY,
      });
      await runner.start();
      await until('both good messages delivered', async () => got('pop').length === 2);
      assert.deepEqual(got('pop'), [`${tag}-good-1`, `${tag}-good-2`]);
      await until('the good ones deleted', async () => (await rig.countMessages(f.user)) === 1);
      // Later polls leave it alone: still one dead letter, no new attempt.
      await morePolls(runner, 2);
      await checkDeadLetter(f.store, runner, 'pop', poison, undefined);
      assert.equal(await rig.countMessages(f.user), 1, 'the refused message is not deleted');
    } finally {
      await runner.stop();
      await f.store.close();
    }
  });

  test('EWS and Graph (Exchange sandbox): the poison is dead-lettered, the sync state moves on', async () => {
    const f = await exchangeFixture(['ews', 'graph']);
    const { runner, got } = collectingRunner(f.store, f.tokens);
    try {
      const good1 = numberedMessage('good', 1);
      const good2 = numberedMessage('good', 2);
      const tag = `s${Date.now()}`;
      const poison = tooManyParts(`${tag}-parts`);
      await f.deliver(good1.raw);
      await f.deliver(poison);
      await f.deliver(good2.raw);
      for (const kind of ['ews', 'graph'] as const) {
        await saveTrigger(f.store, {
          name: kind,
          resource: kind,
          start: 'all',
          pollIntervalSeconds: 0.2,
          afterAction: 'leave',
          target: { kind: 'handler', name: 'collect' },
          retry: FAST_RETRY,
        });
      }
      await runner.start();
      for (const kind of ['ews', 'graph'] as const) {
        await until(`${kind}: both good messages delivered`, async () => got(kind).length === 2);
        assert.deepEqual(got(kind), ['good 1', 'good 2']);
        await until(
          `${kind}: the sync state stored`,
          async () => (await f.store.getTriggerCheckpoint(kind))?.syncState,
        );
        await checkDeadLetter(f.store, runner, kind, poison, `${tag}-parts`);
      }
    } finally {
      await runner.stop();
      await f.close();
    }
  });
});
