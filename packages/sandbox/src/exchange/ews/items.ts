import type { Folder, ItemRecord, SandboxMailbox, StoredMessage } from '../contract.js';
import type { CollectionName, EwsFolder } from './folders.js';
import { ewsFolderId } from './folders.js';
import { attachmentId, itemId } from './ids.js';
import { parseMime, type Address, type ParsedBody } from './mime.js';
import { ewsDate } from './soap.js';
import { m, t, ts, tText, xmlSafe, type XNode, type XmlObject } from './xml.js';

/**
 * Items as EWS shows them: a stored message as t:Message, calendar/contact/task records as
 * t:CalendarItem / t:Contact / t:Task, each with the properties its ItemShape asks for, in the
 * order types.xsd declares them.
 */

export interface ItemShape {
  base: 'IdOnly' | 'Default' | 'AllProperties';
  /** FieldURIs of t:AdditionalProperties (item:Subject, message:IsRead…). */
  additional: Set<string>;
  includeMime: boolean;
  bodyType: 'Best' | 'HTML' | 'Text';
  /** FindItem cannot return Body or Attachments (they need the message's content). */
  forFind: boolean;
}

const BASE_SHAPES = ['IdOnly', 'Default', 'AllProperties'] as const;

export function parseItemShape(node: XNode | undefined, forFind: boolean): ItemShape {
  const base = tText(node, 'BaseShape') ?? 'IdOnly';
  const bodyType = tText(node, 'BodyType') ?? 'Best';
  return {
    base: (BASE_SHAPES as readonly string[]).includes(base) ? (base as ItemShape['base']) : 'IdOnly',
    additional: new Set(ts(t(node, 'AdditionalProperties'), 'FieldURI').map((f) => f.attrs.FieldURI ?? '')),
    // The EWS Managed API asks for MimeContent as an AdditionalProperties FieldURI (item:MimeContent);
    // Exchange honours both forms in GetItem.
    // https://learn.microsoft.com/exchange/client-developer/web-service-reference/fielduri (item:MimeContent)
    includeMime: !forFind && (tText(node, 'IncludeMimeContent') === 'true'
      || ts(t(node, 'AdditionalProperties'), 'FieldURI').some((f) => f.attrs.FieldURI === 'item:MimeContent')),
    bodyType: bodyType === 'HTML' || bodyType === 'Text' ? bodyType : 'Best',
    forFind,
  };
}

type Level = 'find' | 'get' | 'all';
/** Which base shape brings a property: 'find' = Default in FindItem and GetItem, 'get' = Default in GetItem only. */
interface Prop<S> {
  uri: string;
  level: Level;
  emit(src: S): Promise<XmlObject> | XmlObject;
}

function wants<S>(p: Prop<S>, shape: ItemShape): boolean {
  if (shape.additional.has(p.uri)) return !(shape.forFind && (p.uri === 'item:Body' || p.uri === 'item:Attachments'));
  if (shape.base === 'IdOnly') return false;
  if (shape.forFind) return p.level === 'find' || (shape.base === 'AllProperties' && p.uri !== 'item:Body' && p.uri !== 'item:Attachments');
  return shape.base === 'AllProperties' || p.level !== 'all';
}

async function emitProps<S>(props: Prop<S>[], src: S, shape: ItemShape): Promise<XmlObject> {
  const out: XmlObject = {};
  for (const p of props) if (wants(p, shape)) Object.assign(out, await p.emit(src));
  return out;
}

const mailbox = (a: Address): XmlObject => ({
  ...(a.name ? { 't:Name': xmlSafe(a.name) } : {}),
  't:EmailAddress': a.address,
  't:RoutingType': 'SMTP',
  't:MailboxType': 'OneOff',
});
const recipients = (list: Address[]): XmlObject | undefined => (list.length ? { 't:Mailbox': list.map(mailbox) } : undefined);
const display = (list: Address[]) => xmlSafe(list.map((a) => a.name || a.address).join('; '));
const IMPORTANCE = { low: 'Low', normal: 'Normal', high: 'High' } as const;

/** IMAP keywords that are Exchange categories (system flags and $-keywords are not). */
export const categoriesOf = (flags: ReadonlySet<string>) => [...flags].filter((f) => !f.startsWith('\\') && !f.startsWith('$'));

interface MessageSource {
  msg: StoredMessage;
  folder: EwsFolder & { kind: 'mail' };
  shape: ItemShape;
  body(): Promise<ParsedBody>;
  raw(): Promise<Buffer>;
}

function bodyElement(parsed: ParsedBody, want: ItemShape['bodyType']): XmlObject {
  const asHtml = want === 'HTML' || (want === 'Best' && parsed.html !== undefined);
  if (asHtml) {
    const html = parsed.html ?? `<html><body><pre>${escapeHtml(parsed.text ?? '')}</pre></body></html>`;
    return { '@_BodyType': 'HTML', '#text': xmlSafe(html) };
  }
  return { '@_BodyType': 'Text', '#text': xmlSafe(parsed.text ?? stripHtml(parsed.html ?? '')) };
}
const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const stripHtml = (s: string) => s.replace(/<[^>]*>/g, '').replace(/&nbsp;/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** The attachments of a message as EWS lists them (no content: GetAttachment returns that). */
export function attachmentElements(storeId: string, parsed: ParsedBody, withContent: boolean): XmlObject[] {
  return parsed.attachments.map((a, i) => attachmentElement(storeId, i, a, withContent));
}

export function attachmentElement(storeId: string, index: number, a: ParsedBody['attachments'][number], withContent: boolean): XmlObject {
  return {
    't:AttachmentId': { '@_Id': attachmentId(storeId, index) },
    't:Name': xmlSafe(a.filename ?? `attachment${index + 1}`),
    't:ContentType': a.contentType,
    ...(a.cid ? { 't:ContentId': xmlSafe(a.cid) } : {}),
    't:Size': a.size,
    't:IsInline': a.contentDisposition === 'inline' && Boolean(a.cid),
    ...(withContent ? { 't:Content': a.content.toString('base64') } : {}),
  };
}

const MESSAGE_PROPS: Prop<MessageSource>[] = [
  { uri: 'item:ParentFolderId', level: 'find', emit: (s) => ({ 't:ParentFolderId': { '@_Id': ewsFolderId(s.folder), '@_ChangeKey': 'AQAAAA==' } }) },
  { uri: 'item:ItemClass', level: 'find', emit: () => ({ 't:ItemClass': 'IPM.Note' }) },
  { uri: 'item:Subject', level: 'find', emit: (s) => ({ 't:Subject': xmlSafe(s.msg.summary.subject) }) },
  { uri: 'item:Sensitivity', level: 'all', emit: () => ({ 't:Sensitivity': 'Normal' }) },
  { uri: 'item:Body', level: 'get', emit: async (s) => ({ 't:Body': bodyElement(await s.body(), s.shape.bodyType) }) },
  {
    uri: 'item:Attachments', level: 'get', emit: async (s) => {
      if (!s.msg.summary.hasAttachments) return {};
      const list = attachmentElements(s.msg.id, await s.body(), false);
      return list.length ? { 't:Attachments': { 't:FileAttachment': list } } : {};
    },
  },
  { uri: 'item:DateTimeReceived', level: 'find', emit: (s) => ({ 't:DateTimeReceived': ewsDate(s.msg.receivedAt) }) },
  { uri: 'item:Size', level: 'find', emit: (s) => ({ 't:Size': s.msg.size }) },
  {
    uri: 'item:Categories', level: 'all', emit: (s) => {
      const cats = categoriesOf(s.msg.flags);
      return cats.length ? { 't:Categories': { 't:String': cats.map(xmlSafe) } } : {};
    },
  },
  { uri: 'item:Importance', level: 'find', emit: (s) => ({ 't:Importance': IMPORTANCE[s.msg.summary.importance] }) },
  { uri: 'item:InReplyTo', level: 'all', emit: (s) => (s.msg.summary.inReplyTo ? { 't:InReplyTo': xmlSafe(s.msg.summary.inReplyTo) } : {}) },
  { uri: 'item:IsDraft', level: 'find', emit: (s) => ({ 't:IsDraft': s.msg.flags.has('\\Draft') }) },
  { uri: 'item:DateTimeSent', level: 'find', emit: (s) => ({ 't:DateTimeSent': ewsDate(s.msg.summary.sentAt ?? s.msg.receivedAt) }) },
  { uri: 'item:DateTimeCreated', level: 'find', emit: (s) => ({ 't:DateTimeCreated': ewsDate(s.msg.receivedAt) }) },
  { uri: 'item:DisplayCc', level: 'find', emit: (s) => ({ 't:DisplayCc': display(s.msg.summary.cc) }) },
  { uri: 'item:DisplayTo', level: 'find', emit: (s) => ({ 't:DisplayTo': display(s.msg.summary.to) }) },
  { uri: 'item:HasAttachments', level: 'find', emit: (s) => ({ 't:HasAttachments': s.msg.summary.hasAttachments }) },
  { uri: 'item:LastModifiedTime', level: 'find', emit: (s) => ({ 't:LastModifiedTime': ewsDate(s.msg.modifiedAt) }) },
  { uri: 'item:Flag', level: 'all', emit: (s) => ({ 't:Flag': { 't:FlagStatus': s.msg.flags.has('\\Flagged') ? 'Flagged' : 'NotFlagged' } }) },
  { uri: 'item:Preview', level: 'all', emit: (s) => ({ 't:Preview': xmlSafe(s.msg.summary.preview) }) },
  { uri: 'message:Sender', level: 'get', emit: (s) => { const a = s.msg.summary.sender ?? s.msg.summary.from; return a ? { 't:Sender': { 't:Mailbox': mailbox(a) } } : {}; } },
  { uri: 'message:ToRecipients', level: 'get', emit: (s) => ({ 't:ToRecipients': recipients(s.msg.summary.to) }) },
  { uri: 'message:CcRecipients', level: 'get', emit: (s) => ({ 't:CcRecipients': recipients(s.msg.summary.cc) }) },
  { uri: 'message:BccRecipients', level: 'all', emit: (s) => ({ 't:BccRecipients': recipients(s.msg.summary.bcc) }) },
  { uri: 'message:From', level: 'find', emit: (s) => (s.msg.summary.from ? { 't:From': { 't:Mailbox': mailbox(s.msg.summary.from) } } : {}) },
  { uri: 'message:InternetMessageId', level: 'get', emit: (s) => (s.msg.summary.messageId ? { 't:InternetMessageId': xmlSafe(s.msg.summary.messageId) } : {}) },
  { uri: 'message:IsRead', level: 'find', emit: (s) => ({ 't:IsRead': s.msg.flags.has('\\Seen') }) },
  { uri: 'message:ReplyTo', level: 'all', emit: (s) => ({ 't:ReplyTo': recipients(s.msg.summary.replyTo) }) },
];

/** A stored message as the content of a t:Message element. */
export async function serializeMessage(folder: EwsFolder & { kind: 'mail' }, msg: StoredMessage, shape: ItemShape): Promise<XmlObject> {
  let raw: Promise<Buffer> | undefined;
  let parsed: Promise<ParsedBody> | undefined;
  const src: MessageSource = {
    msg, folder, shape,
    raw: () => (raw ??= folder.folder.read(msg.uid)),
    body: () => (parsed ??= src.raw().then(parseMime)),
  };
  const out: XmlObject = {};
  if (shape.includeMime) out['t:MimeContent'] = { '@_CharacterSet': 'UTF-8', '#text': (await src.raw()).toString('base64') };
  out['t:ItemId'] = { '@_Id': itemId('message', msg.id), '@_ChangeKey': msg.changeKey };
  return Object.assign(out, await emitProps(MESSAGE_PROPS, src, shape));
}

/** A folder's items for FindItem/SyncFolderItems: the element name and its content. */
export const MESSAGE_ELEMENT = 't:Message';
export const COLLECTION_ELEMENT: Record<CollectionName, string> = { calendar: 't:CalendarItem', contacts: 't:Contact', tasks: 't:Task' };
const COLLECTION_CLASS: Record<CollectionName, string> = { calendar: 'IPM.Appointment', contacts: 'IPM.Contact', tasks: 'IPM.Task' };

// ---- calendar, contacts, tasks: records in Graph's property names ----

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const obj = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

/** Graph's {dateTime, timeZone} (UTC only in the sandbox) as xs:dateTime. */
function graphDate(v: unknown): string | undefined {
  const dt = str(obj(v)?.dateTime) ?? str(v);
  if (!dt) return undefined;
  const ms = Date.parse(/[zZ]|[+-]\d\d:\d\d$/.test(dt) ? dt : `${dt}Z`);
  return Number.isNaN(ms) ? undefined : ewsDate(ms);
}

interface RecordSource {
  rec: ItemRecord;
  folder: EwsFolder & { kind: 'collection' };
  shape: ItemShape;
}

const subjectOf = (r: ItemRecord, coll: CollectionName) =>
  str(coll === 'tasks' ? r.data.title : coll === 'contacts' ? r.data.displayName : r.data.subject) ?? str(r.data.subject) ?? '';

function recordBody(r: ItemRecord, want: ItemShape['bodyType']): XmlObject | undefined {
  const b = obj(r.data.body);
  const content = str(b?.content);
  if (content === undefined) return undefined;
  const isHtml = str(b?.contentType)?.toLowerCase() === 'html';
  if (want === 'Text' && isHtml) return { '@_BodyType': 'Text', '#text': xmlSafe(stripHtml(content)) };
  if (want === 'HTML' && !isHtml) return { '@_BodyType': 'HTML', '#text': xmlSafe(`<html><body><pre>${escapeHtml(content)}</pre></body></html>`) };
  return { '@_BodyType': isHtml ? 'HTML' : 'Text', '#text': xmlSafe(content) };
}

const COMMON_RECORD_PROPS: Prop<RecordSource>[] = [
  { uri: 'item:ParentFolderId', level: 'find', emit: (s) => ({ 't:ParentFolderId': { '@_Id': ewsFolderId(s.folder), '@_ChangeKey': 'AQAAAA==' } }) },
  { uri: 'item:ItemClass', level: 'find', emit: (s) => ({ 't:ItemClass': COLLECTION_CLASS[s.folder.name] }) },
  { uri: 'item:Subject', level: 'find', emit: (s) => ({ 't:Subject': xmlSafe(subjectOf(s.rec, s.folder.name)) }) },
  { uri: 'item:Body', level: 'get', emit: (s) => ({ 't:Body': recordBody(s.rec, s.shape.bodyType) }) },
  { uri: 'item:DateTimeCreated', level: 'find', emit: (s) => ({ 't:DateTimeCreated': ewsDate(s.rec.createdAt) }) },
  { uri: 'item:LastModifiedTime', level: 'find', emit: (s) => ({ 't:LastModifiedTime': ewsDate(s.rec.modifiedAt) }) },
];

const CALENDAR_PROPS: Prop<RecordSource>[] = [
  { uri: 'calendar:Start', level: 'find', emit: (s) => ({ 't:Start': graphDate(s.rec.data.start) }) },
  { uri: 'calendar:End', level: 'find', emit: (s) => ({ 't:End': graphDate(s.rec.data.end) }) },
  { uri: 'calendar:IsAllDayEvent', level: 'find', emit: (s) => ({ 't:IsAllDayEvent': s.rec.data.isAllDay === true }) },
  { uri: 'calendar:Location', level: 'find', emit: (s) => { const l = str(obj(s.rec.data.location)?.displayName); return l ? { 't:Location': xmlSafe(l) } : {}; } },
  { uri: 'calendar:IsRecurring', level: 'find', emit: (s) => ({ 't:IsRecurring': calendarItemType(s.rec) !== 'Single' }) },
  { uri: 'calendar:CalendarItemType', level: 'find', emit: (s) => ({ 't:CalendarItemType': calendarItemType(s.rec) }) },
];

/** Single, Occurrence (a calendar view's expansion, marked by `type`) or RecurringMaster. */
function calendarItemType(rec: ItemRecord): 'Single' | 'Occurrence' | 'RecurringMaster' {
  if (rec.data.type === 'occurrence') return 'Occurrence';
  return rec.data.recurrence && typeof rec.data.recurrence === 'object' ? 'RecurringMaster' : 'Single';
}

const CONTACT_PROPS: Prop<RecordSource>[] = [
  { uri: 'contacts:DisplayName', level: 'find', emit: (s) => ({ 't:DisplayName': xmlSafe(str(s.rec.data.displayName) ?? '') }) },
  { uri: 'contacts:GivenName', level: 'find', emit: (s) => { const v = str(s.rec.data.givenName); return v ? { 't:GivenName': xmlSafe(v) } : {}; } },
  { uri: 'contacts:CompanyName', level: 'find', emit: (s) => { const v = str(s.rec.data.companyName); return v ? { 't:CompanyName': xmlSafe(v) } : {}; } },
  {
    uri: 'contacts:EmailAddresses', level: 'find', emit: (s) => {
      const list = Array.isArray(s.rec.data.emailAddresses) ? s.rec.data.emailAddresses.map((e) => str(obj(e)?.address)).filter((a): a is string => !!a).slice(0, 3) : [];
      return list.length ? { 't:EmailAddresses': { 't:Entry': list.map((a, i) => ({ '@_Key': `EmailAddress${i + 1}`, '#text': xmlSafe(a) })) } } : {};
    },
  },
  {
    uri: 'contacts:PhoneNumbers', level: 'get', emit: (s) => {
      const entries: XmlObject[] = [];
      const business = Array.isArray(s.rec.data.businessPhones) ? str(s.rec.data.businessPhones[0]) : undefined;
      if (business) entries.push({ '@_Key': 'BusinessPhone', '#text': xmlSafe(business) });
      const mobile = str(s.rec.data.mobilePhone);
      if (mobile) entries.push({ '@_Key': 'MobilePhone', '#text': xmlSafe(mobile) });
      return entries.length ? { 't:PhoneNumbers': { 't:Entry': entries } } : {};
    },
  },
  { uri: 'contacts:JobTitle', level: 'get', emit: (s) => { const v = str(s.rec.data.jobTitle); return v ? { 't:JobTitle': xmlSafe(v) } : {}; } },
  { uri: 'contacts:Surname', level: 'find', emit: (s) => { const v = str(s.rec.data.surname); return v ? { 't:Surname': xmlSafe(v) } : {}; } },
];

const TASK_STATUS: Record<string, string> = { notStarted: 'NotStarted', inProgress: 'InProgress', completed: 'Completed', waitingOnOthers: 'WaitingOnOthers', deferred: 'Deferred' };

const TASK_PROPS: Prop<RecordSource>[] = [
  { uri: 'task:DueDate', level: 'find', emit: (s) => ({ 't:DueDate': graphDate(s.rec.data.dueDateTime) }) },
  { uri: 'task:IsComplete', level: 'find', emit: (s) => ({ 't:IsComplete': s.rec.data.status === 'completed' }) },
  { uri: 'task:Status', level: 'find', emit: (s) => ({ 't:Status': TASK_STATUS[str(s.rec.data.status) ?? ''] ?? 'NotStarted' }) },
];

const SPECIFIC: Record<CollectionName, Prop<RecordSource>[]> = { calendar: CALENDAR_PROPS, contacts: CONTACT_PROPS, tasks: TASK_PROPS };

export async function serializeRecord(folder: EwsFolder & { kind: 'collection' }, rec: ItemRecord, shape: ItemShape): Promise<XmlObject> {
  const src: RecordSource = { rec, folder, shape };
  return {
    't:ItemId': { '@_Id': itemId(folder.name, rec.id), '@_ChangeKey': rec.changeKey },
    ...(await emitProps(COMMON_RECORD_PROPS, src, shape)),
    ...(await emitProps(SPECIFIC[folder.name], src, shape)),
  };
}

/** Where a message with this store id lives in a mailbox. */
export function findMessage(mb: SandboxMailbox, storeId: string): { folder: Folder; msg: StoredMessage } | undefined {
  for (const folder of mb.folders()) {
    const msg = folder.byId(storeId);
    if (msg) return { folder, msg };
  }
  return undefined;
}

/** The m:ItemShape child of a request. */
export const itemShapeOf = (op: XNode, forFind: boolean) => parseItemShape(m(op, 'ItemShape'), forFind);
