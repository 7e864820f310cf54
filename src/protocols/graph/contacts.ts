import { z } from 'zod';
import type { Contact, EntityInput, EntityQuery } from '../../message/entities.js';
import type { GraphHttp } from './http.js';
import { odataString } from './filter.js';
import { collect } from './paging.js';
import { seg } from './target.js';

/** Personal contacts (Graph `contact`, default contacts folder). */

export const graphContactSchema = z.object({
  id: z.string(),
  displayName: z.string().nullish(),
  givenName: z.string().nullish(),
  surname: z.string().nullish(),
  emailAddresses: z.array(z.object({ address: z.string().nullish(), name: z.string().nullish() })).nullish(),
  businessPhones: z.array(z.string()).nullish(),
  companyName: z.string().nullish(),
}).loose();

function toContact(c: z.output<typeof graphContactSchema>): Contact {
  return {
    id: c.id,
    ...(c.displayName ? { displayName: c.displayName } : {}),
    ...(c.givenName ? { givenName: c.givenName } : {}),
    ...(c.surname ? { surname: c.surname } : {}),
    emailAddresses: (c.emailAddresses ?? []).map((e) => e.address).filter((a): a is string => !!a),
    ...(c.businessPhones?.length ? { businessPhones: c.businessPhones } : {}),
    ...(c.companyName ? { companyName: c.companyName } : {}),
  };
}

function toGraph(input: Partial<EntityInput<'contacts'>>): Record<string, unknown> {
  return {
    ...(input.displayName !== undefined ? { displayName: input.displayName } : {}),
    ...(input.givenName !== undefined ? { givenName: input.givenName } : {}),
    ...(input.surname !== undefined ? { surname: input.surname } : {}),
    ...(input.emailAddresses !== undefined ? { emailAddresses: input.emailAddresses.map((address) => ({ address })) } : {}),
    ...(input.businessPhones !== undefined ? { businessPhones: input.businessPhones } : {}),
    ...(input.companyName !== undefined ? { companyName: input.companyName } : {}),
  };
}

export async function listContacts(http: GraphHttp, prefix: string, q: EntityQuery = {}): Promise<Contact[]> {
  const query = { $top: Math.min(q.limit ?? 100, 1000), ...(q.text ? { $filter: `contains(displayName,${odataString(q.text)})` } : {}) };
  return (await collect(http, { method: 'GET', url: `${prefix}/contacts`, query }, graphContactSchema, q.limit)).map(toContact);
}

export async function getContact(http: GraphHttp, prefix: string, id: string): Promise<Contact> {
  return toContact(await http.json({ method: 'GET', url: `${prefix}/contacts/${seg(id)}` }, graphContactSchema));
}

export async function createContact(http: GraphHttp, prefix: string, input: EntityInput<'contacts'>): Promise<Contact> {
  return toContact(await http.json({ method: 'POST', url: `${prefix}/contacts`, json: toGraph(input), operation: 'send' }, graphContactSchema));
}

export async function updateContact(http: GraphHttp, prefix: string, id: string, patch: Partial<EntityInput<'contacts'>>): Promise<Contact> {
  return toContact(await http.json({ method: 'PATCH', url: `${prefix}/contacts/${seg(id)}`, json: toGraph(patch), operation: 'send' }, graphContactSchema));
}

export async function deleteContact(http: GraphHttp, prefix: string, id: string): Promise<void> {
  await http.send({ method: 'DELETE', url: `${prefix}/contacts/${seg(id)}`, operation: 'send' });
}
