import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  AttendeeInfo,
  AutodiscoverErrorCode,
  AutodiscoverService,
  AvailabilityData,
  BasePropertySet,
  LegacyFreeBusyStatus,
  CalendarView,
  ConfigurationApi,
  DateTime,
  EmailMessage,
  ExchangeService,
  ExchangeVersion,
  FileAttachment,
  FolderId,
  FolderView,
  ItemSchema,
  ItemView,
  MessageBody,
  OAuthCredentials,
  PropertySet,
  ResolveNameSearchLocation,
  SyncFolderItemsScope,
  TimeWindow,
  UserSettingName,
  Uri,
  WellKnownFolderName,
  type IXHRApi,
} from 'ews-javascript-api';
import { startExchangeSandbox, type ExchangeSandbox, SANDBOX, startIdentityEmulator, type IdentityEmulator } from '@mailbridge/sandbox';
import { ewsXhrApi } from './support.js';

// ews-javascript-api (the port of Microsoft's EWS Managed API) against the sandbox's EWS
// endpoint with an OAuth token, as an app uses it.
const raw = (subject: string, extra: string[] = [], body = `body of ${subject}`) =>
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
      body,
      '',
    ].join('\r\n'),
  );

// EWS in Exchange Online is off for tenants after 2026-10-01: both emulators run on a June clock.
const clock = () => Date.parse('2026-06-15T12:00:00Z');

describe('ews-javascript-api against the sandbox', () => {
  let em: IdentityEmulator;
  let sb: ExchangeSandbox;
  let service: ExchangeService;

  before(async () => {
    em = await startIdentityEmulator({ now: clock });
    sb = await startExchangeSandbox({ identity: em, now: clock });
    ConfigurationApi.ConfigureXHR(ewsXhrApi(sb.caPem) as unknown as IXHRApi);
    const token = (
      await em.admin.mintAccessToken({
        username: SANDBOX.alice,
        audience: 'https://outlook.office365.com',
        scope: 'EWS.AccessAsUser.All',
      })
    ).access_token;
    service = new ExchangeService(ExchangeVersion.Exchange2016);
    service.Credentials = new OAuthCredentials(token);
    service.Url = new Uri(`${sb.ews.url}/EWS/Exchange.asmx`);
  });
  after(async () => {
    await sb?.close();
    await em?.close();
  });
  const mailbox = () => sb.context.store.mailbox(SANDBOX.alice)!;

  it('FindFolders under msgfolderroot lists the well-known folders', async () => {
    const found = await service.FindFolders(WellKnownFolderName.MsgFolderRoot, new FolderView(100));
    const names = found.Folders.map((f) => f.DisplayName);
    for (const n of ['Inbox', 'Sent Items', 'Deleted Items', 'Calendar', 'Contacts'])
      assert.ok(names.includes(n), `${n} in ${names.join(', ')}`);
  });

  it('FindItems pages with ItemView offsets until MoreAvailable is false', async () => {
    for (let i = 0; i < 12; i++)
      await mailbox()
        .folder('inbox')!
        .append(raw(`paged ${i}`));
    const seen: string[] = [];
    let offset = 0;
    for (;;) {
      const page = await service.FindItems(WellKnownFolderName.Inbox, new ItemView(5, offset));
      seen.push(...page.Items.map((m) => m.Subject));
      if (!page.MoreAvailable) break;
      offset = page.NextPageOffset!;
    }
    assert.equal(seen.filter((s) => s.startsWith('paged ')).length, 12);
  });

  it('Bind with MimeContent (asked as an additional property) and a file attachment loaded by GetAttachment', async () => {
    const mime = Buffer.from(
      [
        'From: a@example.org',
        `To: ${SANDBOX.alice}`,
        'Subject: bind me',
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
        'Content-Transfer-Encoding: base64',
        '',
        Buffer.from('x,y\n1,2\n').toString('base64'),
        '--b--',
        '',
      ].join('\r\n'),
    );
    const stored = await mailbox().folder('inbox')!.append(mime);
    const found = await service.FindItems(WellKnownFolderName.Inbox, new ItemView(50));
    const id = found.Items.find((m) => m.Subject === 'bind me')!.Id;
    const msg = await EmailMessage.Bind(
      service,
      id,
      new PropertySet(BasePropertySet.FirstClassProperties, [ItemSchema.MimeContent, ItemSchema.Attachments]),
    );
    assert.deepEqual(Buffer.from(msg.MimeContent.Content, 'base64'), await mailbox().folder('inbox')!.read(stored.uid));
    assert.equal(msg.Attachments.Count, 1);
    const att = msg.Attachments._getItem(0) as FileAttachment;
    assert.equal(att.Name, 'a.csv');
    await att.Load();
    assert.equal(Buffer.from(att.Base64Content, 'base64').toString(), 'x,y\n1,2\n');
  });

  it('SendAndSaveCopy delivers to Bob and keeps the copy in Sent Items', async () => {
    const m = new EmailMessage(service);
    m.Subject = 'ews api hello';
    m.Body = new MessageBody('hi Bob');
    m.ToRecipients.Add(SANDBOX.bob);
    await m.SendAndSaveCopy();
    assert.ok(
      sb.context.store
        .mailbox(SANDBOX.bob)!
        .folder('inbox')!
        .list()
        .some((x) => x.summary.subject === 'ews api hello'),
    );
    assert.ok(
      mailbox()
        .folder('sentitems')!
        .list()
        .some((x) => x.summary.subject === 'ews api hello'),
    );
  });

  it('SyncFolderItems: a full sync, then only what changed since its SyncState', async () => {
    const inbox = new FolderId(WellKnownFolderName.Inbox);
    let state = ''; // empty = no SyncState element: a full sync
    for (;;) {
      const r: Awaited<ReturnType<ExchangeService['SyncFolderItems']>> = await service.SyncFolderItems(
        inbox,
        PropertySet.IdOnly,
        [],
        100,
        SyncFolderItemsScope.NormalItems,
        state,
      );
      state = r.SyncState;
      if (!r.MoreChangesAvailable) break;
    }
    await mailbox().folder('inbox')!.append(raw('synced later'));
    const next = await service.SyncFolderItems(
      inbox,
      PropertySet.FirstClassProperties,
      [],
      100,
      SyncFolderItemsScope.NormalItems,
      state,
    );
    assert.equal(next.Count, 1);
    assert.equal(next._getItem(0).Item.Subject, 'synced later');
  });

  it('FindAppointments with a CalendarView: the window only, a weekly series expanded', async () => {
    mailbox().calendar.create({
      subject: 'one-off',
      start: { dateTime: '2026-06-16T10:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-06-16T11:00:00', timeZone: 'UTC' },
    });
    mailbox().calendar.create({
      subject: 'far away',
      start: { dateTime: '2026-09-16T10:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-09-16T11:00:00', timeZone: 'UTC' },
    });
    mailbox().calendar.create({
      subject: 'weekly',
      start: { dateTime: '2026-06-01T09:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-06-01T09:30:00', timeZone: 'UTC' },
      recurrence: {
        pattern: { type: 'weekly', interval: 1, daysOfWeek: ['monday'] },
        range: { type: 'noEnd', startDate: '2026-06-01' },
      },
    });
    const view = await service.FindAppointments(
      WellKnownFolderName.Calendar,
      new CalendarView(DateTime.Parse('2026-06-14T00:00:00Z'), DateTime.Parse('2026-06-30T00:00:00Z')),
    );
    assert.deepEqual(
      view.Items.map((a) => a.Subject),
      ['weekly', 'one-off', 'weekly', 'weekly'],
    );
  });

  it('ResolveName finds the directory user; contacts are found in the Contacts folder', async () => {
    const resolved = await service.ResolveName('bob', ResolveNameSearchLocation.DirectoryOnly, true);
    assert.equal(resolved.Count, 1);
    assert.equal(resolved._getItem(0).Mailbox.Address, SANDBOX.bob);
    assert.equal(resolved._getItem(0).Mailbox.Name, 'Bob Example');
    mailbox().contacts.create({
      displayName: 'Dana Contact',
      givenName: 'Dana',
      surname: 'Contact',
      emailAddresses: [{ address: 'dana@fabrikam.test' }],
    });
    const contacts = await service.FindItems(WellKnownFolderName.Contacts, new ItemView(10));
    assert.deepEqual(
      contacts.Items.map((c) => c.Subject),
      ['Dana Contact'],
    );
  });

  it("GetUserAvailability: another user's busy times in the window, each with its free/busy status", async () => {
    const bob = sb.context.store.mailbox(SANDBOX.bob)!;
    bob.calendar.create({
      subject: 'busy at noon',
      start: { dateTime: '2026-06-17T12:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-06-17T13:00:00', timeZone: 'UTC' },
    });
    bob.calendar.create({
      subject: 'maybe later',
      start: { dateTime: '2026-06-17T15:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-06-17T15:30:00', timeZone: 'UTC' },
      showAs: 'tentative',
    });
    const results = await service.GetUserAvailability(
      [new AttendeeInfo(SANDBOX.bob)],
      new TimeWindow(DateTime.Parse('2026-06-17T00:00:00Z'), DateTime.Parse('2026-06-18T00:00:00Z')),
      AvailabilityData.FreeBusy,
    );
    const attendee = results.AttendeesAvailability.__thisIndexer(0);
    assert.equal(attendee.ErrorCode, 0, attendee.ErrorMessage);
    const events = attendee.CalendarEvents.map((e) => [
      e.StartTime.ToISOString(),
      e.EndTime.ToISOString(),
      LegacyFreeBusyStatus[e.FreeBusyStatus],
    ]);
    assert.deepEqual(events, [
      ['2026-06-17T12:00:00.000Z', '2026-06-17T13:00:00.000Z', 'Busy'],
      ['2026-06-17T15:00:00.000Z', '2026-06-17T15:30:00.000Z', 'Tentative'],
    ]);
  });

  it("GetServerTimeZones: the server's zones, parsed into TimeZoneInfo", async () => {
    const zones = await service.GetServerTimeZones();
    const tokyo = zones.find((z) => z.Id === 'Tokyo Standard Time');
    assert.ok(tokyo, zones.map((z) => z.Id).join(', '));
    assert.equal(tokyo.BaseUtcOffset.TotalMinutes, 540);
  });

  it('AutodiscoverService.GetUserSettings (SOAP Autodiscover) gives the EWS URL', async () => {
    const token = (
      await em.admin.mintAccessToken({
        username: SANDBOX.alice,
        audience: 'https://outlook.office365.com',
        scope: 'EWS.AccessAsUser.All',
      })
    ).access_token;
    const autodiscover = new AutodiscoverService(
      new Uri(`${sb.ews.url}/autodiscover/autodiscover.svc`),
      ExchangeVersion.Exchange2016,
    );
    autodiscover.Credentials = new OAuthCredentials(token);
    const settings = await autodiscover.GetUserSettings(SANDBOX.alice, [
      UserSettingName.ExternalEwsUrl,
      UserSettingName.InternalEwsUrl,
    ]);
    assert.equal(settings.ErrorCode, AutodiscoverErrorCode.NoError, settings.ErrorMessage);
    const url = settings.Settings.get(UserSettingName.ExternalEwsUrl) as string;
    assert.equal(url, `${sb.ews.url}/EWS/Exchange.asmx`);
    assert.equal(settings.Settings.get(UserSettingName.InternalEwsUrl), url);
    // The URL found is the one the service works with.
    const found = new ExchangeService(ExchangeVersion.Exchange2016);
    found.Credentials = new OAuthCredentials(token);
    found.Url = new Uri(url);
    const inbox = await found.FindFolders(WellKnownFolderName.MsgFolderRoot, new FolderView(100));
    assert.ok(inbox.Folders.some((f) => f.DisplayName === 'Inbox'));
  });
});
