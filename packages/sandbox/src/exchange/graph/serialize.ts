import { createHash } from 'node:crypto';
import { simpleParser, type Attachment, type ParsedMail } from 'mailparser';
import type { Folder, ItemRecord, SandboxMailbox, StoredMessage } from '../contract.js';
import { categoriesOf, flagStatusOf } from './flags.js';
import type { EntityShape } from './odata/query.js';

/** Graph's dateTimeOffset as Exchange writes it: UTC, seconds, `Z`. */
export function graphDateTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export const etag = (changeKey: string): string => `W/"${changeKey}"`;

const DEFAULT_MESSAGE_PROPERTIES = [
  'createdDateTime', 'lastModifiedDateTime', 'changeKey', 'categories', 'receivedDateTime', 'sentDateTime',
  'hasAttachments', 'internetMessageId', 'subject', 'bodyPreview', 'importance', 'parentFolderId', 'conversationId',
  'conversationIndex', 'isDeliveryReceiptRequested', 'isReadReceiptRequested', 'isRead', 'isDraft', 'webLink',
  'inferenceClassification', 'body', 'sender', 'from', 'toRecipients', 'ccRecipients', 'bccRecipients', 'replyTo', 'flag',
] as const;

/** Only returned when asked for with $select, as at Graph. */
const SELECT_ONLY_PROPERTIES = ['internetMessageHeaders', 'uniqueBody'] as const;

export const MESSAGE_SHAPE: EntityShape = {
  typeName: 'microsoft.graph.message',
  properties: new Set(['id', ...DEFAULT_MESSAGE_PROPERTIES, ...SELECT_ONLY_PROPERTIES]),
};

const PARSED_PROPERTIES = new Set(['body', 'uniqueBody', 'internetMessageHeaders', 'isDeliveryReceiptRequested', 'isReadReceiptRequested']);

/** Does this $select need the MIME body parsed (the costly part of a list)? */
export function needsParse(select: string[] | undefined): boolean {
  return select === undefined || select.some((p) => PARSED_PROPERTIES.has(p));
}

type Addr = { name?: string; address: string };
const emailAddress = (a: Addr): { emailAddress: { name: string; address: string } } => ({ emailAddress: { name: a.name || a.address, address: a.address } });

/** The properties $filter and $orderby read, computed from the summary and flags only. */
export function messageFilterView(msg: StoredMessage, folder: Folder): Record<string, unknown> {
  const s = msg.summary;
  return {
    id: msg.id,
    subject: s.subject,
    bodyPreview: s.preview,
    isRead: msg.flags.has('\\Seen'),
    isDraft: msg.flags.has('\\Draft') || folder.wellKnown === 'drafts',
    hasAttachments: s.hasAttachments,
    importance: s.importance,
    receivedDateTime: msg.receivedAt,
    createdDateTime: msg.receivedAt,
    lastModifiedDateTime: msg.modifiedAt,
    sentDateTime: s.sentAt ?? msg.receivedAt,
    internetMessageId: s.messageId ?? null,
    parentFolderId: folder.id,
    conversationId: conversationId(s.subject),
    inferenceClassification: 'focused',
    categories: categoriesOf(msg.flags),
    flag: { flagStatus: flagStatusOf(msg.flags) },
    from: s.from ? emailAddress(s.from) : null,
    sender: s.sender ? emailAddress(s.sender) : s.from ? emailAddress(s.from) : null,
    toRecipients: s.to.map(emailAddress),
    ccRecipients: s.cc.map(emailAddress),
    bccRecipients: s.bcc.map(emailAddress),
    replyTo: s.replyTo.map(emailAddress),
  };
}

/** Exchange threads by normalised subject; a stable hash of it is enough for the sandbox. */
function conversationId(subject: string): string {
  const normal = subject.replace(/^\s*((re|fw|fwd|aw|wg)\s*:\s*)+/i, '').trim().toLowerCase();
  return `AAQk${createHash('sha256').update(normal).digest('base64url').slice(0, 40)}=`;
}

const PARSE_CACHE_SIZE = 64;
const parseCache = new Map<string, Promise<ParsedMail>>();

/** Parse a stored message (raw MIME is immutable per id, so parses are cached by id). */
export function parseStored(folder: Folder, msg: StoredMessage): Promise<ParsedMail> {
  const hit = parseCache.get(msg.id);
  if (hit) return hit;
  const p = folder.read(msg.uid).then((raw) => simpleParser(raw, { skipImageLinks: true }));
  parseCache.set(msg.id, p);
  p.catch(() => parseCache.delete(msg.id));
  if (parseCache.size > PARSE_CACHE_SIZE) parseCache.delete(parseCache.keys().next().value as string);
  return p;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** Graph's body: HTML by default (text bodies wrapped as Exchange does), text with the Prefer header. */
export function bodyOf(parsed: ParsedMail, type: 'html' | 'text'): { contentType: 'html' | 'text'; content: string } {
  if (type === 'text') return { contentType: 'text', content: parsed.text ?? '' };
  if (typeof parsed.html === 'string') return { contentType: 'html', content: parsed.html };
  const text = escapeHtml(parsed.text ?? '').replace(/\r?\n/g, '<br>\r\n');
  return {
    contentType: 'html',
    content: `<html><head>\r\n<meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head><body><div>${text}</div></body></html>`,
  };
}

/** A Graph message resource; `parsed` is needed when body/headers are in the selection. */
export function messageJson(
  msg: StoredMessage, folder: Folder, parsed: ParsedMail | undefined,
  opts: { bodyType: 'html' | 'text'; select?: string[] | undefined },
): Record<string, unknown> {
  const view = messageFilterView(msg, folder);
  const all: Record<string, unknown> = {
    '@odata.etag': etag(msg.changeKey),
    id: msg.id,
    createdDateTime: graphDateTime(msg.receivedAt),
    lastModifiedDateTime: graphDateTime(msg.modifiedAt),
    changeKey: msg.changeKey,
    categories: view['categories'],
    receivedDateTime: graphDateTime(msg.receivedAt),
    sentDateTime: graphDateTime(msg.summary.sentAt ?? msg.receivedAt),
    hasAttachments: msg.summary.hasAttachments,
    internetMessageId: msg.summary.messageId ?? null,
    subject: msg.summary.subject,
    bodyPreview: msg.summary.preview,
    importance: msg.summary.importance,
    parentFolderId: folder.id,
    conversationId: view['conversationId'],
    conversationIndex: Buffer.from(createHash('sha1').update(msg.id).digest().subarray(0, 22)).toString('base64'),
    isDeliveryReceiptRequested: parsed ? parsed.headers.has('return-receipt-to') : false,
    isReadReceiptRequested: parsed ? parsed.headers.has('disposition-notification-to') : false,
    isRead: view['isRead'],
    isDraft: view['isDraft'],
    webLink: `https://outlook.office365.com/owa/?ItemID=${encodeURIComponent(msg.id)}&exvsurl=1&viewmodel=ReadMessageItem`,
    inferenceClassification: 'focused',
    ...(parsed ? { body: bodyOf(parsed, opts.bodyType) } : {}),
    sender: view['sender'],
    from: view['from'],
    toRecipients: view['toRecipients'],
    ccRecipients: view['ccRecipients'],
    bccRecipients: view['bccRecipients'],
    replyTo: view['replyTo'],
    flag: view['flag'],
  };
  if (!opts.select) return all;
  const out: Record<string, unknown> = { '@odata.etag': all['@odata.etag'], id: msg.id };
  for (const p of opts.select) {
    if (p === 'internetMessageHeaders' && parsed) {
      out[p] = parsed.headerLines.map((h) => ({ name: h.line.slice(0, h.line.indexOf(':')), value: h.line.slice(h.line.indexOf(':') + 1).replace(/\r?\n[ \t]+/g, ' ').trim() }));
    } else if (p === 'uniqueBody' && parsed) {
      out[p] = bodyOf(parsed, opts.bodyType);
    } else if (p in all) {
      out[p] = all[p];
    }
  }
  return out;
}

export const MAIL_FOLDER_SHAPE: EntityShape = {
  typeName: 'microsoft.graph.mailFolder',
  properties: new Set(['id', 'displayName', 'parentFolderId', 'childFolderCount', 'unreadItemCount', 'totalItemCount', 'sizeInBytes', 'isHidden']),
};

/** The id Graph gives the folder above the top-level ones (msgfolderroot). */
export function rootFolderId(mailbox: SandboxMailbox): string {
  return `AAMkRoot${createHash('sha256').update(mailbox.address).digest('base64url').slice(0, 32)}`;
}

export function mailFolderJson(mailbox: SandboxMailbox, folder: Folder): Record<string, unknown> {
  const counts = folder.counts();
  return {
    id: folder.id,
    displayName: folder.name,
    parentFolderId: folder.parentId ?? rootFolderId(mailbox),
    childFolderCount: mailbox.folders().filter((f) => f.parentId === folder.id).length,
    unreadItemCount: counts.unseen,
    totalItemCount: counts.total,
    sizeInBytes: folder.list().reduce((n, m) => n + m.size, 0),
    isHidden: false,
  };
}

/** Attachment ids are the part's position, opaque to clients, stable for one message id. */
export function attachmentId(messageId: string, index: number): string {
  return `${messageId}.${Buffer.from(`att${index}`).toString('base64url')}`;
}

export function attachmentIndex(messageId: string, attachmentIdText: string): number | undefined {
  if (!attachmentIdText.startsWith(`${messageId}.`)) return undefined;
  const m = /^att(\d+)$/.exec(Buffer.from(attachmentIdText.slice(messageId.length + 1), 'base64url').toString());
  return m ? Number(m[1]) : undefined;
}

/** A fileAttachment (or itemAttachment for an attached message) as Graph returns it. */
export function attachmentJson(msg: StoredMessage, att: Attachment, index: number, withContent: boolean): Record<string, unknown> {
  const common = {
    id: attachmentId(msg.id, index),
    lastModifiedDateTime: graphDateTime(msg.modifiedAt),
    name: att.filename ?? (att.contentType === 'message/rfc822' ? 'message.eml' : 'attachment'),
    contentType: att.contentType,
    size: att.size,
    isInline: att.contentDisposition === 'inline' || att.related === true,
  };
  if (att.contentType === 'message/rfc822') {
    return { '@odata.type': '#microsoft.graph.itemAttachment', ...common };
  }
  return {
    '@odata.type': '#microsoft.graph.fileAttachment',
    '@odata.mediaContentType': att.contentType,
    ...common,
    contentId: att.contentId ? att.contentId.replace(/^<|>$/g, '') : null,
    contentLocation: null,
    ...(withContent ? { contentBytes: att.content.toString('base64') } : {}),
  };
}

/** Events, contacts and tasks: the record's Graph fields plus the standard item properties. */
export function itemJson(item: ItemRecord): Record<string, unknown> {
  return {
    '@odata.etag': etag(item.changeKey),
    id: item.id,
    createdDateTime: graphDateTime(item.createdAt),
    lastModifiedDateTime: graphDateTime(item.modifiedAt),
    changeKey: item.changeKey,
    ...item.data,
  };
}
