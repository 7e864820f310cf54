import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ALICE, BOB, call, startGraphRig, type GraphRig } from './support.js';

interface BatchAnswer {
  responses: { id: string; status: number; headers: Record<string, string>; body?: Record<string, unknown> }[];
}

describe('graph endpoint: JSON batching ($batch)', () => {
  let rig: GraphRig;
  let token: string;
  const batch = (requests: unknown[]) =>
    call(rig.ctx.tls.ca, `${rig.base}/$batch`, { method: 'POST', token, body: { requests } });

  before(async () => {
    rig = await startGraphRig();
    // App-only: one token for every mailbox, as a batch over many mailboxes needs.
    token = await rig.token({ roles: ['Mail.ReadWrite'] });
  });
  after(async () => {
    await rig.close();
  });

  it('runs each step as if sent alone and answers them together, by id', async () => {
    const r = await batch([
      { id: 'a', method: 'GET', url: `/users/${ALICE}/mailFolders/inbox` },
      { id: 'b', method: 'GET', url: `users/${BOB}/mailFolders/inbox` },
      { id: 'c', method: 'GET', url: `/users/${ALICE}/mailFolders/no-such-folder` },
    ]);
    assert.equal(r.status, 200, r.text);
    const byId = new Map(r.json<BatchAnswer>().responses.map((x) => [x.id, x]));
    assert.equal(byId.get('a')?.status, 200);
    assert.equal(byId.get('a')?.body?.['displayName'], 'Inbox');
    assert.equal(byId.get('b')?.status, 200);
    assert.ok(byId.get('a')?.headers['request-id'], 'each step has its own request-id');
    assert.ok((byId.get('c')?.status ?? 0) >= 400, 'a failing step fails alone');
  });

  it('refuses more than 20 steps, repeated ids and absolute URLs with 400', async () => {
    const steps = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ id: String(i), method: 'GET', url: `/users/${ALICE}/mailFolders/inbox` }));
    assert.equal((await batch(steps(20))).status, 200);
    const tooMany = await batch(steps(21));
    assert.equal(tooMany.status, 400);
    assert.match(tooMany.text, /limit of 20/);
    const twice = await batch([...steps(1), ...steps(1)]);
    assert.equal(twice.status, 400);
    const absolute = await batch([{ id: '1', method: 'GET', url: `${rig.base}/users/${ALICE}/mailFolders/inbox` }]);
    assert.equal(absolute.status, 400);
  });

  it('dependsOn: a step after a failed one is answered 424 and not run', async () => {
    const r = await batch([
      { id: '1', method: 'GET', url: `/users/${ALICE}/mailFolders/no-such-folder` },
      { id: '2', method: 'GET', url: `/users/${ALICE}/mailFolders/inbox`, dependsOn: ['1'] },
    ]);
    const byId = new Map(r.json<BatchAnswer>().responses.map((x) => [x.id, x]));
    assert.equal(byId.get('2')?.status, 424);
  });

  it('a throttled step is a 429 with its own Retry-After inside a 200 batch', async () => {
    rig.ctx.faults.add({ protocol: 'graph', mailbox: BOB, kind: 'throttle', value: 3, times: 1 });
    const r = await batch([
      { id: 'a', method: 'GET', url: `/users/${ALICE}/mailFolders/inbox` },
      { id: 'b', method: 'GET', url: `/users/${BOB}/mailFolders/inbox` },
    ]);
    assert.equal(r.status, 200);
    const byId = new Map(r.json<BatchAnswer>().responses.map((x) => [x.id, x]));
    assert.equal(byId.get('a')?.status, 200);
    assert.equal(byId.get('b')?.status, 429);
    assert.equal(byId.get('b')?.headers['retry-after'], '3');
  });

  it('a step with a body needs its Content-Type; the batch needs a token', async () => {
    const r = await batch([{ id: '1', method: 'PATCH', url: `/users/${ALICE}/messages/x`, body: { isRead: true } }]);
    assert.equal(r.json<BatchAnswer>().responses[0]?.status, 400);
    const anonymous = await call(rig.ctx.tls.ca, `${rig.base}/$batch`, { method: 'POST', body: { requests: [] } });
    assert.equal(anonymous.status, 401);
  });
});
