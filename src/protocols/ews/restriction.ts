/**
 * The filter language → EWS restrictions (`<m:Restriction>`): the facade's MessageFilter, and
 * the Exchange connector's operators (=, !=, <, <=, >, >=, between, like) on named fields.
 * What EWS cannot express (a `like` that only fixes the end of a value) is an UnsupportedError
 * before any request.
 */
import { ConfigError, UnsupportedError } from '../../errors.js';
import type { MessageFilter } from '../../message/filter.js';
import { el, type XmlElement } from './soap.js';

export const OPERATORS = ['=', '!=', '<', '<=', '>', '>=', 'between', 'like'] as const;
export type Operator = (typeof OPERATORS)[number];
export type ConditionValue = string | number | boolean | Date;

export interface Condition {
  /** A field name from FIELDS (subject, from, receivedAt…) or an EWS FieldURI (item:Subject). */
  field: string;
  op: Operator;
  value: ConditionValue;
  /** The upper bound of `between` (inclusive, as the connector's between is). */
  to?: ConditionValue;
}

/** Friendly field names → EWS FieldURIs (mail, calendar, contacts, tasks). */
export const FIELDS: Record<string, string> = {
  subject: 'item:Subject',
  from: 'message:From',
  sender: 'message:Sender',
  to: 'message:ToRecipients',
  cc: 'message:CcRecipients',
  receivedAt: 'item:DateTimeReceived',
  sentAt: 'item:DateTimeSent',
  size: 'item:Size',
  isRead: 'message:IsRead',
  hasAttachments: 'item:HasAttachments',
  importance: 'item:Importance',
  messageId: 'message:InternetMessageId',
  start: 'calendar:Start',
  end: 'calendar:End',
  location: 'calendar:Location',
  displayName: 'contacts:DisplayName',
  givenName: 'contacts:GivenName',
  surname: 'contacts:Surname',
  companyName: 'contacts:CompanyName',
  title: 'item:Subject',
  status: 'task:Status',
  dueDateTime: 'task:DueDate',
};

function fieldUri(field: string): string {
  const uri = FIELDS[field] ?? (/^(item|message|calendar|contacts|task|folder|meeting|conversation|postitem|distributionlist):[A-Za-z]+$/.test(field) ? field : undefined);
  if (!uri) {
    throw new ConfigError({
      code: 'FILTER_FIELD_UNKNOWN',
      message: `EWS cannot filter on "${field}"`,
      hint: `use one of ${Object.keys(FIELDS).join(', ')}, or an EWS field URI such as item:Subject`,
      field: 'filter',
    });
  }
  return uri;
}

function constant(v: ConditionValue): string {
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) throw new ConfigError({ code: 'FILTER_INVALID', message: 'invalid date in filter', hint: 'use a date like 2024-05-01', field: 'filter' });
    // EWS compares xs:dateTime; whole seconds in UTC is what Exchange itself writes.
    return v.toISOString().replace(/\.\d{3}Z$/, 'Z');
  }
  return String(v);
}

const TWO_OPERAND: Record<Exclude<Operator, 'between' | 'like'>, string> = {
  '=': 't:IsEqualTo', '!=': 't:IsNotEqualTo', '<': 't:IsLessThan', '<=': 't:IsLessThanOrEqualTo', '>': 't:IsGreaterThan', '>=': 't:IsGreaterThanOrEqualTo',
};

function compare(op: keyof typeof TWO_OPERAND, uri: string, v: ConditionValue): XmlElement {
  return el(TWO_OPERAND[op], {}, el('t:FieldURI', { FieldURI: uri }), el('t:FieldURIOrConstant', {}, el('t:Constant', { Value: constant(v) })));
}

/** `Contains` with a containment mode, case-insensitive like the connector's like and IMAP SEARCH. */
export function contains(uri: string, value: string, mode: 'Substring' | 'Prefixed' | 'FullString' = 'Substring'): XmlElement {
  return el('t:Contains', { ContainmentMode: mode, ContainmentComparison: 'IgnoreCase' }, el('t:FieldURI', { FieldURI: uri }), el('t:Constant', { Value: value }));
}

/** SQL-style `like`: %x% contains, x% starts with, x exact; `_` and %x (ends with) have no EWS form. */
function like(uri: string, pattern: string): XmlElement {
  const lead = pattern.startsWith('%');
  const trail = pattern.endsWith('%') && pattern.length > 1;
  const core = pattern.replace(/^%/, '').replace(/%$/, '');
  if (core.includes('%') || core.includes('_') || core === '' || (lead && !trail)) {
    throw new UnsupportedError({
      code: 'FILTER_LIKE_UNSUPPORTED',
      message: `EWS cannot match "${pattern}": it matches whole values, prefixes (abc%) and substrings (%abc%) only`,
      hint: 'use %text% (contains) or text% (starts with); or use a Graph resource, whose $filter has endswith',
      field: 'filter',
      details: { protocol: 'ews', operator: 'like' },
    });
  }
  return contains(uri, core, lead ? 'Substring' : trail ? 'Prefixed' : 'FullString');
}

export function conditionXml(c: Condition): XmlElement {
  const uri = fieldUri(c.field);
  switch (c.op) {
    case 'between':
      if (c.to === undefined) {
        throw new ConfigError({ code: 'FILTER_INVALID', message: `between on ${c.field} needs an upper bound`, hint: 'give both ends: between A and B', field: 'filter' });
      }
      return el('t:And', {}, compare('>=', uri, c.value), compare('<=', uri, c.to));
    case 'like':
      return like(uri, String(c.value));
    default:
      return compare(c.op, uri, c.value);
  }
}

/** All conditions ANDed into `<m:Restriction>`; undefined when there are none. */
export function restrictionXml(conditions: readonly (Condition | XmlElement)[]): XmlElement | undefined {
  const parts = conditions.map((c) => ('op' in c ? conditionXml(c) : c));
  if (parts.length === 0) return undefined;
  return el('m:Restriction', {}, parts.length === 1 ? parts[0] : el('t:And', {}, ...parts));
}

/**
 * The facade's filter as EWS conditions: the same meaning as IMAP SEARCH (from/to/subject are
 * case-insensitive substrings; since is inclusive, before exclusive; sizes strict).
 */
export function messageFilterConditions(f: MessageFilter): Array<Condition | XmlElement> {
  const out: Array<Condition | XmlElement> = [];
  if (f.unseen !== undefined) out.push({ field: 'isRead', op: '=', value: !f.unseen });
  if (f.since) out.push({ field: 'receivedAt', op: '>=', value: f.since });
  if (f.before) out.push({ field: 'receivedAt', op: '<', value: f.before });
  if (f.from) out.push(contains(FIELDS.from ?? 'message:From', f.from));
  if (f.to) out.push(contains(FIELDS.to ?? 'message:ToRecipients', f.to));
  if (f.subject) out.push(contains('item:Subject', f.subject));
  if (f.hasAttachments !== undefined) out.push({ field: 'hasAttachments', op: '=', value: f.hasAttachments });
  if (f.larger !== undefined) out.push({ field: 'size', op: '>', value: f.larger });
  if (f.smaller !== undefined) out.push({ field: 'size', op: '<', value: f.smaller });
  return out;
}
