import type { ItemRecord } from '../contract.js';

/**
 * The calendar view both EWS (FindItem + CalendarView) and Graph (/calendarView) serve: every
 * single event and every occurrence of a recurring series that overlaps [start, end), series
 * expanded, sorted by start. Graph's `patternedRecurrence` is the stored shape:
 * https://learn.microsoft.com/graph/api/resources/patternedrecurrence
 * Supported patterns: daily, weekly, absoluteMonthly, absoluteYearly (relative* ones are not
 * expanded: their first instance only). Times are read as UTC whatever the `timeZone` says.
 */
export interface CalendarInstance {
  /** The record (the series master for an occurrence). */
  record: ItemRecord;
  kind: 'singleInstance' | 'occurrence';
  startMs: number;
  endMs: number;
  /** An occurrence's own id (derived from the master's id and its start). */
  id: string;
}

/** Safety stop for endless series over a wide window. */
const MAX_OCCURRENCES = 5000;
const DAY = 86_400_000;

interface Pattern {
  type?: string;
  interval?: number;
  daysOfWeek?: string[];
  dayOfMonth?: number;
  month?: number;
}
interface Range {
  type?: string;
  startDate?: string;
  endDate?: string;
  numberOfOccurrences?: number;
}

/** `{dateTime, timeZone}` (or an ISO string) as ms; undefined when unreadable. */
export function eventTime(v: unknown): number | undefined {
  const text =
    typeof v === 'string' ? v : v && typeof v === 'object' ? (v as { dateTime?: unknown }).dateTime : undefined;
  if (typeof text !== 'string') return undefined;
  const ms = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(text) ? text : `${text.replace(/(\.\d{3})\d*$/, '$1')}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The occurrence id: opaque, stable for one series and start. */
export function occurrenceId(masterId: string, startMs: number): string {
  return `${masterId}_${Buffer.from(new Date(startMs).toISOString()).toString('base64url')}`;
}

export function calendarView(
  records: readonly ItemRecord[],
  windowStart: number,
  windowEnd: number,
): CalendarInstance[] {
  const out: CalendarInstance[] = [];
  for (const record of records) {
    const start = eventTime(record.data['start']);
    const end = eventTime(record.data['end']) ?? start;
    if (start === undefined || end === undefined) continue;
    const overlaps = (s: number, e: number) => s < windowEnd && (e > windowStart || (e === s && s >= windowStart));
    const recurrence = record.data['recurrence'] as { pattern?: Pattern; range?: Range } | null | undefined;
    if (!recurrence?.pattern) {
      if (overlaps(start, end)) out.push({ record, kind: 'singleInstance', startMs: start, endMs: end, id: record.id });
      continue;
    }
    for (const s of occurrenceStarts(start, recurrence.pattern, recurrence.range ?? {}, windowEnd)) {
      if (overlaps(s, s + (end - start)))
        out.push({ record, kind: 'occurrence', startMs: s, endMs: s + (end - start), id: occurrenceId(record.id, s) });
    }
  }
  return out.sort((a, b) => a.startMs - b.startMs || a.id.localeCompare(b.id));
}

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

/** Occurrence starts of a series, in order, until the range ends or `until` is passed. */
function* occurrenceStarts(first: number, p: Pattern, r: Range, until: number): Generator<number> {
  const interval = Math.max(1, p.interval ?? 1);
  const timeOfDay = first % DAY;
  const rangeStart = r.startDate ? Date.parse(`${r.startDate}T00:00:00Z`) : first - timeOfDay;
  const rangeEnd = r.type === 'endDate' && r.endDate ? Date.parse(`${r.endDate}T00:00:00Z`) + DAY : Infinity;
  const limit = r.type === 'numbered' ? Math.max(0, r.numberOfOccurrences ?? 0) : Infinity;
  let count = 0;
  const emit = function* (t: number): Generator<number> {
    if (t < first || t < rangeStart) return;
    count += 1;
    yield t;
  };
  const firstDay = first - timeOfDay;
  for (let step = 0; count < limit && count < MAX_OCCURRENCES; step += 1) {
    let candidates: number[];
    const d = new Date(firstDay);
    switch (p.type) {
      case 'daily':
        candidates = [firstDay + step * interval * DAY];
        break;
      case 'weekly': {
        const weekStart = firstDay - d.getUTCDay() * DAY + step * interval * 7 * DAY;
        const days = (p.daysOfWeek ?? [WEEKDAYS[d.getUTCDay()]!])
          .map((w) => WEEKDAYS.indexOf(w.toLowerCase()))
          .filter((i) => i >= 0)
          .sort();
        candidates = days.map((i) => weekStart + i * DAY);
        break;
      }
      case 'absoluteMonthly': {
        const m = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + step * interval, 1));
        candidates = dayInMonth(m.getUTCFullYear(), m.getUTCMonth(), p.dayOfMonth ?? d.getUTCDate());
        break;
      }
      case 'absoluteYearly':
        candidates = dayInMonth(
          d.getUTCFullYear() + step * interval,
          (p.month ?? d.getUTCMonth() + 1) - 1,
          p.dayOfMonth ?? d.getUTCDate(),
        );
        break;
      default:
        // relativeMonthly / relativeYearly: not expanded (see the module comment).
        yield* emit(first);
        return;
    }
    for (const day of candidates) {
      const t = day + timeOfDay;
      if (t >= rangeEnd || t >= until) return;
      if (count >= limit) return;
      yield* emit(t);
    }
  }
}

/** That day of that month, or nothing when the month is shorter (Exchange skips it). */
function dayInMonth(year: number, month: number, day: number): number[] {
  const t = Date.UTC(year, month, day);
  return new Date(t).getUTCMonth() === ((month % 12) + 12) % 12 ? [t] : [];
}
