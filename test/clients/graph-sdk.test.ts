import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AuthenticationHandler,
  Client,
  GraphError,
  PageIterator,
  RetryHandler,
  ResponseType,
  type Middleware,
} from '@microsoft/microsoft-graph-client';
import { startExchangeSandbox, type ExchangeSandbox, SANDBOX, startIdentityEmulator, type IdentityEmulator } from '@mailbridge/sandbox';
import { caHttpMiddleware } from './support.js';

// Microsoft's Graph SDK (JavaScript) against the sandbox's Graph endpoint, as an app uses it:
// baseUrl + customHosts point it at the sandbox; the HTTP goes through the sandbox CA.
type Json = Record<string, unknown>;

const message = (subject: string, extra: string[] = []) =>
  Buffer.from(
    [
      'From: Carol <carol@example.org>',
      `To: ${SANDBOX.alice}`,
      `Subject: ${subject}`,
      'Date: Mon, 01 Jun 2026 10:00:00 +0000',
      'MIME-Version: 1.0',
      ...extra,
      'Content-Type: text/plain; charset=utf-8',
      '',
      `body of ${subject}`,
      '',
    ].join('\r\n'),
  );

describe('Microsoft Graph SDK against the sandbox', () => {
  let em: IdentityEmulator;
  let sb: ExchangeSandbox;
  let client: Client;

  before(async () => {
    em = await startIdentityEmulator();
    sb = await startExchangeSandbox({ identity: em });
    const scope = 'User.Read Mail.ReadWrite Mail.Send Calendars.ReadWrite';
    const authProvider = {
      getAccessToken: async () =>
        (await em.admin.mintAccessToken({ username: SANDBOX.alice, audience: 'https://graph.microsoft.com', scope }))
          .access_token,
    };
    const chain: Middleware[] = [
      new AuthenticationHandler(authProvider),
      new RetryHandler(),
      caHttpMiddleware(sb.caPem) as unknown as Middleware,
    ];
    for (let i = 0; i < chain.length - 1; i++) chain[i]!.setNext!(chain[i + 1]!);
    client = Client.initWithMiddleware({
      middleware: chain[0]!,
      baseUrl: `${sb.graph.url}/`,
      defaultVersion: 'v1.0',
      customHosts: new Set(['localhost']),
    });
  });
  after(async () => {
    await sb?.close();
    await em?.close();
  });
  const inbox = () => sb.context.store.mailbox(SANDBOX.alice)!.folder('inbox')!;

  it('GET /me', async () => {
    const me = (await client.api('/me').get()) as Json;
    assert.equal(me['userPrincipalName'], SANDBOX.alice);
    assert.equal(me['displayName'], 'Alice Example');
  });

  it('PageIterator follows @odata.nextLink through every page', async () => {
    for (let i = 0; i < 23; i++) await inbox().append(message(`page ${i}`));
    const first = (await client.api('/me/mailFolders/inbox/messages').top(10).select('subject').get()) as {
      value: Json[];
    };
    assert.equal(first.value.length, 10);
    const subjects: string[] = [];
    const it = new PageIterator(client, first as never, (m: Json) => {
      subjects.push(String(m['subject']));
      return true;
    });
    await it.iterate();
    assert.equal(subjects.filter((s) => s.startsWith('page ')).length, 23);
    assert.equal(new Set(subjects).size, subjects.length);
  });

  it('$value is the raw MIME, byte for byte; $expand=attachments embeds the attachments', async () => {
    const raw = message('with part', []);
    const msg = await inbox().append(raw);
    const bytes = (await client
      .api(`/me/messages/${msg.id}/$value`)
      .responseType(ResponseType.ARRAYBUFFER)
      .get()) as ArrayBuffer;
    assert.deepEqual(Buffer.from(bytes), raw);
    const withAtt = await inbox().append(
      Buffer.from(
        [
          `From: a@example.org`,
          `To: ${SANDBOX.alice}`,
          'Subject: att',
          'MIME-Version: 1.0',
          'Content-Type: multipart/mixed; boundary=b',
          '',
          '--b',
          'Content-Type: text/plain',
          '',
          'see file',
          '--b',
          'Content-Type: text/csv; name=a.csv',
          'Content-Disposition: attachment; filename=a.csv',
          '',
          'x,y',
          '--b--',
          '',
        ].join('\r\n'),
      ),
    );
    const got = (await client.api(`/me/messages/${withAtt.id}`).expand('attachments').get()) as { attachments: Json[] };
    assert.equal(got.attachments.length, 1);
    assert.equal(got.attachments[0]!['name'], 'a.csv');
    assert.equal(got.attachments[0]!['@odata.type'], '#microsoft.graph.fileAttachment');
  });

  it('delta: the first round ends in a deltaLink, the next round brings only the new message', async () => {
    let page = (await client.api('/me/mailFolders/inbox/messages/delta').select('subject').get()) as Json;
    while (page['@odata.nextLink']) page = (await client.api(String(page['@odata.nextLink'])).get()) as Json;
    const deltaLink = String(page['@odata.deltaLink']);
    assert.match(deltaLink, /deltatoken=/i);
    await inbox().append(message('after delta'));
    const next = (await client.api(deltaLink).get()) as { value: Json[] };
    assert.deepEqual(
      next.value.map((m) => m['subject']),
      ['after delta'],
    );
  });

  it('sendMail delivers to the recipient and keeps a copy in Sent Items', async () => {
    await client.api('/me/sendMail').post({
      message: {
        subject: 'sdk hello',
        body: { contentType: 'Text', content: 'hi Bob' },
        toRecipients: [{ emailAddress: { address: SANDBOX.bob } }],
      },
      saveToSentItems: true,
    });
    const bobInbox = sb.context.store.mailbox(SANDBOX.bob)!.folder('inbox')!;
    assert.ok(bobInbox.list().some((m) => m.summary.subject === 'sdk hello'));
    const sent = (await client.api('/me/mailFolders/sentitems/messages').filter("subject eq 'sdk hello'").get()) as {
      value: Json[];
    };
    assert.equal(sent.value.length, 1);
  });

  it('calendarView expands a daily series over the window', async () => {
    await client.api('/me/events').post({
      subject: 'daily sync',
      start: { dateTime: '2026-05-04T08:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-05-04T08:15:00', timeZone: 'UTC' },
      recurrence: { pattern: { type: 'daily', interval: 1 }, range: { type: 'noEnd', startDate: '2026-05-04' } },
    });
    const view = (await client
      .api('/me/calendarView')
      .query({ startDateTime: '2026-05-10T00:00:00Z', endDateTime: '2026-05-13T00:00:00Z' })
      .get()) as { value: Json[] };
    assert.deepEqual(
      view.value.map((e) => (e['start'] as Json)['dateTime']),
      ['2026-05-10T08:00:00.0000000', '2026-05-11T08:00:00.0000000', '2026-05-12T08:00:00.0000000'],
    );
    assert.ok(view.value.every((e) => e['type'] === 'occurrence'));
  });

  it('error shapes: GraphError with statusCode, code, requestId and date', async () => {
    const malformed = await client
      .api('/me/messages/not*an*id')
      .get()
      .catch((e: unknown) => e);
    assert.ok(malformed instanceof GraphError, String(malformed));
    assert.equal(malformed.statusCode, 400);
    assert.equal(malformed.code, 'ErrorInvalidIdMalformed');
    assert.equal(malformed.message, 'Id is malformed.');
    assert.match(String(malformed.requestId), /^[0-9a-f-]{36}$/);
    assert.ok(malformed.date instanceof Date);
    const missing = await client
      .api(`/me/messages/${'A'.repeat(40)}`)
      .get()
      .catch((e: unknown) => e);
    assert.ok(missing instanceof GraphError);
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.code, 'ErrorItemNotFound');
  });
});
