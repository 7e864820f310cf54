import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ALICE, call, startGraphRig, type GraphRig } from './support.js';

describe('graph endpoint: events, contacts and To Do tasks', () => {
  let rig: GraphRig;
  let token: string;
  before(async () => {
    rig = await startGraphRig();
    token = await rig.token({ user: ALICE, scope: 'Calendars.ReadWrite Contacts.ReadWrite Tasks.ReadWrite' });
  });
  after(async () => { await rig.close(); });

  const crud = async (collection: string, create: object, patch: object, check: (item: Record<string, unknown>) => void): Promise<void> => {
    const made = await call(rig.ctx.tls.ca, `${rig.base}/me/${collection}`, { method: 'POST', token, body: create });
    assert.equal(made.status, 201, made.text);
    const item = made.json<{ id: string; '@odata.etag': string }>();
    assert.ok(item['@odata.etag'].startsWith('W/"'));
    const list = (await call(rig.ctx.tls.ca, `${rig.base}/me/${collection}`, { token })).json<{ value: { id: string }[] }>().value;
    assert.ok(list.some((i) => i.id === item.id));
    const patched = await call(rig.ctx.tls.ca, `${rig.base}/me/${collection}/${item.id}`, { method: 'PATCH', token, body: patch });
    assert.equal(patched.status, 200, patched.text);
    check((await call(rig.ctx.tls.ca, `${rig.base}/me/${collection}/${item.id}`, { token })).json());
    assert.equal((await call(rig.ctx.tls.ca, `${rig.base}/me/${collection}/${item.id}`, { method: 'DELETE', token })).status, 204);
    assert.equal((await call(rig.ctx.tls.ca, `${rig.base}/me/${collection}/${item.id}`, { token })).status, 404);
  };

  it('events: create, list, patch, get, delete', async () => {
    await crud('events',
      { subject: 'Standup', start: { dateTime: '2026-03-02T09:00:00', timeZone: 'UTC' }, end: { dateTime: '2026-03-02T09:15:00', timeZone: 'UTC' } },
      { subject: 'Standup (moved)' },
      (e) => assert.equal(e['subject'], 'Standup (moved)'));
    const bad = await call(rig.ctx.tls.ca, `${rig.base}/me/events`, { method: 'POST', token, body: { subject: 'no times' } });
    assert.equal(bad.status, 400);
  });

  it('contacts: create, list, patch, get, delete', async () => {
    await crud('contacts', { givenName: 'Pavel', surname: 'Bansky', emailAddresses: [{ address: 'pavelb@contoso.com' }] }, { surname: 'B.' },
      (c) => assert.deepEqual([c['givenName'], c['surname']], ['Pavel', 'B.']));
  });

  it('To Do: the default list and its tasks', async () => {
    const lists = (await call(rig.ctx.tls.ca, `${rig.base}/me/todo/lists`, { token })).json<{ value: { id: string; wellknownListName: string }[] }>().value;
    assert.equal(lists[0]!.wellknownListName, 'defaultList');
    await crud(`todo/lists/${lists[0]!.id}/tasks`, { title: 'File taxes' }, { status: 'completed' },
      (t) => assert.deepEqual([t['title'], t['status']], ['File taxes', 'completed']));
    assert.equal((await call(rig.ctx.tls.ca, `${rig.base}/me/todo/lists/nosuchlist/tasks`, { token })).status, 404);
  });

  it('needs the Calendars scope for events', async () => {
    const mailOnly = await rig.token({ user: ALICE, scope: 'Mail.ReadWrite' });
    assert.equal((await call(rig.ctx.tls.ca, `${rig.base}/me/events`, { token: mailOnly })).status, 403);
  });
});
