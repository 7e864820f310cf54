import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import { assertShape, fixture } from './shape.js';
import { ALICE, BOB, call, startGraphRig, type GraphRig } from './support.js';

describe('graph endpoint: throttling and faults', () => {
  let rig: GraphRig;
  let token: string;
  before(async () => {
    rig = await startGraphRig();
    token = await rig.token({ user: ALICE, scope: 'Mail.ReadWrite Mail.Send' });
  });
  after(async () => { await rig.close(); });

  it('holds four requests per app and mailbox; the fifth gets 429 ApplicationThrottled with Retry-After', async () => {
    let release!: () => void;
    const hold = new Promise<void>((r) => { release = r; });
    const held = [];
    for (let i = 0; i < 4; i++) {
      const admitted = once(rig.graph.events, 'admitted');
      held.push(call(rig.ctx.tls.ca, `${rig.base}/me/mailFolders`, {
        method: 'POST', token, body: { displayName: `Held ${i}` }, hold,
      }));
      const [info] = (await admitted) as [{ inFlight: number }];
      assert.equal(info.inFlight, i + 1);
    }
    const fifth = await call(rig.ctx.tls.ca, `${rig.base}/me/mailFolders/inbox`, { token });
    assert.equal(fifth.status, 429);
    assert.ok(Number(fifth.headers['retry-after']) >= 1);
    assertShape(fifth.json(), fixture('mailbox-concurrency-429.json'));
    assert.deepEqual([fifth.json<{ error: { code: string; message: string } }>().error.code, fifth.json<{ error: { message: string } }>().error.message],
      ['ApplicationThrottled', 'Application is over its MailboxConcurrency limit.']);
    // Another mailbox is not affected (app-only on bob's mailbox).
    const app = await rig.token({ roles: ['Mail.Read'] });
    assert.equal((await call(rig.ctx.tls.ca, `${rig.base}/users/${encodeURIComponent(BOB)}/mailFolders/inbox`, { token: app })).status, 200);
    release();
    const results = await Promise.all(held);
    assert.deepEqual(results.map((r) => r.status), [201, 201, 201, 201]);
    assert.equal((await call(rig.ctx.tls.ca, `${rig.base}/me/mailFolders/inbox`, { token })).status, 200, 'slots are given back');
  });

  it('the throttle fault answers 429 TooManyRequests in the documented shape', async () => {
    rig.ctx.faults.add({ protocol: 'graph', mailbox: ALICE, kind: 'throttle', value: 2, times: 1 });
    const r = await call(rig.ctx.tls.ca, `${rig.base}/me/messages`, { token });
    assert.equal(r.status, 429);
    assert.equal(r.headers['retry-after'], '2');
    assertShape(r.json(), fixture('throttled-429.json'));
    assert.equal(r.json<{ error: { code: string } }>().error.code, 'TooManyRequests');
    assert.equal((await call(rig.ctx.tls.ca, `${rig.base}/me/messages`, { token })).status, 200, 'times: 1');
  });

  it('server_error answers 503 with Retry-After', async () => {
    rig.ctx.faults.add({ protocol: 'graph', kind: 'server_error', times: 1 });
    const r = await call(rig.ctx.tls.ca, `${rig.base}/me/messages`, { token });
    assert.equal(r.status, 503);
    assert.equal(r.headers['retry-after'], '1');
    assertShape(r.json(), fixture('error.json'));
  });
});
