import type { ItemRecord, StoredMessage } from '../../contract.js';
import { calendarView, type CalendarInstance } from '../../calendar/occurrences.js';
import { resolveFolder, type EwsFolder } from '../folders.js';
import { COLLECTION_ELEMENT, itemShapeOf, MESSAGE_ELEMENT, serializeMessage, serializeRecord } from '../items.js';
import { parseRestriction } from '../restriction.js';
import { EwsError } from '../soap.js';
import { m, t, type XNode, type XmlObject } from '../xml.js';
import { each, schemaError, type Operation } from './types.js';

/** EWSFindCountLimit in Exchange Online: at most this many items per FindItem page. */
export const FIND_COUNT_LIMIT = 1000;

interface Page {
  offset: number;
  max: number;
  fromEnd: boolean;
}

function parsePage(view: XNode | undefined): Page {
  if (!view) return { offset: 0, max: FIND_COUNT_LIMIT, fromEnd: false };
  const max = view.attrs.MaxEntriesReturned === undefined ? FIND_COUNT_LIMIT : Number(view.attrs.MaxEntriesReturned);
  const offset = Number(view.attrs.Offset ?? 0);
  if (!Number.isInteger(max) || max < 1) throw new EwsError('ErrorInvalidPagingMaxRows', 'The paging MaxEntriesReturned value is invalid.');
  if (!Number.isInteger(offset) || offset < 0) throw schemaError('IndexedPageItemView Offset must be a non-negative integer.');
  return { offset, max: Math.min(max, FIND_COUNT_LIMIT), fromEnd: view.attrs.BasePoint === 'End' };
}

function sortMessages(list: StoredMessage[], order: XNode | undefined): StoredMessage[] {
  const field = t(order, 'FieldOrder');
  const uri = t(field, 'FieldURI')?.attrs.FieldURI ?? 'item:DateTimeReceived';
  const dir = field?.attrs.Order === 'Ascending' ? 1 : -1;
  const key = (msg: StoredMessage): string | number => {
    if (uri === 'item:Subject') return msg.summary.subject.toLowerCase();
    if (uri === 'item:Size') return msg.size;
    if (uri === 'item:DateTimeSent') return msg.summary.sentAt ?? msg.receivedAt;
    if (uri === 'message:From') return msg.summary.from?.address ?? '';
    if (uri === 'item:DateTimeReceived') return msg.receivedAt;
    throw new EwsError('ErrorUnsupportedPathForSortGroup', `Sorting by ${uri} is not supported.`);
  };
  // UID breaks ties so paging is stable.
  return [...list].sort((a, b) => {
    const ka = key(a), kb = key(b);
    return (ka < kb ? -1 : ka > kb ? 1 : a.uid - b.uid) * dir;
  });
}

function pageOf<T>(all: T[], page: Page): { items: T[]; next: number; last: boolean } {
  const total = all.length;
  const start = page.fromEnd ? Math.max(0, total - page.offset - page.max) : page.offset;
  const end = page.fromEnd ? Math.max(0, total - page.offset) : Math.min(total, page.offset + page.max);
  const items = all.slice(start, end);
  const last = page.fromEnd ? start === 0 : end >= total;
  return { items, next: page.offset + items.length, last };
}

/** An expanded occurrence as a record of its own: its id, its times, marked as an occurrence. */
function asRecord(i: CalendarInstance): ItemRecord {
  if (i.kind === 'singleInstance') return i.record;
  const at = (ms: number) => ({ dateTime: new Date(ms).toISOString().replace('Z', ''), timeZone: 'UTC' });
  return { ...i.record, id: i.id, data: { ...i.record.data, start: at(i.startMs), end: at(i.endMs), type: 'occurrence' } };
}

function parseCalendarView(view: XNode | undefined): { start: number; end: number; max: number } | undefined {
  if (!view) return undefined;
  const start = Date.parse(view.attrs.StartDate ?? '');
  const end = Date.parse(view.attrs.EndDate ?? '');
  if (Number.isNaN(start) || Number.isNaN(end)) throw schemaError("CalendarView needs the attributes 'StartDate' and 'EndDate'.");
  if (end < start) throw new EwsError('ErrorCalendarEndDateIsEarlierThanStartDate', 'EndDate is earlier than StartDate');
  const max = view.attrs.MaxEntriesReturned === undefined ? FIND_COUNT_LIMIT : Number(view.attrs.MaxEntriesReturned);
  if (!Number.isInteger(max) || max < 1) throw new EwsError('ErrorInvalidPagingMaxRows', 'The paging MaxEntriesReturned value is invalid.');
  return { start, end, max: Math.min(max, FIND_COUNT_LIMIT) };
}

async function findIn(folder: EwsFolder, op: XNode, page: Page): Promise<XmlObject> {
  const shape = itemShapeOf(op, true);
  const calendarWindow = parseCalendarView(m(op, 'CalendarView'));
  const restriction = m(op, 'Restriction');
  let entries: { element: string; content: Promise<XmlObject> | XmlObject }[] = [];
  let total = 0;
  let last = true;
  let next = page.offset;
  if (folder.kind === 'mail') {
    const predicate = parseRestriction(restriction);
    const matching = sortMessages(folder.folder.list().filter(predicate), m(op, 'SortOrder'));
    const p = pageOf(matching, page);
    total = matching.length; last = p.last; next = p.next;
    entries = p.items.map((msg) => ({ element: MESSAGE_ELEMENT, content: serializeMessage(folder, msg, shape) }));
  } else if (folder.kind === 'collection' && calendarWindow) {
    // CalendarView: items overlapping [StartDate, EndDate), recurring series expanded into
    // occurrences, by start; at most MaxEntriesReturned (no paging offset in this view).
    // https://learn.microsoft.com/exchange/client-developer/web-service-reference/calendarview
    if (folder.name !== 'calendar') throw new EwsError('ErrorInvalidOperation', 'CalendarView is valid on calendar folders only.');
    const all = calendarView(folder.mailbox.calendar.list(), calendarWindow.start, calendarWindow.end);
    const shown = all.slice(0, calendarWindow.max);
    total = all.length; last = shown.length === all.length; next = shown.length;
    entries = shown.map((i) => ({ element: COLLECTION_ELEMENT.calendar, content: serializeRecord(folder, asRecord(i), shape) }));
  } else if (folder.kind === 'collection') {
    if (restriction) throw new EwsError('ErrorUnsupportedQueryFilter', 'Restrictions are supported on mail folders only in the sandbox.');
    const records = [...folder.mailbox[folder.name].list()].sort((a, b) => b.createdAt - a.createdAt || a.id.localeCompare(b.id));
    const p = pageOf(records, page);
    total = records.length; last = p.last; next = p.next;
    entries = p.items.map((rec) => ({ element: COLLECTION_ELEMENT[folder.name], content: serializeRecord(folder, rec, shape) }));
  }
  const items: Record<string, XmlObject[]> = {};
  for (const e of entries) (items[e.element] ??= []).push(await e.content);
  return {
    'm:RootFolder': {
      ...(calendarWindow ? {} : { '@_IndexedPagingOffset': next }),
      '@_TotalItemsInView': total,
      '@_IncludesLastItemInRange': last,
      't:Items': entries.length ? items : '',
    },
  };
}

export const findItem: Operation = async (call, op) => {
  const traversal = op.attrs.Traversal;
  if (!traversal) throw schemaError("The required attribute 'Traversal' is missing.");
  if (traversal !== 'Shallow') throw new EwsError('ErrorInvalidOperation', `Traversal ${traversal} is not supported by the sandbox (Shallow only).`);
  if (!m(op, 'ItemShape')) throw schemaError("The element 'FindItem' is missing 'ItemShape'.");
  const parents = m(op, 'ParentFolderIds')?.children ?? [];
  if (!parents.length) throw schemaError("The element 'FindItem' is missing 'ParentFolderIds'.");
  const page = parsePage(m(op, 'IndexedPageItemView'));
  return each('FindItemResponseMessage', parents, (ref) => findIn(resolveFolder(call, ref), op, page));
};
