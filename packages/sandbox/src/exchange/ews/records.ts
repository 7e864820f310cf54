import type { CollectionName } from './folders.js';
import { t, ts, tText, type XNode } from './xml.js';

/**
 * EWS calendar items, contacts and tasks to the store's records (Graph's property names), so an
 * event created over EWS is the same event Graph lists.
 */

const TASK_STATUS: Record<string, string> = { NotStarted: 'notStarted', InProgress: 'inProgress', Completed: 'completed', WaitingOnOthers: 'waitingOnOthers', Deferred: 'deferred' };

function body(node: XNode): Record<string, unknown> {
  const b = t(node, 'Body');
  return b ? { body: { contentType: b.attrs.BodyType === 'HTML' ? 'html' : 'text', content: b.text } } : {};
}

/** xs:dateTime to Graph's dateTimeTimeZone in UTC. */
function dateTimeTimeZone(v: string | undefined): Record<string, string> | undefined {
  if (!v) return undefined;
  const ms = Date.parse(v);
  return Number.isNaN(ms) ? undefined : { dateTime: new Date(ms).toISOString().replace('Z', ''), timeZone: 'UTC' };
}

function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** The record fields present in a t:CalendarItem / t:Contact / t:Task element. */
export function recordFields(coll: CollectionName, node: XNode): Record<string, unknown> {
  if (coll === 'calendar') {
    const location = tText(node, 'Location');
    const allDay = tText(node, 'IsAllDayEvent');
    return defined({
      subject: tText(node, 'Subject'),
      ...body(node),
      start: dateTimeTimeZone(tText(node, 'Start')),
      end: dateTimeTimeZone(tText(node, 'End')),
      isAllDay: allDay === undefined ? undefined : allDay === 'true',
      location: location === undefined ? undefined : { displayName: location },
    });
  }
  if (coll === 'contacts') {
    const emails = ts(t(node, 'EmailAddresses'), 'Entry').map((e) => ({ address: e.text.trim(), ...(e.attrs.Name ? { name: e.attrs.Name } : {}) }));
    const phones = ts(t(node, 'PhoneNumbers'), 'Entry');
    const phone = (key: string) => phones.find((p) => p.attrs.Key === key)?.text.trim();
    const business = phone('BusinessPhone');
    return defined({
      displayName: tText(node, 'DisplayName'),
      givenName: tText(node, 'GivenName'),
      surname: tText(node, 'Surname'),
      companyName: tText(node, 'CompanyName'),
      jobTitle: tText(node, 'JobTitle'),
      emailAddresses: emails.length ? emails : undefined,
      businessPhones: business ? [business] : undefined,
      mobilePhone: phone('MobilePhone'),
    });
  }
  const status = tText(node, 'Status');
  return defined({
    title: tText(node, 'Subject'),
    ...body(node),
    dueDateTime: dateTimeTimeZone(tText(node, 'DueDate')),
    status: status ? TASK_STATUS[status] ?? 'notStarted' : undefined,
  });
}

/** The EWS element name of each collection's items. */
export const RECORD_ELEMENTS: Record<string, CollectionName> = { CalendarItem: 'calendar', Contact: 'contacts', Task: 'tasks' };
