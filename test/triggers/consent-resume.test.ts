/**
 * "Tokens that stop working pause the trigger with a visible reason, no tight retry loop, and
 * resume after a new consent": on the Exchange sandbox (Graph), the runner lifts the pause by
 * itself once the resource's refresh token is Available again, and delivers what came meanwhile.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TriggerRunner } from '../../src/triggers/runner.js';
import { saveTrigger } from '../../src/triggers/save.js';
import { exchangeFixture, numberedMessage } from './exchange-support.js';
import { startReceiver, until } from './support.js';

describe('a trigger paused for its token resumes after a new consent', { timeout: 60_000 }, () => {
  test('revoked → paused (once, with the reason) → new consent → resumed by the runner, the waiting messages delivered', async () => {
    const f = await exchangeFixture(['graph']);
    const receiver = await startReceiver();
    const runner = new TriggerRunner({ store: f.store, tokens: f.tokens, syncIntervalMs: 100 });
    try {
      await saveTrigger(f.store, {
        name: 'resumes', resource: 'graph', start: 'new', pollIntervalSeconds: 0.1,
        target: { kind: 'webhook', url: receiver.url }, retry: { maxAttempts: 3, backoffBaseMs: 20, backoffMaxMs: 100 },
      }, { webhookSecret: receiver.secret });
      await runner.start();
      await until('the trigger started', async () => (await f.store.listTriggerEvents('resumes')).some((e) => e.kind === 'started'));
      const m1 = numberedMessage('before-revoke', 1);
      await f.deliver(m1.raw);
      await receiver.waitForCalls(1);

      // "Sign out everywhere": the refresh token is refused; dropping the cached access token
      // makes the next request need it (the sandbox, like Exchange, trusts a live JWT).
      f.identity.admin.revokeUser(f.user);
      await f.store.deleteAccessTokens('graph');
      const m2 = numberedMessage('while-paused', 2);
      await f.deliver(m2.raw);
      const paused = await until('the trigger paused', async () => {
        const t = await f.store.getTrigger('resumes');
        return t?.paused ? t : undefined;
      });
      assert.match(paused.pauseReason ?? '', /refresh token status Revoked/);
      // The Graph client may still hold the access token it had (a live JWT, reused for up to 10 s):
      // 'while-paused 2' can go out before the pause. Nothing goes out once paused.
      const deliveredBeforePause = receiver.calls.length;
      const m3 = numberedMessage('while-paused', 3);
      await f.deliver(m3.raw);
      // Several runner syncs later it is still paused, with one pause event: no retry loop.
      await new Promise((r) => setTimeout(r, 500));
      assert.equal((await f.store.getTrigger('resumes'))?.paused, true);
      assert.equal((await f.store.listTriggerEvents('resumes', 100)).filter((e) => e.kind === 'paused').length, 1);
      assert.deepEqual(runner.status().map((s) => s.state), ['paused']);
      assert.equal(receiver.calls.length, deliveredBeforePause);
      assert.ok(!receiver.calls.some((c) => c.payload.message.subject === 'while-paused 3'), 'nothing delivered while paused');

      // A person consents again: the runner notices (status Available) and resumes the trigger.
      await f.consent('graph');
      await receiver.waitForCalls(3);
      const events = await f.store.listTriggerEvents('resumes', 100);
      assert.ok(events.some((e) => e.kind === 'resumed' && /Available again/.test(e.message)));
      assert.equal((await f.store.getTrigger('resumes'))?.paused, false);
      const subjects = receiver.calls.map((c) => c.payload.message.subject).sort();
      assert.deepEqual(subjects, ['before-revoke 1', 'while-paused 2', 'while-paused 3']);
    } finally {
      await runner.stop();
      await receiver.close();
      await f.close();
    }
  });
});
