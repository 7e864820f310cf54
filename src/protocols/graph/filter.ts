import { z } from 'zod';
import { ConfigError } from '../../errors.js';
import type { MessageFilter } from '../../message/filter.js';

/**
 * Filters → Graph `$filter`, keeping Exchange's sort rule (microsoft.md §5.2): a property in
 * `$orderby` must also appear in `$filter`, first and in the same order, or Graph answers
 * 400 InefficientFilter. We always sort by receivedDateTime (newest first, so `$top` gives the
 * newest), so receivedDateTime clauses go first, and a filter without one starts with an
 * always-true `receivedDateTime ge 1900-01-01T00:00:00Z`.
 */

export const GRAPH_ORDER_BY = 'receivedDateTime desc';
const ALWAYS_SINCE = 'receivedDateTime ge 1900-01-01T00:00:00Z';

/** An OData string literal: quotes doubled (the only escape OData has). */
export function odataString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/** OData DateTimeOffset literals are unquoted ISO timestamps. */
function odataDate(d: Date): string {
  return d.toISOString().replace(/\.000Z$/, 'Z');
}

export interface GraphQuery {
  filter?: string;
  orderby: string;
}

/**
 * The facade's filter model → $filter and $orderby. Sizes have no Graph property on messages,
 * so `larger`/`smaller` are refused with the protocols that can filter by size.
 */
export function messageFilterToGraph(f: MessageFilter = {}): GraphQuery {
  if (f.larger !== undefined || f.smaller !== undefined) {
    throw new ConfigError({
      code: 'FILTER_UNSUPPORTED',
      message: 'Microsoft Graph cannot filter messages by size',
      hint: 'drop --larger/--smaller, or use an IMAP or EWS resource for size filters',
      field: f.larger !== undefined ? 'larger' : 'smaller',
    });
  }
  const dated: string[] = [];
  if (f.since) dated.push(`receivedDateTime ge ${odataDate(f.since)}`);
  if (f.before) dated.push(`receivedDateTime lt ${odataDate(f.before)}`);
  const rest: string[] = [];
  if (f.unseen !== undefined) rest.push(`isRead eq ${f.unseen ? 'false' : 'true'}`);
  if (f.from) rest.push(addressClause('from/emailAddress/address', f.from));
  if (f.to) rest.push(`toRecipients/any(r:${addressClause('r/emailAddress/address', f.to)})`);
  if (f.subject) rest.push(`contains(subject,${odataString(f.subject)})`);
  if (f.hasAttachments !== undefined) rest.push(`hasAttachments eq ${f.hasAttachments}`);
  if (dated.length === 0 && rest.length === 0) return { orderby: GRAPH_ORDER_BY };
  const clauses = [...(dated.length ? dated : [ALWAYS_SINCE]), ...rest];
  return { filter: clauses.join(' and '), orderby: GRAPH_ORDER_BY };
}

/** IMAP FROM/TO match a part of the address; a whole address is matched exactly (cheaper at Exchange). */
function addressClause(path: string, value: string): string {
  return /^[^\s@]+@[^\s@]+$/.test(value) ? `${path} eq ${odataString(value.toLowerCase())}` : `contains(${path},${odataString(value)})`;
}

// ------------------------------------------------------------- the Exchange connector's conditions

/** The Exchange connector's Query operators. */
export const CONDITION_OPERATORS = ['=', '!=', '<', '<=', '>', '>=', 'between', 'like'] as const;
export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];

/** Message fields a condition may name, with their Graph property path and type. */
const FIELDS = {
  subject: { path: 'subject', type: 'string' },
  from: { path: 'from/emailAddress/address', type: 'string' },
  sender: { path: 'sender/emailAddress/address', type: 'string' },
  to: { path: 'toRecipients', type: 'recipients' },
  cc: { path: 'ccRecipients', type: 'recipients' },
  receivedDateTime: { path: 'receivedDateTime', type: 'date' },
  sentDateTime: { path: 'sentDateTime', type: 'date' },
  isRead: { path: 'isRead', type: 'boolean' },
  hasAttachments: { path: 'hasAttachments', type: 'boolean' },
  importance: { path: 'importance', type: 'string' },
  internetMessageId: { path: 'internetMessageId', type: 'string' },
} as const;
export type ConditionField = keyof typeof FIELDS;

const scalar = z.union([z.string(), z.number(), z.boolean()]);
export const filterConditionSchema = z.object({
  field: z.enum(Object.keys(FIELDS) as [ConditionField, ...ConditionField[]]),
  op: z.enum(CONDITION_OPERATORS),
  value: z.union([scalar, z.tuple([scalar, scalar])]),
});
export type FilterCondition = z.infer<typeof filterConditionSchema>;

const OPS: Record<Exclude<ConditionOperator, 'between' | 'like'>, string> = { '=': 'eq', '!=': 'ne', '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge' };

function bad(field: string, message: string, hint: string): ConfigError {
  return new ConfigError({ code: 'FILTER_INVALID', message, hint, field });
}

function literal(c: FilterCondition, v: string | number | boolean): string {
  const f = FIELDS[c.field];
  if (f.type === 'date') {
    const d = new Date(typeof v === 'boolean' ? NaN : v);
    if (Number.isNaN(d.getTime())) throw bad(c.field, `${c.field}: "${String(v)}" is not a date`, 'use a date like 2024-05-01 or 2024-05-01T09:00:00Z');
    return odataDate(d);
  }
  if (f.type === 'boolean') {
    if (v === true || v === 'true') return 'true';
    if (v === false || v === 'false') return 'false';
    throw bad(c.field, `${c.field}: "${String(v)}" is not true or false`, 'use true or false');
  }
  return odataString(String(v));
}

/** `like` with % wildcards: x% → startswith, %x → endswith, %x% → contains, no % → equality. */
function likeClause(path: string, pattern: string): string {
  const starts = pattern.startsWith('%');
  const ends = pattern.endsWith('%') && pattern.length > 1;
  const core = pattern.replace(/^%/, '').replace(/%$/, '');
  if (core.includes('%')) throw bad(path, `like "${pattern}": % may only stand at the start or the end`, 'use %text%, text% or %text');
  const lit = odataString(core);
  if (starts && ends) return `contains(${path},${lit})`;
  if (ends) return `startswith(${path},${lit})`;
  if (starts) return `endswith(${path},${lit})`;
  return `${path} eq ${lit}`;
}

function conditionClause(c: FilterCondition): string {
  const f = FIELDS[c.field];
  const target = f.type === 'recipients' ? 'r/emailAddress/address' : f.path;
  let clause: string;
  if (c.op === 'between') {
    if (!Array.isArray(c.value)) throw bad(c.field, `${c.field} between needs two values`, 'give [low, high]');
    clause = `${target} ge ${literal(c, c.value[0])} and ${target} le ${literal(c, c.value[1])}`;
  } else {
    if (Array.isArray(c.value)) throw bad(c.field, `${c.field} ${c.op} takes one value`, 'give one value (two only with between)');
    if (c.op === 'like') {
      if (f.type !== 'string' && f.type !== 'recipients') throw bad(c.field, `like applies to text fields, not ${c.field}`, 'use = or a comparison');
      clause = likeClause(target, String(c.value));
    } else {
      clause = `${target} ${OPS[c.op]} ${literal(c, c.value)}`;
    }
  }
  return f.type === 'recipients' ? `${f.path}/any(r:${clause})` : clause;
}

/**
 * The Exchange connector's conditions (all must hold) → $filter and $orderby, with the
 * receivedDateTime conditions first as the sort rule demands.
 */
export function conditionsToGraph(conditions: readonly FilterCondition[]): GraphQuery {
  const checked = conditions.map((c) => {
    const r = filterConditionSchema.safeParse(c);
    if (!r.success) {
      const issue = r.error.issues[0];
      throw bad(issue?.path.join('.') || 'filter', `invalid condition: ${issue?.message ?? 'bad value'}`, `fields: ${Object.keys(FIELDS).join(', ')}; operators: ${CONDITION_OPERATORS.join(' ')}`);
    }
    return r.data;
  });
  const dated = checked.filter((c) => c.field === 'receivedDateTime').map(conditionClause);
  const rest = checked.filter((c) => c.field !== 'receivedDateTime').map(conditionClause);
  if (dated.length === 0 && rest.length === 0) return { orderby: GRAPH_ORDER_BY };
  return { filter: [...(dated.length ? dated : [ALWAYS_SINCE]), ...rest].join(' and '), orderby: GRAPH_ORDER_BY };
}
