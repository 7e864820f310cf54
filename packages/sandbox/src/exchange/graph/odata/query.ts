import { badRequest, GraphError } from '../errors.js';
import { checkFilterProperties, filterProperties, parseFilter, type FilterNode } from './filter.js';

/** The query options of a collection GET (microsoft.md §5.2). */
export interface ListQuery {
  filter?: FilterNode;
  select?: string[];
  top: number;
  skip: number;
  orderby: { path: string; desc: boolean }[];
  count: boolean;
  search?: string;
}

export interface EntityShape {
  typeName: string;
  /** Top-level property names (for $select, $filter and $orderby checks). */
  properties: ReadonlySet<string>;
}

export const DEFAULT_PAGE_SIZE = 10;
export const MAX_PAGE_SIZE = 1000;

function single(query: Record<string, unknown>, name: string): string | undefined {
  const v = query[name];
  if (v === undefined) return undefined;
  if (Array.isArray(v)) throw badRequest(`Query option '${name}' was specified more than once, but it must be specified at most once.`);
  return String(v);
}

function integer(name: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw badRequest(`Invalid value '${raw}' for query option ${name}: an integer from ${min} to ${max} is expected.`, 'ErrorInvalidUrlQuery');
  }
  return Number(raw);
}

/** `$select=a,b` checked against the entity's properties. */
export function parseSelect(raw: string | undefined, shape: EntityShape): string[] | undefined {
  if (raw === undefined) return undefined;
  const names = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) {
    if (!shape.properties.has(n)) throw badRequest(`Could not find a property named '${n}' on type '${shape.typeName}'.`, 'RequestBroker--ParseUri');
  }
  return names;
}

/** Parse and check $filter/$select/$top/$skip/$orderby/$count/$search of a list request. */
export function parseListQuery(query: Record<string, unknown>, shape: EntityShape, opts: { defaultTop?: number } = {}): ListQuery {
  const filterRaw = single(query, '$filter');
  const orderRaw = single(query, '$orderby');
  const search = single(query, '$search');
  const filter = filterRaw === undefined ? undefined : parseFilter(filterRaw);
  if (filter) checkFilterProperties(filter, shape.properties, shape.typeName);
  const orderby = (orderRaw ?? '').split(',').map((s) => s.trim()).filter(Boolean).map((part) => {
    const [path = '', dir = 'asc', ...extra] = part.split(/\s+/);
    if (extra.length > 0 || !/^(asc|desc)$/i.test(dir)) throw badRequest(`Invalid $orderby clause '${part}'.`);
    if (!shape.properties.has(path.split('/')[0]!)) throw badRequest(`Could not find a property named '${path}' on type '${shape.typeName}'.`, 'RequestBroker--ParseUri');
    return { path, desc: dir.toLowerCase() === 'desc' };
  });
  if (search !== undefined && orderby.length > 0) throw badRequest('The query parameter \'$orderby\' is invalid.', 'ErrorInvalidUrlQuery');
  // Exchange serves $filter+$orderby only from an index whose leading keys are the sort keys.
  if (filter && orderby.length > 0) {
    const props = filterProperties(filter);
    if (!orderby.every((o, i) => props[i] === o.path)) {
      throw new GraphError(400, 'InefficientFilter', 'The restriction or sort order is too complex for this operation.');
    }
  }
  const topRaw = single(query, '$top');
  const skipRaw = single(query, '$skip');
  const countRaw = single(query, '$count');
  return {
    ...(filter ? { filter } : {}),
    ...(search !== undefined ? { search: search.replace(/^"(.*)"$/, '$1') } : {}),
    ...(() => { const s = parseSelect(single(query, '$select'), shape); return s ? { select: s } : {}; })(),
    top: topRaw === undefined ? (opts.defaultTop ?? DEFAULT_PAGE_SIZE) : integer('$top', topRaw, 1, MAX_PAGE_SIZE),
    skip: skipRaw === undefined ? 0 : integer('$skip', skipRaw, 0, Number.MAX_SAFE_INTEGER),
    orderby,
    count: countRaw === 'true',
  };
}

/** Order values from `get`, `null`/undefined last, as Exchange sorts missing values. */
export function sortBy<T>(items: T[], orderby: ListQuery['orderby'], get: (item: T, path: string) => unknown): T[] {
  return items.sort((a, b) => {
    for (const o of orderby) {
      const x = get(a, o.path);
      const y = get(b, o.path);
      if (x === y) continue;
      if (x === undefined || x === null) return 1;
      if (y === undefined || y === null) return -1;
      const lx = typeof x === 'string' ? x.toLowerCase() : x;
      const ly = typeof y === 'string' ? y.toLowerCase() : y;
      if (lx === ly) continue;
      const c = (lx as number) < (ly as number) ? -1 : 1;
      return o.desc ? -c : c;
    }
    return 0;
  });
}

/** Apply $select to an entity JSON (`@odata.*` annotations and `id` always stay). */
export function applySelect(entity: Record<string, unknown>, select: string[] | undefined): Record<string, unknown> {
  if (!select) return entity;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(entity)) if (k.startsWith('@odata.') || k === 'id' || select.includes(k)) out[k] = v;
  return out;
}
