/**
 * Calendar events, contacts and tasks (src/message/entities.ts, Graph's field names) ↔ EWS
 * items: the item elements CreateItem takes (in types.xsd's element order), the UpdateItem
 * changes for a patch, and the reading of GetItem results.
 */
import { ConfigError } from '../../errors.js';
import type { CalendarEvent, Contact, EntityInput, EntityKind, EntityTypes, Task } from '../../message/entities.js';
import type { DistinguishedFolder } from './ids.js';
import { readMailbox, type EwsItem } from './items.js';
import { bool, child, children, el, leaf, ownText, attr, text, type XmlElement } from './soap.js';
import { deleteField, deleteIndexedField, setField, setIndexedField } from './update-item.js';

export const ENTITY_FOLDER: Record<EntityKind, DistinguishedFolder> = { calendar: 'calendar', contacts: 'contacts', tasks: 'tasks' };

/** What GetItem must return to fill each entity. */
export const ENTITY_PROPERTIES: Record<EntityKind, string[]> = {
  calendar: ['item:Subject', 'item:Body', 'calendar:Start', 'calendar:End', 'calendar:IsAllDayEvent', 'calendar:Location', 'calendar:RequiredAttendees'],
  contacts: ['contacts:DisplayName', 'contacts:GivenName', 'contacts:Surname', 'contacts:CompanyName', 'contacts:EmailAddresses', 'contacts:PhoneNumbers'],
  tasks: ['item:Subject', 'item:Body', 'item:Importance', 'task:DueDate', 'task:Status'],
};

const TASK_STATUS = { notStarted: 'NotStarted', inProgress: 'InProgress', completed: 'Completed', waitingOnOthers: 'WaitingOnOthers', deferred: 'Deferred' } as const;
const IMPORTANCE = { low: 'Low', normal: 'Normal', high: 'High' } as const;
const MAX_EMAILS = 3;
const MAX_BUSINESS_PHONES = 2;
const PHONE_KEYS = ['BusinessPhone', 'BusinessPhone2'] as const;

function dateTime(field: string, v: string): string {
  const d = new Date(v);
  if (Number.isNaN(d.getTime())) {
    throw new ConfigError({ code: 'ENTITY_FIELD_INVALID', message: `${field} "${v}" is not a date-time`, hint: 'use ISO 8601, e.g. 2024-05-01T09:00:00Z or 2024-05-01T09:00:00+09:00', field });
  }
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const textBody = (body: string | undefined) => (body === undefined ? undefined : el('t:Body', { BodyType: 'Text' }, body));

function emailEntries(list: readonly string[]): XmlElement | undefined {
  if (list.length > MAX_EMAILS) {
    throw new ConfigError({ code: 'ENTITY_FIELD_INVALID', message: `an EWS contact holds at most ${MAX_EMAILS} email addresses, got ${list.length}`, hint: 'keep three addresses (EmailAddress1-3)', field: 'emailAddresses' });
  }
  return list.length ? el('t:EmailAddresses', {}, ...list.map((a, i) => el('t:Entry', { Key: `EmailAddress${i + 1}` }, a))) : undefined;
}

function phoneEntries(list: readonly string[]): XmlElement | undefined {
  if (list.length > MAX_BUSINESS_PHONES) {
    throw new ConfigError({ code: 'ENTITY_FIELD_INVALID', message: `an EWS contact holds at most ${MAX_BUSINESS_PHONES} business phones, got ${list.length}`, hint: 'keep two business phone numbers', field: 'businessPhones' });
  }
  return list.length ? el('t:PhoneNumbers', {}, ...list.map((p, i) => el('t:Entry', { Key: PHONE_KEYS[i] ?? 'BusinessPhone' }, p))) : undefined;
}

const attendeesXml = (list: readonly string[] | undefined) =>
  list && list.length ? el('t:RequiredAttendees', {}, ...list.map((a) => el('t:Attendee', {}, el('t:Mailbox', {}, el('t:EmailAddress', {}, a))))) : undefined;

/** The item element CreateItem takes; ItemType fields first, then the kind's own (schema order). */
export function entityItemXml<K extends EntityKind>(kind: K, input: EntityInput<K>): XmlElement {
  switch (kind) {
    case 'calendar': {
      const e = input as EntityInput<'calendar'>;
      return el('t:CalendarItem', {},
        leaf('t:Subject', e.subject), textBody(e.body),
        el('t:Start', {}, dateTime('start', e.start)), el('t:End', {}, dateTime('end', e.end)),
        leaf('t:IsAllDayEvent', e.isAllDay), leaf('t:Location', e.location), attendeesXml(e.attendees));
    }
    case 'contacts': {
      const c = input as EntityInput<'contacts'>;
      return el('t:Contact', {},
        leaf('t:DisplayName', c.displayName), leaf('t:GivenName', c.givenName), leaf('t:CompanyName', c.companyName),
        emailEntries(c.emailAddresses ?? []), phoneEntries(c.businessPhones ?? []), leaf('t:Surname', c.surname));
    }
    default: {
      const t = input as EntityInput<'tasks'>;
      return el('t:Task', {},
        leaf('t:Subject', t.title), textBody(t.body), t.importance && el('t:Importance', {}, IMPORTANCE[t.importance]),
        t.dueDateTime !== undefined && el('t:DueDate', {}, dateTime('dueDateTime', t.dueDateTime)),
        el('t:Status', {}, TASK_STATUS[t.status ?? 'notStarted']));
    }
  }
}

/**
 * UpdateItem changes for a partial patch: only the fields present in it. Contacts' indexed
 * entries (EmailAddress1-3, BusinessPhone/2) beyond the new lists are deleted only where
 * `current` has them.
 */
export function entityUpdates<K extends EntityKind>(kind: K, patch: Partial<EntityInput<K>>, current?: EntityTypes[K]): XmlElement[] {
  const out: XmlElement[] = [];
  const set = (uri: string, element: string, value: XmlElement | undefined) => {
    out.push(value ? setField(uri, element, value) : deleteField(uri));
  };
  if (kind === 'calendar') {
    const p = patch as Partial<EntityInput<'calendar'>>;
    const E = 't:CalendarItem';
    if (p.subject !== undefined) set('item:Subject', E, leaf('t:Subject', p.subject));
    if ('body' in p) set('item:Body', E, textBody(p.body));
    if (p.start !== undefined) set('calendar:Start', E, el('t:Start', {}, dateTime('start', p.start)));
    if (p.end !== undefined) set('calendar:End', E, el('t:End', {}, dateTime('end', p.end)));
    if (p.isAllDay !== undefined) set('calendar:IsAllDayEvent', E, leaf('t:IsAllDayEvent', p.isAllDay));
    if ('location' in p) set('calendar:Location', E, leaf('t:Location', p.location));
    if ('attendees' in p) set('calendar:RequiredAttendees', E, attendeesXml(p.attendees));
  } else if (kind === 'contacts') {
    const p = patch as Partial<EntityInput<'contacts'>>;
    const E = 't:Contact';
    if ('displayName' in p) set('contacts:DisplayName', E, leaf('t:DisplayName', p.displayName));
    if ('givenName' in p) set('contacts:GivenName', E, leaf('t:GivenName', p.givenName));
    if ('surname' in p) set('contacts:Surname', E, leaf('t:Surname', p.surname));
    if ('companyName' in p) set('contacts:CompanyName', E, leaf('t:CompanyName', p.companyName));
    const now = current as Contact | undefined;
    if (p.emailAddresses !== undefined) {
      emailEntries(p.emailAddresses);
      const had = now ? now.emailAddresses.length : MAX_EMAILS;
      for (let i = 0; i < MAX_EMAILS; i++) {
        const key = `EmailAddress${i + 1}`;
        const a = p.emailAddresses[i];
        if (a !== undefined) out.push(setIndexedField('contacts:EmailAddress', key, E, el('t:EmailAddresses', {}, el('t:Entry', { Key: key }, a))));
        else if (i < had) out.push(deleteIndexedField('contacts:EmailAddress', key));
      }
    }
    if (p.businessPhones !== undefined) {
      phoneEntries(p.businessPhones);
      const had = now ? (now.businessPhones ?? []).length : MAX_BUSINESS_PHONES;
      PHONE_KEYS.forEach((key, i) => {
        const n = p.businessPhones?.[i];
        if (n !== undefined) out.push(setIndexedField('contacts:PhoneNumber', key, E, el('t:PhoneNumbers', {}, el('t:Entry', { Key: key }, n))));
        else if (i < had) out.push(deleteIndexedField('contacts:PhoneNumber', key));
      });
    }
  } else {
    const p = patch as Partial<EntityInput<'tasks'>>;
    const E = 't:Task';
    if (p.title !== undefined) set('item:Subject', E, leaf('t:Subject', p.title));
    if ('body' in p) set('item:Body', E, textBody(p.body));
    if (p.importance !== undefined) set('item:Importance', E, el('t:Importance', {}, IMPORTANCE[p.importance]));
    if ('dueDateTime' in p) set('task:DueDate', E, p.dueDateTime === undefined ? undefined : el('t:DueDate', {}, dateTime('dueDateTime', p.dueDateTime)));
    if (p.status !== undefined) set('task:Status', E, el('t:Status', {}, TASK_STATUS[p.status]));
  }
  return out;
}

const entries = (item: EwsItem, field: string) =>
  children(child(item.node, field), 'Entry').map((e) => ({ key: attr(e, 'Key') ?? '', value: ownText(e) ?? '' })).filter((e) => e.value !== '');

/** A GetItem result as the entity. */
export function readEntity<K extends EntityKind>(kind: K, item: EwsItem): EntityTypes[K] {
  const body = text(item.node, 'Body');
  if (kind === 'calendar') {
    const location = text(item.node, 'Location');
    const attendees = children(child(item.node, 'RequiredAttendees'), 'Attendee').map((a) => readMailbox(child(a, 'Mailbox'))?.address).filter((a): a is string => !!a);
    const e: CalendarEvent = {
      id: item.id,
      subject: text(item.node, 'Subject') ?? '',
      start: text(item.node, 'Start') ?? '',
      end: text(item.node, 'End') ?? '',
      ...(location ? { location } : {}),
      ...(body ? { body } : {}),
      ...(attendees.length ? { attendees } : {}),
      isAllDay: bool(item.node, 'IsAllDayEvent') ?? false,
    };
    return e as EntityTypes[K];
  }
  if (kind === 'contacts') {
    const opt = (name: string, key: keyof Contact) => {
      const v = text(item.node, name);
      return v ? { [key]: v } : {};
    };
    const phones = entries(item, 'PhoneNumbers').filter((e) => e.key.startsWith('BusinessPhone')).map((e) => e.value);
    const c: Contact = {
      id: item.id,
      ...opt('DisplayName', 'displayName'), ...opt('GivenName', 'givenName'), ...opt('Surname', 'surname'), ...opt('CompanyName', 'companyName'),
      emailAddresses: entries(item, 'EmailAddresses').sort((a, b) => a.key.localeCompare(b.key)).map((e) => e.value),
      ...(phones.length ? { businessPhones: phones } : {}),
    };
    return c as EntityTypes[K];
  }
  const status = text(item.node, 'Status');
  const importance = text(item.node, 'Importance');
  const due = text(item.node, 'DueDate');
  const statusKey = (Object.keys(TASK_STATUS) as Array<keyof typeof TASK_STATUS>).find((k) => TASK_STATUS[k] === status) ?? 'notStarted';
  const importanceKey = (Object.keys(IMPORTANCE) as Array<keyof typeof IMPORTANCE>).find((k) => IMPORTANCE[k] === importance);
  const t: Task = {
    id: item.id,
    title: text(item.node, 'Subject') ?? '',
    status: statusKey,
    ...(due ? { dueDateTime: due } : {}),
    ...(body ? { body } : {}),
    ...(importanceKey ? { importance: importanceKey } : {}),
  };
  return t as EntityTypes[K];
}

/** Free-text match the entity query's `text` means (subject / display name / title). */
export function entityText(kind: EntityKind, e: EntityTypes[EntityKind]): string {
  if (kind === 'contacts') {
    const c = e as Contact;
    return [c.displayName, c.givenName, c.surname, ...c.emailAddresses].filter(Boolean).join(' ');
  }
  return kind === 'calendar' ? (e as CalendarEvent).subject : (e as Task).title;
}
