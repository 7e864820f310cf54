import type { FastifyInstance } from 'fastify';
import { calendarView, type CalendarInstance } from '../../calendar/occurrences.js';
import { badRequest } from '../errors.js';
import { linkWith, mailboxRoute } from '../http.js';
import { AnyProperty } from '../items.js';
import { applySelect, parseListQuery } from '../odata/query.js';
import { graphDateTime, itemJson } from '../serialize.js';

/** Graph's dateTimeTimeZone for a UTC instant: seven fractional digits, zone 'UTC'. */
function utc(ms: number): { dateTime: string; timeZone: string } {
  return { dateTime: new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$10000'), timeZone: 'UTC' };
}

function instanceJson(i: CalendarInstance): Record<string, unknown> {
  const json = itemJson(i.record);
  if (i.kind === 'singleInstance') return { ...json, type: 'singleInstance', seriesMasterId: null };
  return {
    ...json,
    id: i.id,
    type: 'occurrence',
    seriesMasterId: i.record.id,
    recurrence: null,
    start: utc(i.startMs),
    end: utc(i.endMs),
    originalStart: graphDateTime(i.startMs),
  };
}

/**
 * GET /me/calendarView and /me/calendar/calendarView: events overlapping
 * [startDateTime, endDateTime), recurring series expanded into occurrences, by start time.
 * https://learn.microsoft.com/graph/api/user-list-calendarview
 */
export function registerCalendarViewRoutes(app: FastifyInstance): void {
  const shape = { typeName: 'microsoft.graph.event', properties: new AnyProperty() };
  for (const path of ['/calendarView', '/calendar/calendarView']) {
    mailboxRoute(app, 'GET', path, 'calendars.read', async (req, _reply, call) => {
      const query = req.query as Record<string, string | undefined>;
      const start = Date.parse(query['startDateTime'] ?? '');
      const end = Date.parse(query['endDateTime'] ?? '');
      if (Number.isNaN(start) || Number.isNaN(end)) {
        throw badRequest(
          'This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.',
          'ErrorInvalidParameter',
        );
      }
      const q = parseListQuery({ ...query, $orderby: undefined, $filter: undefined }, shape);
      const rows = calendarView(call.mailbox.calendar.list(), start, end).map(instanceJson);
      return {
        '@odata.context': `${call.base}/$metadata#${call.contextPath}/calendarView`,
        value: rows.slice(q.skip, q.skip + q.top).map((r) => applySelect(r, q.select)),
        ...(q.skip + q.top < rows.length
          ? { '@odata.nextLink': linkWith(req, { $skip: String(q.skip + q.top) }) }
          : {}),
      };
    });
  }
}
