/**
 * FindItem: one page of a folder's items, with a restriction, a sort order and paging
 * (IndexedPageItemView), or a calendar's occurrences in a window (CalendarView).
 */
import { responseMessages, type EwsClient } from './client.js';
import { folderIdXml, type FolderRef } from './ids.js';
import { readItems, type EwsItem } from './items.js';
import { itemShapeXml, type ItemShape } from './shape.js';
import { attr, child, el, type XmlElement } from './soap.js';

export interface FindItemRequest {
  folder: FolderRef;
  shape?: ItemShape;
  /** `<m:Restriction>` from restriction.ts. */
  restriction?: XmlElement;
  /** Sort by a FieldURI (default: none, the server's order). */
  sort?: { field: string; order: 'Ascending' | 'Descending' };
  /** Paging (ignored with calendarView). */
  offset?: number;
  max?: number;
  /** Calendar occurrences overlapping [start, end). */
  calendarView?: { start: Date; end: Date; max?: number };
}

export interface FindItemPage {
  items: EwsItem[];
  totalItemsInView?: number;
  includesLastItemInRange: boolean;
  /** The offset of the next page (IndexedPagingOffset), when there is one. */
  nextOffset?: number;
}

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

export function findItemXml(r: FindItemRequest): XmlElement {
  const view = r.calendarView
    ? el('m:CalendarView', { MaxEntriesReturned: r.calendarView.max, StartDate: iso(r.calendarView.start), EndDate: iso(r.calendarView.end) })
    : el('m:IndexedPageItemView', { MaxEntriesReturned: r.max ?? 100, Offset: r.offset ?? 0, BasePoint: 'Beginning' });
  return el('m:FindItem', { Traversal: 'Shallow' },
    itemShapeXml(r.shape),
    view,
    // EWS takes no restriction with a CalendarView: callers filter those results themselves.
    !r.calendarView && r.restriction,
    r.sort && el('m:SortOrder', {}, el('t:FieldOrder', { Order: r.sort.order }, el('t:FieldURI', { FieldURI: r.sort.field }))),
    el('m:ParentFolderIds', {}, folderIdXml(r.folder)),
  );
}

export async function findItems(client: EwsClient, r: FindItemRequest): Promise<FindItemPage> {
  const resp = await client.call('FindItem', findItemXml(r));
  const m = responseMessages(resp)[0];
  const root = child(m, 'RootFolder');
  const items = readItems(child(root, 'Items'));
  const total = Number(attr(root, 'TotalItemsInView'));
  const last = attr(root, 'IncludesLastItemInRange') !== 'false';
  const next = Number(attr(root, 'IndexedPagingOffset'));
  return {
    items,
    ...(Number.isFinite(total) ? { totalItemsInView: total } : {}),
    includesLastItemInRange: last,
    ...(!last && Number.isFinite(next) ? { nextOffset: next } : !last ? { nextOffset: (r.offset ?? 0) + items.length } : {}),
  };
}

/** Every item of a search, page by page (bounded by `limit` when given). */
export async function findAllItems(client: EwsClient, r: Omit<FindItemRequest, 'offset' | 'max'>, o: { pageSize?: number; limit?: number } = {}): Promise<EwsItem[]> {
  const pageSize = o.pageSize ?? 250;
  const out: EwsItem[] = [];
  let offset = 0;
  for (;;) {
    const want = o.limit === undefined ? pageSize : Math.min(pageSize, o.limit - out.length);
    if (want <= 0) return out;
    const page = await findItems(client, { ...r, offset, max: want });
    out.push(...page.items);
    // A page with nothing new would loop forever on a server that misreports the range.
    if (page.includesLastItemInRange || page.items.length === 0 || page.nextOffset === undefined || page.nextOffset <= offset) return out;
    offset = page.nextOffset;
  }
}
