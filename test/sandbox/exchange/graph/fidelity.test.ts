import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ALICE, BOB, call, startGraphRig, type GraphRig } from './support.js';

type Json = Record<string, unknown>;

describe('graph endpoint: /me, $expand=attachments, malformed ids, calendarView', () => {
  let rig: GraphRig;
  let token: string;
  before(async () => {
    rig = await startGraphRig();
    token = await rig.token({ user: ALICE, scope: 'User.Read Mail.ReadWrite Calendars.ReadWrite' });
  });
  after(async () => {
    await rig.close();
  });
  const get = (path: string, t = token) => call(rig.ctx.tls.ca, `${rig.base}${path}`, { token: t });

  it('GET /me answers the signed-in user; /users/{upn | id} needs User.ReadBasic.All for someone else', async () => {
    const me = await get('/me');
    assert.equal(me.status, 200, me.text);
    const body = me.json<Json>();
    assert.equal(body['userPrincipalName'], ALICE);
    assert.equal(body['displayName'], 'Alice Example');
    assert.match(String(body['@odata.context']), /\/v1\.0\/\$metadata#users\/\$entity$/);
    assert.deepEqual(body['businessPhones'], []);
    const byId = await get(`/users/${String(body['id'])}`);
    assert.equal(byId.json<Json>()['userPrincipalName'], ALICE);
    assert.equal((await get(`/users/${BOB}`)).status, 403);
    const basic = await rig.token({ user: ALICE, scope: 'User.ReadBasic.All' });
    assert.equal((await get(`/users/${BOB}`, basic)).json<Json>()['displayName'], 'Bob Example');
    const missing = await get('/users/nobody@contoso.onmicrosoft.com', basic);
    assert.equal(missing.status, 404);
    assert.equal(missing.json<{ error: { code: string } }>().error.code, 'Request_ResourceNotFound');
    const app = await rig.token({ roles: ['User.Read.All'] });
    assert.equal((await get('/me', app)).status, 400);
    const selected = await get('/me?$select=displayName');
    assert.deepEqual(Object.keys(selected.json<Json>()).sort(), ['@odata.context', 'displayName', 'id']);
  });

  it('$expand=attachments embeds the attachments with contentBytes, on get and list', async () => {
    const raw = Buffer.from(
      [
        'From: a@example.org',
        `To: ${ALICE}`,
        'Subject: with file',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="b"',
        '',
        '--b',
        'Content-Type: text/plain',
        '',
        'hello',
        '--b',
        'Content-Type: application/pdf; name="r.pdf"',
        'Content-Disposition: attachment; filename="r.pdf"',
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.from('%PDF-1.4 x').toString('base64'),
        '--b--',
        '',
      ].join('\r\n'),
    );
    const msg = await rig.ctx.store.mailbox(ALICE)!.folder('inbox')!.append(raw);
    const one = await get(`/me/messages/${msg.id}?$expand=attachments`);
    assert.equal(one.status, 200, one.text);
    const atts = one.json<{ attachments: Json[] }>().attachments;
    assert.equal(atts.length, 1);
    assert.equal(atts[0]!['name'], 'r.pdf');
    assert.equal(Buffer.from(String(atts[0]!['contentBytes']), 'base64').toString(), '%PDF-1.4 x');
    assert.match(one.json<Json>()['@odata.context'] as string, /messages\(attachments\(\)\)\/\$entity$/);
    const list = await get("/me/mailFolders/inbox/messages?$expand=attachments&$filter=subject eq 'with file'");
    assert.equal(list.json<{ value: { attachments: Json[] }[] }>().value[0]!.attachments.length, 1);
    assert.equal((await get(`/me/messages/${msg.id}?$expand=nonsense`)).status, 400);
  });

  it('a malformed id is 400 ErrorInvalidIdMalformed; a well-formed unknown one 404 ErrorItemNotFound', async () => {
    const bad = await get('/me/messages/not*an*id');
    assert.equal(bad.status, 400);
    assert.deepEqual(bad.json<{ error: Json }>().error['code'], 'ErrorInvalidIdMalformed');
    assert.equal(bad.json<{ error: Json }>().error['message'], 'Id is malformed.');
    const unknown = await get(`/me/messages/${'A'.repeat(40)}`);
    assert.equal(unknown.status, 404);
    assert.equal((await get('/me/events/x')).status, 400);
  });

  it('calendarView: events overlapping the window, a weekly series expanded into occurrences', async () => {
    const post = (body: object) => call(rig.ctx.tls.ca, `${rig.base}/me/events`, { method: 'POST', token, body });
    await post({
      subject: 'inside',
      start: { dateTime: '2026-03-03T10:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-03-03T11:00:00', timeZone: 'UTC' },
    });
    await post({
      subject: 'outside',
      start: { dateTime: '2026-04-03T10:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-04-03T11:00:00', timeZone: 'UTC' },
    });
    const series = await post({
      subject: 'weekly',
      start: { dateTime: '2026-02-02T09:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-02-02T09:30:00', timeZone: 'UTC' },
      recurrence: {
        pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday', 'wednesday'] },
        range: { type: 'endDate', startDate: '2026-02-02', endDate: '2026-03-04' },
      },
    });
    assert.equal(series.status, 201);
    const view = await get(
      '/me/calendarView?startDateTime=2026-03-01T00:00:00Z&endDateTime=2026-03-08T00:00:00Z&$top=50',
    );
    assert.equal(view.status, 200, view.text);
    const rows = view.json<{ value: Json[] }>().value;
    assert.deepEqual(
      rows.map((r) => [r['subject'], r['type'], (r['start'] as Json)['dateTime']]),
      [
        ['weekly', 'occurrence', '2026-03-02T09:00:00.0000000'],
        ['inside', 'singleInstance', '2026-03-03T10:00:00'],
        ['weekly', 'occurrence', '2026-03-04T09:00:00.0000000'],
      ],
    );
    assert.equal(rows[0]!['seriesMasterId'], series.json<Json>()['id']);
    assert.notEqual(rows[0]!['id'], rows[2]!['id']);
    const missing = await get('/me/calendar/calendarView');
    assert.equal(missing.status, 400);
    assert.equal(missing.json<{ error: Json }>().error['code'], 'ErrorInvalidParameter');
  });
});
