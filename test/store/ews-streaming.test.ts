/**
 * The EwsStreamingStore slice (migration 13) on SQLite and PostgreSQL: a trigger's streaming
 * subscription and watermark round trip, are replaced, forgotten, and go with the trigger.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { parseTriggerDefinition } from '../../src/config/trigger.js';
import { freshDatabase } from './databases.js';

for (const backend of ['sqlite', 'postgres'] as const) {
  test(
    `${backend}: EWS streaming subscriptions round trip, are replaced and forgotten, and go with their trigger`,
    { timeout: 30_000 },
    async () => {
      const db = await freshDatabase(backend);
      const store = await db.open(randomBytes(32));
      try {
        assert.equal(await store.getEwsStreamingState('t'), undefined);
        await store.putTrigger(
          parseTriggerDefinition({
            name: 't',
            resource: 'r',
            mode: 'streaming',
            target: { kind: 'handler', name: 'h' },
          }),
        );
        await store.putEwsStreamingState('t', { subscriptionId: 'sub-1' });
        assert.deepEqual(await store.getEwsStreamingState('t'), { subscriptionId: 'sub-1' });
        await store.putEwsStreamingState('t', { subscriptionId: 'sub-1', watermark: 'wm-7' });
        assert.deepEqual(await store.getEwsStreamingState('t'), { subscriptionId: 'sub-1', watermark: 'wm-7' });
        await store.deleteEwsStreamingState('t');
        assert.equal(await store.getEwsStreamingState('t'), undefined);
        await store.putEwsStreamingState('t', { subscriptionId: 'sub-2' });
        assert.equal((await store.getTrigger('t'))?.definition.mode, 'streaming');
        assert.equal(await store.deleteTrigger('t'), true);
        assert.equal(await store.getEwsStreamingState('t'), undefined, 'deleted with the trigger');
      } finally {
        await store.close();
        await db.drop();
      }
    },
  );
}
