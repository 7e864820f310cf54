import { z } from 'zod';
import { ProtocolError, isMailbridgeError } from '../../errors.js';
import { ERROR_FAMILY } from '../errors.js';
import type { GraphHttp, GraphRequest } from './http.js';
import { nextPageRequest, pageSchema } from './paging.js';
import { graphMessageSchema, removedSchema, type GraphMessage } from './schemas.js';
import { seg } from './target.js';

/**
 * Per-folder delta sync (microsoft.md §5.3): the first round lists the folder, each later
 * round GETs the saved deltaLink and gets only what changed: new or updated messages, and
 * `@removed` entries for messages deleted or moved out. The deltaLink is the checkpoint the
 * caller stores. A token the server no longer knows (410 syncStateNotFound/resyncRequired)
 * restarts with a full sync, flagged `restarted` so the caller can reconcile.
 */

export interface DeltaOptions {
  folderId: string;
  /** The deltaLink of the previous round; absent: full sync. */
  deltaLink?: string;
  select?: string[];
  /** Prefer: odata.maxpagesize. */
  pageSize?: number;
}

export interface DeltaResult {
  /** Messages created or changed (all messages on a full sync). */
  changed: GraphMessage[];
  /** Ids of messages deleted or moved out of the folder. */
  removed: string[];
  deltaLink: string;
  /** True when the saved deltaLink was refused and a full sync was done instead. */
  restarted: boolean;
}

const deltaItemSchema = z.union([removedSchema.transform((r) => ({ removed: r.id })), graphMessageSchema.transform((m) => ({ message: m }))]);
const deltaPageSchema = pageSchema(deltaItemSchema);

async function round(http: GraphHttp, first: GraphRequest): Promise<Omit<DeltaResult, 'restarted'>> {
  const changed = new Map<string, GraphMessage>();
  const removed = new Set<string>();
  let req: GraphRequest | undefined = first;
  for (;;) {
    const page: z.output<typeof deltaPageSchema> = await http.json(req, deltaPageSchema);
    for (const item of page.value) {
      if ('removed' in item) {
        changed.delete(item.removed);
        removed.add(item.removed);
      } else {
        removed.delete(item.message.id);
        changed.set(item.message.id, item.message);
      }
    }
    const deltaLink = page['@odata.deltaLink'];
    if (deltaLink) return { changed: [...changed.values()], removed: [...removed], deltaLink };
    req = nextPageRequest(first, page['@odata.nextLink']);
    if (!req) {
      throw new ProtocolError({
        code: 'GRAPH_RESPONSE_INVALID',
        message: 'a delta page had neither @odata.nextLink nor @odata.deltaLink',
        hint: 'check that the base URL points at Microsoft Graph; otherwise report this with the request-id',
        details: { family: ERROR_FAMILY.receive, protocol: 'graph' },
      });
    }
  }
}

export async function messagesDelta(http: GraphHttp, prefix: string, o: DeltaOptions): Promise<DeltaResult> {
  const headers = o.pageSize ? { prefer: `odata.maxpagesize=${o.pageSize}` } : undefined;
  const full: GraphRequest = {
    method: 'GET',
    url: `${prefix}/mailFolders/${seg(o.folderId)}/messages/delta`,
    ...(o.select ? { query: { $select: o.select.join(',') } } : {}),
    ...(headers ? { headers } : {}),
  };
  if (!o.deltaLink) return { ...(await round(http, full)), restarted: false };
  try {
    // The link holds every query option of the first round (§5.3): none are added.
    return { ...(await round(http, { method: 'GET', url: o.deltaLink, ...(headers ? { headers } : {}) })), restarted: false };
  } catch (e) {
    if (!isMailbridgeError(e) || e.code !== 'GRAPH_SYNC_RESET') throw e;
    return { ...(await round(http, full)), restarted: true };
  }
}
