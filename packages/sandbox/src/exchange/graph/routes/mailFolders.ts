import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Folder } from '../../contract.js';
import { GraphError, notFoundItem } from '../errors.js';
import { linkWith, mailboxRoute, parseBody } from '../http.js';
import { evaluateFilter } from '../odata/filter.js';
import { applySelect, parseListQuery, sortBy } from '../odata/query.js';
import { MAIL_FOLDER_SHAPE, mailFolderJson, rootFolderId } from '../serialize.js';
import { findFolder, type GraphCall } from '../state.js';

function listFolders(req: FastifyRequest, call: GraphCall, folders: readonly Folder[], contextPath: string): unknown {
  const q = parseListQuery(req.query as Record<string, unknown>, MAIL_FOLDER_SHAPE);
  let rows = folders.map((f) => mailFolderJson(call.mailbox, f));
  if (q.filter) rows = rows.filter((r) => evaluateFilter(q.filter!, r));
  if (q.orderby.length > 0) sortBy(rows, q.orderby, (r, p) => r[p]);
  const page = rows.slice(q.skip, q.skip + q.top).map((r) => applySelect(r, q.select));
  return {
    '@odata.context': `${call.base}/$metadata#${call.contextPath}/${contextPath}`,
    ...(q.count ? { '@odata.count': rows.length } : {}),
    value: page,
    ...(q.skip + q.top < rows.length ? { '@odata.nextLink': linkWith(req, { $skip: String(q.skip + q.top) }) } : {}),
  };
}

const createSchema = z.object({ displayName: z.string().min(1), isHidden: z.boolean().optional() });

function folderOf(call: GraphCall, req: FastifyRequest): Folder {
  const folder = findFolder(call.mailbox, (req.params as { folder: string }).folder);
  if (!folder) throw notFoundItem();
  return folder;
}

async function createFolder(req: FastifyRequest, reply: FastifyReply, call: GraphCall, parent?: Folder): Promise<unknown> {
  const { displayName } = parseBody(createSchema, req.body);
  const siblings = call.mailbox.folders().filter((f) => f.parentId === parent?.id);
  if (siblings.some((f) => f.name.toLowerCase() === displayName.toLowerCase())) {
    throw new GraphError(409, 'ErrorFolderExists', 'A folder with the specified name already exists.');
  }
  const folder = call.mailbox.createFolder(displayName, parent);
  return reply.code(201).send({ '@odata.context': `${call.base}/$metadata#${call.contextPath}/mailFolders/$entity`, ...mailFolderJson(call.mailbox, folder) });
}

/** mailFolders list/get/childFolders/create (well-known names accepted wherever an id is). */
export function registerMailFolderRoutes(app: FastifyInstance): void {
  mailboxRoute(app, 'GET', '/mailFolders', 'mail.read', async (req, _reply, call) => {
    const root = rootFolderId(call.mailbox);
    return listFolders(req, call, call.mailbox.folders().filter((f) => f.parentId === undefined || f.parentId === root), 'mailFolders');
  });

  mailboxRoute(app, 'GET', '/mailFolders/:folder', 'mail.read', async (req, _reply, call) => {
    const folder = folderOf(call, req);
    const q = parseListQuery({ $select: (req.query as Record<string, unknown>)['$select'] }, MAIL_FOLDER_SHAPE);
    return { '@odata.context': `${call.base}/$metadata#${call.contextPath}/mailFolders/$entity`, ...applySelect(mailFolderJson(call.mailbox, folder), q.select) };
  });

  mailboxRoute(app, 'GET', '/mailFolders/:folder/childFolders', 'mail.read', async (req, _reply, call) => {
    const folder = folderOf(call, req);
    return listFolders(req, call, call.mailbox.folders().filter((f) => f.parentId === folder.id), `mailFolders('${folder.id}')/childFolders`);
  });

  mailboxRoute(app, 'POST', '/mailFolders', 'mail.write', (req, reply, call) => createFolder(req, reply, call));
  mailboxRoute(app, 'POST', '/mailFolders/:folder/childFolders', 'mail.write', (req, reply, call) => createFolder(req, reply, call, folderOf(call, req)));
}
