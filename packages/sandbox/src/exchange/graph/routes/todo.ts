import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { SandboxMailbox } from '../../contract.js';
import { notFoundItem } from '../errors.js';
import { mailboxRoute } from '../http.js';
import { registerItemRoutes } from '../items.js';
import type { GraphCall } from '../state.js';

/** The sandbox keeps one To Do list per mailbox (Tasks, the defaultList), backed by the tasks collection. */
export function defaultListId(mailbox: SandboxMailbox): string {
  return `AAMkTasks${createHash('sha256').update(`tasks:${mailbox.address}`).digest('base64url').slice(0, 32)}`;
}

function tasksOf(call: GraphCall, params: Record<string, string>) {
  const listId = params['list'];
  if (listId !== defaultListId(call.mailbox) && listId?.toLowerCase() !== 'tasks' && listId?.toLowerCase() !== 'defaultlist') throw notFoundItem();
  return call.mailbox.tasks;
}

export function registerTodoRoutes(app: FastifyInstance): void {
  mailboxRoute(app, 'GET', '/todo/lists', 'tasks.read', async (_req, _reply, call) => ({
    '@odata.context': `${call.base}/$metadata#${call.contextPath}/todo/lists`,
    value: [{ '@odata.etag': 'W/"sandbox-default-list"', displayName: 'Tasks', isOwner: true, isShared: false, wellknownListName: 'defaultList', id: defaultListId(call.mailbox) }],
  }));

  registerItemRoutes(app, {
    paths: ['/todo/lists/:list/tasks'],
    entitySet: (call) => `todo/lists('${defaultListId(call.mailbox)}')/tasks`,
    typeName: 'microsoft.graph.todoTask',
    collection: tasksOf,
    read: 'tasks.read',
    write: 'tasks.write',
    createSchema: z.object({ title: z.string().min(1), status: z.string().optional(), importance: z.string().optional() }).loose(),
  });
}
