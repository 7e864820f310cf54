import { z } from 'zod';
import type { CalendarEvent, EntityInput, EntityQuery } from '../../message/entities.js';
import type { GraphHttp } from './http.js';
import { odataString } from './filter.js';
import { collect } from './paging.js';
import { seg } from './target.js';

/**
 * Calendar events (Graph `event`): times are asked for and written in UTC
 * (`Prefer: outlook.timezone="UTC"`), so the entity's ISO strings map one to one.
 */

const dateTimeTz = z.object({ dateTime: z.string(), timeZone: z.string().nullish() });
export const graphEventSchema = z.object({
  id: z.string(),
  subject: z.string().nullish(),
  start: dateTimeTz,
  end: dateTimeTz,
  location: z.object({ displayName: z.string().nullish() }).nullish(),
  body: z.object({ content: z.string().nullish(), contentType: z.string().nullish() }).nullish(),
  attendees: z.array(z.object({ emailAddress: z.object({ address: z.string().nullish() }) })).nullish(),
  isAllDay: z.boolean().nullish(),
}).loose();

const PREFER = { prefer: 'outlook.timezone="UTC", outlook.body-content-type="text"' };

/** Graph's `2024-05-01T10:00:00.0000000` in UTC → `2024-05-01T10:00:00Z`. */
export function fromGraphDateTime(d: { dateTime: string; timeZone?: string | null | undefined }): string {
  const zoned = /([zZ]|[+-]\d{2}:\d{2})$/.test(d.dateTime);
  const iso = zoned || (d.timeZone && d.timeZone.toUpperCase() !== 'UTC') ? d.dateTime : `${d.dateTime}Z`;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? d.dateTime : new Date(t).toISOString().replace(/\.000Z$/, 'Z');
}

function toGraphDateTime(iso: string): { dateTime: string; timeZone: string } {
  const t = Date.parse(iso);
  return { dateTime: Number.isNaN(t) ? iso : new Date(t).toISOString().replace(/Z$/, ''), timeZone: 'UTC' };
}

function toEvent(e: z.output<typeof graphEventSchema>): CalendarEvent {
  const attendees = (e.attendees ?? []).map((a) => a.emailAddress.address).filter((a): a is string => !!a);
  return {
    id: e.id,
    subject: e.subject ?? '',
    start: fromGraphDateTime(e.start),
    end: fromGraphDateTime(e.end),
    ...(e.location?.displayName ? { location: e.location.displayName } : {}),
    ...(e.body?.content ? { body: e.body.content } : {}),
    ...(attendees.length ? { attendees } : {}),
    ...(e.isAllDay !== undefined && e.isAllDay !== null ? { isAllDay: e.isAllDay } : {}),
  };
}

function toGraph(input: Partial<EntityInput<'calendar'>>): Record<string, unknown> {
  return {
    ...(input.subject !== undefined ? { subject: input.subject } : {}),
    ...(input.start !== undefined ? { start: toGraphDateTime(input.start) } : {}),
    ...(input.end !== undefined ? { end: toGraphDateTime(input.end) } : {}),
    ...(input.location !== undefined ? { location: { displayName: input.location } } : {}),
    ...(input.body !== undefined ? { body: { contentType: 'Text', content: input.body } } : {}),
    ...(input.attendees !== undefined ? { attendees: input.attendees.map((address) => ({ emailAddress: { address }, type: 'required' })) } : {}),
    ...(input.isAllDay !== undefined ? { isAllDay: input.isAllDay } : {}),
  };
}

/**
 * Events overlapping [from, to), newest first. A $filter on start/end rather than calendarView:
 * the times are UTC strings of one format (Prefer outlook.timezone="UTC"), so they compare as
 * text, and the same request serves a text search. Recurring series are not expanded.
 */
export async function listEvents(http: GraphHttp, prefix: string, q: EntityQuery = {}): Promise<CalendarEvent[]> {
  const utc = (d: Date) => odataString(d.toISOString().slice(0, 19));
  const clauses = [
    ...(q.to ? [`start/dateTime lt ${utc(q.to)}`] : []),
    ...(q.from ? [`end/dateTime gt ${utc(q.from)}`] : []),
    ...(q.text ? [`contains(subject,${odataString(q.text)})`] : []),
  ];
  const query = { $top: Math.min(q.limit ?? 100, 1000), ...(clauses.length ? { $filter: clauses.join(' and ') } : {}) };
  return (await collect(http, { method: 'GET', url: `${prefix}/events`, headers: PREFER, query }, graphEventSchema, q.limit)).map(toEvent);
}

export async function getEvent(http: GraphHttp, prefix: string, id: string): Promise<CalendarEvent> {
  return toEvent(await http.json({ method: 'GET', url: `${prefix}/events/${seg(id)}`, headers: PREFER }, graphEventSchema));
}

export async function createEvent(http: GraphHttp, prefix: string, input: EntityInput<'calendar'>): Promise<CalendarEvent> {
  return toEvent(await http.json({ method: 'POST', url: `${prefix}/events`, headers: PREFER, json: toGraph(input), operation: 'send' }, graphEventSchema));
}

export async function updateEvent(http: GraphHttp, prefix: string, id: string, patch: Partial<EntityInput<'calendar'>>): Promise<CalendarEvent> {
  return toEvent(await http.json({ method: 'PATCH', url: `${prefix}/events/${seg(id)}`, headers: PREFER, json: toGraph(patch), operation: 'send' }, graphEventSchema));
}

export async function deleteEvent(http: GraphHttp, prefix: string, id: string): Promise<void> {
  await http.send({ method: 'DELETE', url: `${prefix}/events/${seg(id)}`, operation: 'send' });
}
