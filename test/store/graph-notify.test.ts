import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { Secret } from '../../src/secret.js';
import type { GraphSubscriptionRecord } from '../../src/store/graph-notify.js';
import { freshDatabase, type BackendName } from './databases.js';

const rec = (trigger: string, subscriptionId: string, expiresAt = 1_000): GraphSubscriptionRecord => ({
  trigger,
  subscriptionId,
  resourcePath: `/users/${trigger}@contoso.test/mailFolders/inbox/messages`,
  clientState: new Secret(`state-of-${trigger}-${subscriptionId}`),
  expiresAt,
});

for (const backend of ['sqlite', 'postgres'] as BackendName[]) {
  describe(`Graph subscriptions in the store (${backend})`, () => {
    test('many stored in one call: each trigger one row, a new id replaces the old, the last record of a trigger wins', async () => {
      const db = await freshDatabase(backend);
      const store = await db.open(randomBytes(32));
      try {
        // 450 rows: more than one statement's worth (written in parts inside one transaction).
        await store.putGraphSubscriptions(Array.from({ length: 450 }, (_, i) => rec(`t${i}`, `s${i}`)));
        assert.equal((await store.listGraphSubscriptions()).length, 450);
        await store.putGraphSubscriptions([
          rec('t1', 's1-new', 2_000),
          rec('t2', 's2', 3_000),
          rec('t2', 's2-late', 4_000),
        ]);
        const all = await store.listGraphSubscriptions();
        assert.equal(all.length, 450, 'still one row per trigger');
        assert.equal((await store.getGraphSubscription('t1'))?.subscriptionId, 's1-new');
        assert.equal(await store.findGraphSubscription('s1'), undefined, 'the replaced id is gone');
        const t2 = await store.getGraphSubscription('t2');
        assert.equal(t2?.subscriptionId, 's2-late');
        assert.equal(t2?.expiresAt, 4_000);
        assert.equal(t2?.clientState.reveal(), 'state-of-t2-s2-late', 'clientState sealed and unsealed');
        await store.putGraphSubscriptions([]);
        assert.equal((await store.listGraphSubscriptions()).length, 450);
      } finally {
        await store.close();
        await db.drop();
      }
    });
  });
}
