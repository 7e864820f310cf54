/**
 * Schema version 7 and the bounded event log, on SQLite and PostgreSQL alike: a dead letter
 * keeps its raw source (dropped once a replay delivered it, removed with the trigger), and a
 * trigger's event history keeps only its newest TRIGGER_EVENTS_KEPT rows.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { TRIGGER_EVENTS_KEPT } from '../../src/store/rows.js';
import { parseTriggerDefinition } from '../../src/config/trigger.js';
import { freshDatabase, type BackendName } from '../store/databases.js';

for (const backend of ['sqlite', 'postgres'] as BackendName[]) {
  describe(`dead letters and the event log on ${backend}`, () => {
    test(
      `${backend}: raw source kept with a dead letter, dropped on delivery; events pruned to the newest`,
      { timeout: 50_000 },
      async () => {
        const db = await freshDatabase(backend);
        const store = await db.open(randomBytes(32));
        try {
          await store.putTrigger(
            parseTriggerDefinition({ name: 't', resource: 'r', target: { kind: 'handler', name: 'h' } }),
          );
          await store.putTrigger(
            parseTriggerDefinition({ name: 'other', resource: 'r', target: { kind: 'handler', name: 'h' } }),
          );
          const raw = Buffer.concat([Buffer.from('Subject: bad\r\n\r\n'), randomBytes(4096)]);
          const dead = await store.recordDelivery({
            id: 'd1',
            trigger: 't',
            messageKey: '7:3',
            status: 'dead',
            attempts: 0,
            raw,
            lastError: 'refused before delivery',
            source: { kind: 'imap', folder: 'INBOX', uidValidity: '7', uid: 3 },
            advance: { imap: { uidValidity: '7', uid: 3 } },
          });
          assert.deepEqual(await store.getDeliverySource(dead.id), raw, 'the bytes as they came, binary included');
          assert.equal(
            (await store.getTriggerCheckpoint('t'))?.lastUid,
            3,
            'the checkpoint moved past it in the same step',
          );
          assert.equal(await store.getDeliverySource('nope'), undefined);
          await store.recordDelivery({
            id: 'x',
            trigger: 't',
            messageKey: '7:3',
            status: 'delivered',
            attempts: 1,
            source: { kind: 'imap', folder: 'INBOX', uidValidity: '7', uid: 3 },
          });
          assert.equal(
            await store.getDeliverySource(dead.id),
            undefined,
            'a replayed-and-delivered message keeps no copy',
          );

          await store.recordDelivery({
            id: 'd2',
            trigger: 't',
            messageKey: 'u2',
            status: 'dead',
            attempts: 0,
            raw,
            source: { kind: 'pop3', uidl: 'u2' },
          });
          for (let i = 0; i < TRIGGER_EVENTS_KEPT + 50; i++)
            await store.addTriggerEvent('t', 'source_error', `failure ${i}`);
          await store.addTriggerEvent('other', 'started', 'kept');
          const events = await store.listTriggerEvents('t', 10_000);
          assert.ok(
            events.length <= TRIGGER_EVENTS_KEPT,
            `at most ${TRIGGER_EVENTS_KEPT} kept, found ${events.length}`,
          );
          assert.equal(events[0]?.message, `failure ${TRIGGER_EVENTS_KEPT + 49}`, 'the newest stays');
          assert.ok(!events.some((e) => e.message === 'failure 0'), 'the oldest went');
          assert.deepEqual(
            (await store.listTriggerEvents('other')).map((e) => e.message),
            ['kept'],
            'other triggers are left alone',
          );

          await store.deleteTrigger('t');
          assert.equal(await store.getDeliverySource('d2'), undefined, 'the copy goes with its trigger');
        } finally {
          await store.close();
          await db.drop?.();
        }
      },
    );
  });
}
