import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Folder, StoredMessage } from '../../contract.js';
import { badRequest, GraphError, notFoundItem } from '../errors.js';
import { linkWith, mailboxRoute, preferredBodyType, preferredPageSize } from '../http.js';
import { parseFilter, type FilterNode } from '../odata/filter.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, parseSelect } from '../odata/query.js';
import { MESSAGE_SHAPE, messageJson, needsParse, parseStored } from '../serialize.js';
import { findFolder } from '../state.js';

/**
 * Delta state travels in the opaque $skiptoken / $deltatoken (base64url JSON), so any server
 * sharing the store can continue a sync. A round's first pass walks the folder by uid (a cursor,
 * so deletions between pages cannot skip an item); later rounds read the folder's change log
 * between two sequence numbers, which never changes once written.
 */
const tokenSchema = z.object({
  v: z.literal(1),
  f: z.string(),
  uv: z.number(),
  /** Change-log seq the round starts after. */
  s: z.number().int().nonnegative(),
  /** Initial pass: last uid sent. */
  u: z.number().int().nonnegative().optional(),
  /** Incremental pass: change-log seq the round ends at, and entries already sent. */
  e: z.number().int().nonnegative().optional(),
  o: z.number().int().nonnegative().optional(),
  sel: z.array(z.string()).optional(),
  ps: z.number().int().positive(),
  ct: z.array(z.enum(['created', 'updated', 'deleted'])).optional(),
  since: z.object({ ms: z.number(), strict: z.boolean() }).optional(),
});
type DeltaToken = z.infer<typeof tokenSchema>;

const encodeToken = (t: DeltaToken): string => Buffer.from(JSON.stringify(t)).toString('base64url');

function decodeToken(text: string, folder: Folder): DeltaToken {
  let parsed: DeltaToken;
  try {
    parsed = tokenSchema.parse(JSON.parse(Buffer.from(text, 'base64url').toString('utf8')));
  } catch {
    throw new GraphError(410, 'syncStateNotFound', 'The sync state could not be found. Restart the synchronization with a new delta request.');
  }
  const current = folder.changesSince(Number.MAX_SAFE_INTEGER).seq;
  if (parsed.f !== folder.id || parsed.uv !== folder.uidValidity || parsed.s > current || (parsed.e ?? 0) > current) {
    throw new GraphError(410, 'resyncRequired', 'The sync state is no longer valid for this folder. Restart the synchronization with a new delta request.');
  }
  return parsed;
}

/** Delta accepts only `receivedDateTime ge|gt {value}` (microsoft.md §5.3). */
function deltaSince(filterText: string | undefined): DeltaToken['since'] {
  if (filterText === undefined) return undefined;
  const node: FilterNode = parseFilter(filterText);
  if (node.kind === 'cmp' && (node.op === 'ge' || node.op === 'gt') && node.left.kind === 'path' && node.left.path.join('/') === 'receivedDateTime'
    && node.right.kind === 'lit' && (typeof node.right.value === 'number' || typeof node.right.value === 'string')) {
    const ms = typeof node.right.value === 'number' ? node.right.value : Date.parse(node.right.value);
    if (!Number.isNaN(ms)) return { ms, strict: node.op === 'gt' };
  }
  throw badRequest('Delta queries support only $filter=receivedDateTime ge|gt {value}.', 'ErrorInvalidUrlQuery');
}

function firstToken(req: FastifyRequest, folder: Folder): DeltaToken {
  const query = req.query as Record<string, string | undefined>;
  const sel = parseSelect(query['$select'], MESSAGE_SHAPE);
  const topRaw = query['$top'];
  const top = topRaw !== undefined && /^\d+$/.test(topRaw) ? Math.min(MAX_PAGE_SIZE, Math.max(1, Number(topRaw))) : undefined;
  const ct = query['changeType']?.split(',').map((s) => s.trim());
  const ctParsed = ct ? z.array(z.enum(['created', 'updated', 'deleted'])).safeParse(ct) : undefined;
  if (ctParsed && !ctParsed.success) throw badRequest(`Invalid changeType '${query['changeType']}'.`, 'ErrorInvalidUrlQuery');
  const since = deltaSince(query['$filter']);
  return {
    v: 1, f: folder.id, uv: folder.uidValidity, s: folder.changesSince(Number.MAX_SAFE_INTEGER).seq, u: 0,
    ps: preferredPageSize(req) ?? top ?? DEFAULT_PAGE_SIZE,
    ...(sel ? { sel } : {}), ...(ctParsed?.success ? { ct: ctParsed.data } : {}), ...(since ? { since } : {}),
  };
}

const inWindow = (msg: StoredMessage, since: DeltaToken['since']): boolean =>
  !since || (since.strict ? msg.receivedAt > since.ms : msg.receivedAt >= since.ms);

/** GET .../mailFolders/{id}/messages/delta: nextLink pages, then a deltaLink; @removed for deletions. */
export function registerDeltaRoutes(app: FastifyInstance): void {
  mailboxRoute(app, 'GET', '/mailFolders/:folder/messages/delta', 'mail.read', async (req, reply, call) => {
    const folder = findFolder(call.mailbox, (req.params as { folder: string }).folder);
    if (!folder) throw notFoundItem();
    const query = req.query as Record<string, string | undefined>;
    const given = query['$skiptoken'] ?? query['$deltatoken'];
    const token = given !== undefined ? decodeToken(given, folder) : firstToken(req, folder);
    const bodyType = preferredBodyType(req, reply);
    const render = async (msg: StoredMessage): Promise<Record<string, unknown>> => {
      const parsed = needsParse(token.sel) ? await parseStored(folder, msg) : undefined;
      return { '@odata.type': '#microsoft.graph.message', ...messageJson(msg, folder, parsed, { bodyType, select: token.sel }) };
    };
    const value: Record<string, unknown>[] = [];
    let next: DeltaToken | undefined;
    let endSeq: number;
    if (token.u !== undefined) {
      // Initial pass: every message now in the folder, by uid.
      const wantCreated = !token.ct || token.ct.includes('created');
      const all = wantCreated ? folder.list().filter((m) => m.uid > token.u! && inWindow(m, token.since)) : [];
      for (const msg of all.slice(0, token.ps)) value.push(await render(msg));
      const last = all[Math.min(all.length, token.ps) - 1];
      if (all.length > token.ps && last) next = { ...token, u: last.uid };
      endSeq = token.s;
    } else {
      const { changes, seq } = folder.changesSince(token.s);
      const end = token.e ?? seq;
      // Collapse the window to one entry per id, ordered by its last change.
      const byId = new Map<string, { firstKind: string; lastSeq: number }>();
      for (const c of changes) {
        if (c.seq > end) break;
        const prev = byId.get(c.id);
        byId.delete(c.id);
        byId.set(c.id, { firstKind: prev?.firstKind ?? c.kind, lastSeq: c.seq });
      }
      const entries = [...byId.entries()].map(([id, info]) => {
        const msg = folder.byId(id);
        const kind = !msg ? 'deleted' : info.firstKind === 'created' ? 'created' : 'updated';
        return { id, msg, kind };
      }).filter((e) => (!token.ct || token.ct.includes(e.kind as 'created')) && (!e.msg || inWindow(e.msg, token.since)));
      const offset = token.o ?? 0;
      for (const e of entries.slice(offset, offset + token.ps)) {
        value.push(e.msg ? await render(e.msg) : { '@odata.type': '#microsoft.graph.message', id: e.id, '@removed': { reason: 'deleted' } });
      }
      if (offset + token.ps < entries.length) next = { ...token, e: end, o: offset + token.ps };
      endSeq = end;
    }
    const link = next
      ? { '@odata.nextLink': linkWith(req, { $skiptoken: encodeToken(next) }, false) }
      : { '@odata.deltaLink': linkWith(req, { $deltatoken: encodeToken({ v: 1, f: token.f, uv: token.uv, s: endSeq, ps: token.ps, ...(token.sel ? { sel: token.sel } : {}), ...(token.ct ? { ct: token.ct } : {}), ...(token.since ? { since: token.since } : {}) }) }, false) };
    return { '@odata.context': `${call.base}/$metadata#Collection(message)`, value, ...link };
  });
}
