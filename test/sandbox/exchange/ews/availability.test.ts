import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SANDBOX } from '@mailbridge/sandbox';
import { all, first, responseCodes, soap, startEwsRig, valid, type EwsRig } from './support.js';

// GetUserAvailability (free/busy) and GetServerTimeZones as a SOAP client writes them; every
// answer is checked against messages.xsd.
// A fixed-offset zone as the EWS Managed API writes it (no daylight rule: Month 0).
const noRule = (el: string) =>
  `<t:${el}><t:Bias>0</t:Bias><t:Time>00:00:00</t:Time><t:DayOrder>0</t:DayOrder>` +
  `<t:Month>0</t:Month><t:DayOfWeek>Sunday</t:DayOfWeek></t:${el}>`;
const TOKYO_TZ = `<t:TimeZone><t:Bias>-540</t:Bias>${noRule('StandardTime')}${noRule('DaylightTime')}</t:TimeZone>`;

const mailboxData = (a: string) =>
  `<t:MailboxData><t:Email><t:Address>${a}</t:Address></t:Email>` +
  '<t:AttendeeType>Required</t:AttendeeType></t:MailboxData>';
const availability = (addresses: string[], start: string, end: string, tz = TOKYO_TZ) =>
  `<m:GetUserAvailabilityRequest>${tz}` +
  `<m:MailboxDataArray>${addresses.map(mailboxData).join('')}</m:MailboxDataArray>` +
  '<t:FreeBusyViewOptions><t:TimeWindow>' +
  `<t:StartTime>${start}</t:StartTime><t:EndTime>${end}</t:EndTime></t:TimeWindow>` +
  '<t:RequestedView>DetailedMerged</t:RequestedView></t:FreeBusyViewOptions></m:GetUserAvailabilityRequest>';

describe('EWS: GetUserAvailability and GetServerTimeZones', () => {
  let rig: EwsRig;
  let token: string;
  before(async () => {
    rig = await startEwsRig();
    token = await rig.userToken();
    const cal = rig.ctx.store.mailbox(SANDBOX.bob)!.calendar;
    cal.create({
      subject: 'standup',
      start: { dateTime: '2026-07-01T00:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-07-01T00:30:00', timeZone: 'UTC' },
      showAs: 'tentative',
    });
    cal.create({
      subject: 'next week',
      start: { dateTime: '2026-07-09T00:00:00', timeZone: 'UTC' },
      end: { dateTime: '2026-07-09T01:00:00', timeZone: 'UTC' },
    });
  });
  after(() => rig.close());
  const post = (body: string) => rig.post(soap(body), { token });

  it("another user's busy times in the window, in the request's zone, one response per mailbox", async () => {
    const xml = await valid(
      post(availability([SANDBOX.bob, 'nobody@contoso.onmicrosoft.com'], '2026-07-01T00:00:00', '2026-07-02T00:00:00')),
    );
    assert.deepEqual(responseCodes(xml), ['NoError', 'ErrorMailRecipientNotFound']);
    // 00:00Z is 09:00 in Tokyo (Bias -540); the event of 9 July is outside the window.
    assert.deepEqual(all(xml, /<t:StartTime>([^<]+)</), ['2026-07-01T09:00:00']);
    assert.deepEqual(all(xml, /<t:EndTime>([^<]+)</), ['2026-07-01T09:30:00']);
    assert.equal(first(xml, /<t:BusyType>([^<]+)</), 'Tentative');
    assert.doesNotMatch(xml, /standup/, 'free/busy only: no subject at the default permission');
  });

  it('an end before the start is a fault ErrorInvalidTimeInterval', async () => {
    const res = await post(availability([SANDBOX.bob], '2026-07-02T00:00:00', '2026-07-01T00:00:00'));
    assert.equal(res.status, 500);
    assert.match(res.text, /ErrorInvalidTimeInterval/);
  });

  it('GetServerTimeZones lists the zones, full data for one asked by id, an unknown id fails', async () => {
    const allZones = await valid(post('<m:GetServerTimeZones ReturnFullTimeZoneData="false"/>'));
    const ids = all(allZones, /<t:TimeZoneDefinition Id="([^"]+)"/);
    assert.ok(ids.includes('Tokyo Standard Time') && ids.includes('UTC'), ids.join(', '));
    assert.doesNotMatch(allZones, /<t:Periods>/);
    const tokyo = await valid(
      post('<m:GetServerTimeZones><m:Ids><t:Id>Tokyo Standard Time</t:Id></m:Ids></m:GetServerTimeZones>'),
    );
    assert.equal(first(tokyo, /<t:Period Bias="([^"]+)"/), '-PT9H');
    const unknown = await valid(
      post('<m:GetServerTimeZones><m:Ids><t:Id>Mars Standard Time</t:Id></m:Ids></m:GetServerTimeZones>'),
    );
    assert.deepEqual(responseCodes(unknown), ['ErrorTimeZone']);
  });
});
