import type { Readable } from 'node:stream';
import { z } from 'zod';
import type { GraphHttp } from './http.js';
import { collect } from './paging.js';
import { graphMessageSchema, type GraphMessage } from './schemas.js';
import { seg } from './target.js';

/** Message operations (microsoft.md §5.2, §5.4). `prefix` is `/me` or `/users/{id}`. */

/** What a listing asks for: enough for a summary, never the body. */
export const SUMMARY_SELECT = [
  'id', 'subject', 'from', 'sender', 'toRecipients', 'ccRecipients', 'receivedDateTime', 'sentDateTime',
  'isRead', 'flag', 'hasAttachments', 'internetMessageId', 'parentFolderId', 'importance',
];

export interface ListMessagesOptions {
  folderId: string;
  filter?: string;
  orderby?: string;
  select?: string[];
  /** Page size ($top, 1–1000); default 100. */
  top?: number;
  /** Stop after this many messages. */
  limit?: number;
}

export function listMessages(http: GraphHttp, prefix: string, o: ListMessagesOptions): Promise<GraphMessage[]> {
  const top = Math.min(Math.max(1, o.limit !== undefined ? Math.min(o.limit, o.top ?? 100) : o.top ?? 100), 1000);
  return collect(http, {
    method: 'GET',
    url: `${prefix}/mailFolders/${seg(o.folderId)}/messages`,
    query: {
      $select: (o.select ?? SUMMARY_SELECT).join(','),
      $top: top,
      ...(o.filter ? { $filter: o.filter } : {}),
      ...(o.orderby ? { $orderby: o.orderby } : {}),
    },
  }, graphMessageSchema, o.limit);
}

export function getMessage(http: GraphHttp, prefix: string, id: string, select: string[] = SUMMARY_SELECT): Promise<GraphMessage> {
  return http.json({ method: 'GET', url: `${prefix}/messages/${seg(id)}`, query: { $select: select.join(',') } }, graphMessageSchema);
}

/** The RFC 5322 source (`$value`), streamed. */
export async function getMessageMime(http: GraphHttp, prefix: string, id: string): Promise<Readable> {
  return (await http.stream({ method: 'GET', url: `${prefix}/messages/${seg(id)}/$value` })).stream;
}

export interface MessagePatch {
  isRead?: boolean;
  flag?: { flagStatus: 'flagged' | 'notFlagged' | 'complete' };
}

export async function updateMessage(http: GraphHttp, prefix: string, id: string, patch: MessagePatch): Promise<void> {
  await http.send({ method: 'PATCH', url: `${prefix}/messages/${seg(id)}`, json: patch });
}

const movedSchema = z.object({ id: z.string() }).loose();

/** Move answers 201 with the message under a new id (move = copy + delete at Exchange). */
export async function moveMessage(http: GraphHttp, prefix: string, id: string, destinationId: string): Promise<string> {
  return (await http.json({ method: 'POST', url: `${prefix}/messages/${seg(id)}/move`, json: { destinationId } }, movedSchema)).id;
}

export async function copyMessage(http: GraphHttp, prefix: string, id: string, destinationId: string): Promise<string> {
  return (await http.json({ method: 'POST', url: `${prefix}/messages/${seg(id)}/copy`, json: { destinationId } }, movedSchema)).id;
}

/** 204; the message goes to Recoverable Items, out of every folder the user sees. */
export async function deleteMessage(http: GraphHttp, prefix: string, id: string): Promise<void> {
  await http.send({ method: 'DELETE', url: `${prefix}/messages/${seg(id)}` });
}
