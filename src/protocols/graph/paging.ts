import { z } from 'zod';
import type { GraphHttp, GraphRequest } from './http.js';

/**
 * Graph collections come in pages: `value` plus `@odata.nextLink` while there is more
 * (microsoft.md §5.2). The link is followed verbatim: it carries $skip/$skiptoken and every
 * query option of the first request, and is not ours to parse. Delta pages end with
 * `@odata.deltaLink` instead (§5.3).
 */
export function pageSchema<T extends z.ZodType>(item: T) {
  return z.object({
    value: z.array(item),
    '@odata.nextLink': z.string().optional(),
    '@odata.deltaLink': z.string().optional(),
  });
}

export interface Page<T> {
  value: T[];
  nextLink?: string;
  deltaLink?: string;
}

/** The request for the page after `page`, or undefined on the last page. */
export function nextPageRequest(first: GraphRequest, nextLink: string | undefined): GraphRequest | undefined {
  if (!nextLink) return undefined;
  // The link already holds the query: adding `first.query` again would duplicate options.
  return { method: 'GET', url: nextLink, ...(first.headers ? { headers: first.headers } : {}), ...(first.operation ? { operation: first.operation } : {}) };
}

/** Yields each page of a collection, following nextLink until there is none. */
export async function* pages<T extends z.ZodType>(http: GraphHttp, first: GraphRequest, item: T): AsyncGenerator<Page<z.output<T>>> {
  const schema = pageSchema(item);
  let req: GraphRequest | undefined = first;
  while (req) {
    const body: z.output<typeof schema> = await http.json(req, schema);
    const page: Page<z.output<T>> = {
      value: body.value,
      ...(body['@odata.nextLink'] ? { nextLink: body['@odata.nextLink'] } : {}),
      ...(body['@odata.deltaLink'] ? { deltaLink: body['@odata.deltaLink'] } : {}),
    };
    yield page;
    req = nextPageRequest(first, page.nextLink);
  }
}

/** Every item of a collection, or the first `limit` items (stops fetching once it has them). */
export async function collect<T extends z.ZodType>(http: GraphHttp, first: GraphRequest, item: T, limit?: number): Promise<z.output<T>[]> {
  const out: z.output<T>[] = [];
  for await (const page of pages(http, first, item)) {
    out.push(...page.value);
    if (limit !== undefined && out.length >= limit) return out.slice(0, limit);
  }
  return out;
}
