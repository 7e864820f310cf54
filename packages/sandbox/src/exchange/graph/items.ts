import type { FastifyInstance } from 'fastify';
import { z, type ZodType } from 'zod';
import type { ItemCollection } from '../contract.js';
import { checkIdFormat, notFoundItem } from './errors.js';
import { linkWith, mailboxRoute, parseBody } from './http.js';
import { evaluateFilter } from './odata/filter.js';
import { applySelect, parseListQuery, sortBy, type EntityShape } from './odata/query.js';
import type { GraphNeed } from './permissions.js';
import { itemJson } from './serialize.js';
import type { GraphCall } from './state.js';

/** Events, contacts and tasks are free-form JSON records: any property name is accepted. */
export class AnyProperty extends Set<string> {
  override has(): boolean {
    return true;
  }
}

const READ_ONLY = ['id', 'changeKey', 'createdDateTime', 'lastModifiedDateTime', '@odata.etag', '@odata.context'];

const stripReadOnly = (data: Record<string, unknown>): Record<string, unknown> =>
  Object.fromEntries(Object.entries(data).filter(([k]) => !READ_ONLY.includes(k)));

export interface ItemRoutes {
  /** Collection paths after /me or /users/{id} (e.g. ['/events', '/calendar/events']). */
  paths: string[];
  /** The entity set in @odata.context (events, contacts, todo/lists('x')/tasks). */
  entitySet: (call: GraphCall, params: Record<string, string>) => string;
  typeName: string;
  collection: (call: GraphCall, params: Record<string, string>) => ItemCollection;
  read: GraphNeed;
  write: GraphNeed;
  /** What a create must carry (subject/start/end for events, title for tasks…). */
  createSchema: ZodType<Record<string, unknown>>;
}

/** list (OData options), get, create (201), PATCH (200), DELETE (204) over one ItemCollection. */
export function registerItemRoutes(app: FastifyInstance, spec: ItemRoutes): void {
  const shape: EntityShape = { typeName: spec.typeName, properties: new AnyProperty() };
  const patchSchema = z.record(z.string(), z.unknown());
  for (const path of spec.paths) {
    mailboxRoute(app, 'GET', path, spec.read, async (req, _reply, call) => {
      const params = req.params as Record<string, string>;
      const q = parseListQuery(req.query as Record<string, unknown>, shape);
      let rows = spec.collection(call, params).list().map(itemJson);
      if (q.filter) rows = rows.filter((r) => evaluateFilter(q.filter!, r));
      if (q.orderby.length > 0) sortBy(rows, q.orderby, (r, p) => p.split('/').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), r));
      return {
        '@odata.context': `${call.base}/$metadata#${call.contextPath}/${spec.entitySet(call, params)}`,
        ...(q.count ? { '@odata.count': rows.length } : {}),
        value: rows.slice(q.skip, q.skip + q.top).map((r) => applySelect(r, q.select)),
        ...(q.skip + q.top < rows.length ? { '@odata.nextLink': linkWith(req, { $skip: String(q.skip + q.top) }) } : {}),
      };
    });

    mailboxRoute(app, 'POST', path, spec.write, async (req, reply, call) => {
      const params = req.params as Record<string, string>;
      const data = stripReadOnly(parseBody(spec.createSchema, req.body));
      const item = spec.collection(call, params).create(data);
      return reply.code(201).send({ '@odata.context': `${call.base}/$metadata#${call.contextPath}/${spec.entitySet(call, params)}/$entity`, ...itemJson(item) });
    });

    mailboxRoute(app, 'GET', `${path}/:itemId`, spec.read, async (req, _reply, call) => {
      const params = req.params as Record<string, string>;
      checkIdFormat(params['itemId'] ?? '');
      const item = spec.collection(call, params).get(params['itemId'] ?? '');
      if (!item) throw notFoundItem();
      const q = parseListQuery({ $select: (req.query as Record<string, unknown>)['$select'] }, shape);
      return { '@odata.context': `${call.base}/$metadata#${call.contextPath}/${spec.entitySet(call, params)}/$entity`, ...applySelect(itemJson(item), q.select) };
    });

    mailboxRoute(app, 'PATCH', `${path}/:itemId`, spec.write, async (req, _reply, call) => {
      const params = req.params as Record<string, string>;
      checkIdFormat(params['itemId'] ?? '');
      const item = spec.collection(call, params).update(params['itemId'] ?? '', stripReadOnly(parseBody(patchSchema, req.body)));
      if (!item) throw notFoundItem();
      return { '@odata.context': `${call.base}/$metadata#${call.contextPath}/${spec.entitySet(call, params)}/$entity`, ...itemJson(item) };
    });

    mailboxRoute(app, 'DELETE', `${path}/:itemId`, spec.write, async (req, reply, call) => {
      const params = req.params as Record<string, string>;
      checkIdFormat(params['itemId'] ?? '');
      if (!spec.collection(call, params).delete(params['itemId'] ?? '')) throw notFoundItem();
      return reply.code(204).send();
    });
  }
}
