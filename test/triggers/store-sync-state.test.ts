/**
 * The EWS/Graph checkpoint (schema version 5, trigger_checkpoints.sync_state) and the EWS/Graph
 * delivery reference, on SQLite and PostgreSQL alike (test/store/suite.ts style).
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { parseTriggerDefinition } from '../../src/config/trigger.js';
import { freshDatabase, type BackendName } from '../store/databases.js';

for (const backend of ['sqlite', 'postgres'] as BackendName[]) {
  describe(`trigger sync state on ${backend}`, () => {
    test(`${backend}: the sync state round-trips, is replaced, survives a reopen, and goes with the trigger`, { timeout: 30_000 }, async () => {
      const db = await freshDatabase(backend);
      const key = randomBytes(32);
      let store = await db.open(key);
      try {
        await store.putTrigger(parseTriggerDefinition({ name: 's', resource: 'g', target: { kind: 'handler', name: 'h' } }));
        assert.equal(await store.getTriggerCheckpoint('s'), undefined);
        const link = 'https://localhost:1/v1.0/me/mailFolders/inbox/messages/delta?$deltatoken=' + 'x'.repeat(3000);
        await store.putTriggerCheckpoint('s', { syncState: link });
        const cp = await store.getTriggerCheckpoint('s');
        assert.equal(cp?.syncState, link, 'long opaque states are kept whole');
        assert.equal(cp?.uidValidity, undefined);
        assert.equal(cp?.lastUid, undefined);
        await store.putTriggerCheckpoint('s', { syncState: 'H4sIAAAA-ews-state' });
        // A delivery of an EWS/Graph message keeps its reference for a replay, and does not move the sync state.
        const d = await store.recordDelivery({ id: 'd1', trigger: 's', messageKey: 'AAMkAD=', messageId: 'm@x', status: 'delivered', attempts: 1,
          source: { kind: 'graph', folder: 'INBOX', id: 'AAMkAD=' } });
        assert.deepEqual(d.source, { kind: 'graph', folder: 'INBOX', id: 'AAMkAD=' });
        await store.recordDelivery({ id: 'd2', trigger: 's', messageKey: 'e1', status: 'dead', attempts: 5, source: { kind: 'ews', folder: 'Sub', id: 'e1' } });
        assert.deepEqual((await store.findDelivery('s', 'e1'))?.source, { kind: 'ews', folder: 'Sub', id: 'e1' });
        await store.close();
        store = await db.open(key);
        assert.equal((await store.getTriggerCheckpoint('s'))?.syncState, 'H4sIAAAA-ews-state');
        // An IMAP checkpoint written over it leaves no stale sync state behind.
        await store.putTriggerCheckpoint('s', { uidValidity: '3', lastUid: 9 });
        assert.deepEqual({ ...(await store.getTriggerCheckpoint('s')), updatedAt: 0 }, { uidValidity: '3', lastUid: 9, updatedAt: 0 });
        await store.deleteTrigger('s');
        assert.equal(await store.getTriggerCheckpoint('s'), undefined);
      } finally {
        await store.close();
        await db.drop();
      }
    });
  });
}
