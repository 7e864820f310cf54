import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { saveTrigger } from '../../src/triggers/save.js';
import { TriggerRunner } from '../../src/triggers/runner.js';
import { TriggerWatcher } from '../../src/triggers/watcher.js';
import { loadRig } from '../helpers/rig.js';
import { startReceiver, triggerFixture } from './support.js';

describe('a token only a person can fix pauses the trigger', { timeout: 60_000 }, () => {
  test('revoked sessions: the trigger pauses with the reason, no retry loop; the runner shows it paused', async () => {
    const rig = loadRig();
    const receiver = await startReceiver();
    const f = await triggerFixture(rig, 'imap');
    try {
      const def = await saveTrigger(f.store, {
        name: 'revoked', resource: 'in', mode: 'idle', pollIntervalSeconds: 0.2,
        target: { kind: 'webhook', url: receiver.url }, retry: { maxAttempts: 3, backoffBaseMs: 20, backoffMaxMs: 100 },
      }, { webhookSecret: receiver.secret });
      // The emulator forgets the user's grants: the cached access token introspects inactive and
      // the refresh token is refused, as after "Sign out everywhere" at Microsoft.
      await rig.revokeUser(f.user);
      const watcher = new TriggerWatcher({ store: f.store, tokens: f.tokens, definition: def, handlers: new Map() });
      watcher.start();
      // The loop ends by itself: a paused trigger does not retry.
      await watcher.done();
      const status = watcher.status();
      assert.equal(status.state, 'paused');
      assert.match(status.pauseReason ?? '', /refresh token status Revoked/);
      const stored = await f.store.getTrigger('revoked');
      assert.equal(stored?.paused, true);
      assert.match(stored?.pauseReason ?? '', /Revoked.*mailbridge auth in/);
      const events = await f.store.listTriggerEvents('revoked');
      assert.deepEqual(events.filter((e) => e.kind === 'paused').length, 1);
      assert.equal(events.filter((e) => e.kind === 'source_error').length, 0, 'not treated as a transient failure');

      const runner = new TriggerRunner({ store: f.store, tokens: f.tokens, syncIntervalMs: 3_600_000 });
      await runner.start();
      assert.deepEqual(runner.status().map((s) => [s.trigger, s.state]), [['revoked', 'paused']]);
      await runner.stop();
      assert.equal(receiver.calls.length, 0);
    } finally {
      await f.store.close();
      await receiver.close();
    }
  });
});
