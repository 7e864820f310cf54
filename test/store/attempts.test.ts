import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { HISTORY_KEPT, type AttemptOutcome } from '../../src/store/attempts.js';
import { freshDatabase, type BackendName } from './databases.js';
import { resource } from './suite.js';

// The last attempt per resource and area (migration 9), on both databases: a success clears the
// failure, a failure keeps the last success's time, an older attempt never overwrites a newer one,
// and the rows go with their resource.
for (const backend of ['sqlite', 'postgres'] as BackendName[]) {
  describe(`resource attempts on ${backend}`, () => {
    test('success clears, failure is kept until then, order by time, removed with the resource', async () => {
      const db = await freshDatabase(backend);
      const store = await db.open(randomBytes(32));
      try {
        await store.putResource(resource('r'));
        assert.deepEqual(await store.listAttempts('r'), []);
        const ok = (at: number): AttemptOutcome => ({ action: 'refresh', ok: true, at });
        const fail = (at: number, code = 'AADSTS7000215'): AttemptOutcome => ({
          action: 'consent',
          ok: false,
          at,
          code,
          message: 'the client secret is not valid',
          hint: 'store the secret again',
        });

        await store.recordAttempt('r', 'token', ok(1000));
        await store.recordAttempt('r', 'token', fail(2000));
        let [token] = await store.listAttempts('r');
        assert.equal(token!.area, 'token');
        assert.equal(token!.last.ok, false);
        assert.equal(token!.failure?.code, 'AADSTS7000215');
        assert.equal(token!.lastSuccessAt, 1000, 'a failure keeps the time of the last success');

        // An attempt that started earlier but finished later does not hide the newer one.
        await store.recordAttempt('r', 'token', ok(1500));
        [token] = await store.listAttempts('r');
        assert.equal(token!.last.at, 2000);
        assert.equal(token!.failure?.code, 'AADSTS7000215');

        await store.recordAttempt('r', 'token', ok(3000));
        [token] = await store.listAttempts('r');
        assert.equal(token!.last.ok, true);
        assert.equal(token!.failure, undefined, 'a success clears the failure');
        assert.equal(token!.lastSuccessAt, 3000);

        await store.recordAttempt('r', 'mail', {
          action: 'test',
          ok: false,
          at: 3500,
          code: 'IMAP_AUTH_FAILED',
          message: 'm',
          hint: 'h',
        });
        assert.deepEqual(
          (await store.listAttempts('r')).map((a) => a.area),
          ['token', 'mail'],
        );
        // The history (migration 15): every attempt, newest first, the late one in the order it was recorded.
        const history = await store.listAttemptHistory('r');
        assert.deepEqual(
          history.map((e) => [e.area, e.action, e.ok, e.at]),
          [
            ['mail', 'test', false, 3500],
            ['token', 'refresh', true, 3000],
            ['token', 'refresh', true, 1500],
            ['token', 'consent', false, 2000],
            ['token', 'refresh', true, 1000],
          ],
        );
        assert.equal(history[3]!.code, 'AADSTS7000215');
        assert.equal((await store.listAttemptHistory('r', 2)).length, 2);
        // Only the newest HISTORY_KEPT stay.
        for (let i = 0; i < HISTORY_KEPT + 5; i++)
          await store.recordAttempt('r', 'token', { ...ok(10_000), rotated: true });
        const kept = await store.listAttemptHistory('r');
        assert.equal(kept.length, HISTORY_KEPT);
        assert.ok(kept.every((e) => e.rotated === true && e.at === 10_000));
        assert.ok(await store.deleteResource('r'));
        assert.deepEqual(await store.listAttempts('r'), []);
        assert.deepEqual(await store.listAttemptHistory('r'), []);
      } finally {
        await store.close();
        await db.drop();
      }
    });
  });
}
