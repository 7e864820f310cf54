import { z } from 'zod';
import type { EntityInput, EntityQuery, Task } from '../../message/entities.js';
import { ProtocolError } from '../../errors.js';
import { ERROR_FAMILY } from '../errors.js';
import type { GraphHttp } from './http.js';
import { odataString } from './filter.js';
import { fromGraphDateTime } from './events.js';
import { collect } from './paging.js';
import { seg } from './target.js';

/** Microsoft To Do tasks in the user's default list (`wellknownListName: defaultList`). */

const todoListSchema = z.object({ id: z.string(), displayName: z.string().nullish(), wellknownListName: z.string().nullish() }).loose();

const STATUSES = ['notStarted', 'inProgress', 'completed', 'waitingOnOthers', 'deferred'] as const;
export const graphTaskSchema = z.object({
  id: z.string(),
  title: z.string().nullish(),
  status: z.enum(STATUSES).catch('notStarted'),
  dueDateTime: z.object({ dateTime: z.string(), timeZone: z.string().nullish() }).nullish(),
  body: z.object({ content: z.string().nullish() }).nullish(),
  importance: z.enum(['low', 'normal', 'high']).nullish(),
}).loose();

function toTask(t: z.output<typeof graphTaskSchema>): Task {
  return {
    id: t.id,
    title: t.title ?? '',
    status: t.status,
    ...(t.dueDateTime ? { dueDateTime: fromGraphDateTime(t.dueDateTime) } : {}),
    ...(t.body?.content ? { body: t.body.content } : {}),
    ...(t.importance ? { importance: t.importance } : {}),
  };
}

function toGraph(input: Partial<EntityInput<'tasks'>>): Record<string, unknown> {
  return {
    ...(input.title !== undefined ? { title: input.title } : {}),
    ...(input.status !== undefined ? { status: input.status } : {}),
    ...(input.dueDateTime !== undefined ? { dueDateTime: { dateTime: new Date(input.dueDateTime).toISOString().replace(/Z$/, ''), timeZone: 'UTC' } } : {}),
    ...(input.body !== undefined ? { body: { contentType: 'text', content: input.body } } : {}),
    ...(input.importance !== undefined ? { importance: input.importance } : {}),
  };
}

/** The id of the default task list (the first list when none is marked). */
export async function defaultTaskListId(http: GraphHttp, prefix: string): Promise<string> {
  const lists = await collect(http, { method: 'GET', url: `${prefix}/todo/lists` }, todoListSchema);
  const list = lists.find((l) => l.wellknownListName === 'defaultList') ?? lists[0];
  if (!list) {
    throw new ProtocolError({
      code: 'GRAPH_NO_TASK_LIST', message: 'the mailbox has no To Do task list',
      hint: 'open Microsoft To Do once for this user (it creates the default list), then try again',
      details: { family: ERROR_FAMILY.receive, protocol: 'graph' },
    });
  }
  return list.id;
}

export async function listTasks(http: GraphHttp, prefix: string, listId: string, q: EntityQuery = {}): Promise<Task[]> {
  const query = { $top: Math.min(q.limit ?? 100, 1000), ...(q.text ? { $filter: `contains(title,${odataString(q.text)})` } : {}) };
  return (await collect(http, { method: 'GET', url: `${prefix}/todo/lists/${seg(listId)}/tasks`, query }, graphTaskSchema, q.limit)).map(toTask);
}

export async function getTask(http: GraphHttp, prefix: string, listId: string, id: string): Promise<Task> {
  return toTask(await http.json({ method: 'GET', url: `${prefix}/todo/lists/${seg(listId)}/tasks/${seg(id)}` }, graphTaskSchema));
}

export async function createTask(http: GraphHttp, prefix: string, listId: string, input: EntityInput<'tasks'>): Promise<Task> {
  return toTask(await http.json({ method: 'POST', url: `${prefix}/todo/lists/${seg(listId)}/tasks`, json: toGraph(input), operation: 'send' }, graphTaskSchema));
}

export async function updateTask(http: GraphHttp, prefix: string, listId: string, id: string, patch: Partial<EntityInput<'tasks'>>): Promise<Task> {
  return toTask(await http.json({ method: 'PATCH', url: `${prefix}/todo/lists/${seg(listId)}/tasks/${seg(id)}`, json: toGraph(patch), operation: 'send' }, graphTaskSchema));
}

export async function deleteTask(http: GraphHttp, prefix: string, listId: string, id: string): Promise<void> {
  await http.send({ method: 'DELETE', url: `${prefix}/todo/lists/${seg(listId)}/tasks/${seg(id)}`, operation: 'send' });
}
