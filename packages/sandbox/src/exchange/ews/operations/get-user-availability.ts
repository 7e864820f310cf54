import { calendarView } from '../../calendar/occurrences.js';
import { EwsError } from '../soap.js';
import { m, t, tText, ts, type XNode, type XmlObject } from '../xml.js';
import { schemaError, type PlainOperation } from './types.js';

/**
 * GetUserAvailabilityRequest: free/busy of each mailbox in m:MailboxDataArray over the
 * t:FreeBusyViewOptions time window, one m:FreeBusyResponse per mailbox in request order.
 * https://learn.microsoft.com/exchange/client-developer/web-service-reference/getuseravailability
 * Every tenant mailbox's free/busy is readable (Exchange's default calendar permission is
 * AvailabilityOnly); an address without a mailbox → ErrorMailRecipientNotFound for that one.
 * Times are written in the request's t:TimeZone by its Bias alone (no daylight saving rules),
 * as local xs:dateTime without an offset, as Exchange does. Suggestions are not modelled.
 */
const BUSY_TYPE: Readonly<Record<string, string>> = {
  free: 'Free',
  tentative: 'Tentative',
  busy: 'Busy',
  oof: 'OOF',
  workingElsewhere: 'WorkingElsewhere',
  unknown: 'NoData',
};
/** The sandbox's own cap on the window (Exchange's is a server setting); longer → ErrorInvalidTimeInterval. */
const MAX_WINDOW_DAYS = 62;
const MINUTE = 60_000;

/** Local time for the requester as EWS writes it: no offset, whole seconds. */
const local = (ms: number, biasMinutes: number) =>
  new Date(Math.floor((ms - biasMinutes * MINUTE) / 1000) * 1000).toISOString().slice(0, 19);

/** A time in the request: with an offset or Z it is absolute; without, local to the request's zone. */
function readTime(text: string | undefined, biasMinutes: number, what: string): number {
  if (!text) throw schemaError(`TimeWindow is missing '${what}'.`);
  const absolute = /[zZ]|[+-]\d\d:\d\d$/.test(text);
  const ms = Date.parse(absolute ? text : `${text}Z`);
  if (Number.isNaN(ms)) throw schemaError(`TimeWindow/${what} '${text}' is not an xs:dateTime.`);
  return absolute ? ms : ms + biasMinutes * MINUTE;
}

function freeBusyFor(
  call: Parameters<PlainOperation['run']>[0],
  data: XNode,
  window: { start: number; end: number },
  view: string,
  bias: number,
): XmlObject {
  const address = tText(t(data, 'Email'), 'Address')?.toLowerCase() ?? '';
  const mailbox = call.ctx.store.mailbox(address);
  if (!mailbox) {
    return {
      'm:ResponseMessage': {
        '@_ResponseClass': 'Error',
        'm:MessageText': `Unable to resolve e-mail address ${address} to an Active Directory object.`,
        'm:ResponseCode': 'ErrorMailRecipientNotFound',
        'm:DescriptiveLinkKey': 0,
      },
      'm:FreeBusyView': { 't:FreeBusyViewType': 'None' },
    };
  }
  const events = calendarView(mailbox.calendar.list(), window.start, window.end).map((i) => {
    const showAs = typeof i.record.data['showAs'] === 'string' ? i.record.data['showAs'] : 'busy';
    return {
      't:StartTime': local(i.startMs, bias),
      't:EndTime': local(i.endMs, bias),
      't:BusyType': BUSY_TYPE[showAs] ?? 'Busy',
    };
  });
  return {
    'm:ResponseMessage': { '@_ResponseClass': 'Success', 'm:ResponseCode': 'NoError' },
    'm:FreeBusyView': { 't:FreeBusyViewType': view, 't:CalendarEventArray': { 't:CalendarEvent': events } },
  };
}

export const getUserAvailability: PlainOperation = {
  response: 'GetUserAvailabilityResponse',
  async run(call, op) {
    const zone = t(op, 'TimeZone');
    const bias = zone ? Number(tText(zone, 'Bias') ?? '0') : 0;
    if (!Number.isInteger(bias)) throw schemaError('TimeZone/Bias must be an integer number of minutes.');
    const mailboxes = ts(m(op, 'MailboxDataArray'), 'MailboxData');
    if (mailboxes.length === 0)
      throw schemaError("The element 'GetUserAvailabilityRequest' needs MailboxDataArray/MailboxData.");
    const options = t(op, 'FreeBusyViewOptions');
    if (!options) throw schemaError('The sandbox answers free/busy requests only: FreeBusyViewOptions is missing.');
    const timeWindow = t(options, 'TimeWindow');
    const window = {
      start: readTime(tText(timeWindow, 'StartTime'), bias, 'StartTime'),
      end: readTime(tText(timeWindow, 'EndTime'), bias, 'EndTime'),
    };
    if (window.end <= window.start) {
      throw new EwsError('ErrorInvalidTimeInterval', 'The time interval is invalid: EndTime must be after StartTime.');
    }
    if (window.end - window.start > MAX_WINDOW_DAYS * 86_400_000) {
      throw new EwsError('ErrorInvalidTimeInterval', `The time window is longer than ${MAX_WINDOW_DAYS} days.`);
    }
    // The view Exchange grants at the default permission whatever is asked: times, no details.
    const view = 'FreeBusy';
    return {
      'm:FreeBusyResponseArray': {
        'm:FreeBusyResponse': mailboxes.map((d) => freeBusyFor(call, d, window, view, bias)),
      },
    };
  },
};
