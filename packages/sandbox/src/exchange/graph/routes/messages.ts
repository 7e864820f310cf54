import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ParsedMail } from 'mailparser';
import { z } from 'zod';
import type { Folder, SandboxMailbox, StoredMessage } from '../../contract.js';
import { badRequest, checkIdFormat, notFoundItem } from '../errors.js';
import { patchFlags } from '../flags.js';
import { linkWith, mailboxRoute, parseBody, preferredBodyType } from '../http.js';
import { composeMessage, messageInputSchema, setHeaders, type GraphMessageInput } from '../mime.js';
import { evaluateFilter } from '../odata/filter.js';
import { parseListQuery, sortBy } from '../odata/query.js';
import { MESSAGE_SHAPE, attachmentJson, messageFilterView, messageJson, needsParse, parseStored } from '../serialize.js';
import { findFolder, findMessage, rewriteMessage, type GraphCall, type GraphState } from '../state.js';

/** One message as Graph returns it (body per the Prefer header). */
export async function renderMessage(
  req: FastifyRequest, reply: FastifyReply, folder: Folder, msg: StoredMessage, select?: string[],
): Promise<Record<string, unknown>> {
  const parsed = needsParse(select) ? await parseStored(folder, msg) : undefined;
  return messageJson(msg, folder, parsed, { bodyType: preferredBodyType(req, reply), select });
}

function pathValue(view: Record<string, unknown>, path: string): unknown {
  let cur: unknown = view;
  for (const seg of path.split('/')) cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[seg] : undefined;
  return cur;
}

/**
 * `$expand=attachments` (the one navigation property of a message the sandbox models): true
 * when asked, false when absent; anything else is Graph's 400 for an unknown property.
 * https://learn.microsoft.com/graph/api/message-get (example: $expand=attachments)
 */
function parseExpand(raw: unknown): boolean {
  if (raw === undefined) return false;
  const names = (typeof raw === 'string' ? raw : JSON.stringify(raw)).split(',').map((s) => s.trim().replace(/\(.*\)$/, '')).filter(Boolean);
  for (const n of names) {
    if (n !== 'attachments') {
      throw badRequest(`Parsing OData Select and Expand failed: Could not find a property named '${n}' on type 'microsoft.graph.message'.`);
    }
  }
  return names.length > 0;
}

/** The message's attachments with their content, as `$expand=attachments` embeds them. */
async function expandedAttachments(folder: Folder, msg: StoredMessage): Promise<Record<string, unknown>[]> {
  const parsed = await parseStored(folder, msg);
  return parsed.attachments.map((a, i) => attachmentJson(msg, a, i, true));
}

/** List messages of some folders with the OData options of microsoft.md §5.2. */
async function listMessages(req: FastifyRequest, reply: FastifyReply, call: GraphCall, folders: readonly Folder[], contextPath: string): Promise<unknown> {
  const query = req.query as Record<string, unknown>;
  const q = parseListQuery(query, MESSAGE_SHAPE);
  const expand = parseExpand(query['$expand']);
  const rows: { folder: Folder; msg: StoredMessage; view: Record<string, unknown> }[] = [];
  const search = q.search?.toLowerCase();
  for (const folder of folders) {
    for (const msg of folder.list()) {
      const view = messageFilterView(msg, folder);
      if (q.filter && !evaluateFilter(q.filter, view)) continue;
      if (search && ![msg.summary.subject, msg.summary.preview, msg.summary.from?.address ?? '', msg.summary.from?.name ?? '']
        .some((s) => s.toLowerCase().includes(search))) continue;
      rows.push({ folder, msg, view });
    }
  }
  const orderby = q.orderby.length > 0 ? q.orderby : [{ path: 'receivedDateTime', desc: true }];
  // Equal keys fall back to newest first and then id, so pages never overlap.
  sortBy(rows, [...orderby, { path: 'receivedDateTime', desc: true }, { path: 'id', desc: false }], (r, p) => pathValue(r.view, p));
  const page = rows.slice(q.skip, q.skip + q.top);
  const bodyType = preferredBodyType(req, reply);
  const value = [];
  for (const r of page) {
    const parsed: ParsedMail | undefined = needsParse(q.select) ? await parseStored(r.folder, r.msg) : undefined;
    const json = messageJson(r.msg, r.folder, parsed, { bodyType, select: q.select });
    value.push(expand ? { ...json, attachments: await expandedAttachments(r.folder, r.msg) } : json);
  }
  const selectSuffix = q.select ? `(${q.select.join(',')})` : '';
  return {
    '@odata.context': `${call.base}/$metadata#${call.contextPath}/${contextPath}${selectSuffix}`,
    ...(q.count ? { '@odata.count': rows.length } : {}),
    value,
    ...(q.skip + q.top < rows.length ? { '@odata.nextLink': linkWith(req, { $skip: String(q.skip + q.top) }) } : {}),
  };
}

function folderParam(call: GraphCall, req: FastifyRequest): Folder {
  const ref = (req.params as { folder: string }).folder;
  const folder = findFolder(call.mailbox, ref);
  if (!folder) throw notFoundItem();
  return folder;
}

/** The message of `:id`, if it is in the mailbox (and in `:folder` when the URL names one). */
export function messageParam(state: GraphState, call: GraphCall, req: FastifyRequest): { folder: Folder; msg: StoredMessage } {
  const params = req.params as { id: string; folder?: string };
  checkIdFormat(params.id);
  const found = findMessage(state, call.mailbox, params.id);
  if (!found) throw notFoundItem();
  if (params.folder !== undefined && findFolder(call.mailbox, params.folder)?.id !== found.folder.id) throw notFoundItem();
  return found;
}

const patchSchema = messageInputSchema.extend({
  isRead: z.boolean().optional(),
  flag: z.object({ flagStatus: z.enum(['notFlagged', 'flagged', 'complete']) }).loose().optional(),
});

const destinationSchema = z.object({ destinationId: z.string().min(1) });

function destination(mailbox: SandboxMailbox, body: unknown): Folder {
  const { destinationId } = parseBody(destinationSchema, body);
  const target = findFolder(mailbox, destinationId);
  if (!target) throw notFoundItem();
  return target;
}

const IMPORTANCE_HEADERS: Record<'low' | 'normal' | 'high', Record<string, string>> = {
  low: { Importance: 'Low', 'X-Priority': '5 (Lowest)' },
  normal: { Importance: 'Normal', 'X-Priority': '3 (Normal)' },
  high: { Importance: 'High', 'X-Priority': '1 (Highest)' },
};

/** The Graph JSON of a parsed draft, so a PATCH can merge into it and recompose. */
function draftInput(parsed: ParsedMail): GraphMessageInput {
  const list = (v: ParsedMail['to']) => (v === undefined ? [] : Array.isArray(v) ? v : [v])
    .flatMap((a) => a.value).filter((a) => a.address).map((a) => ({ emailAddress: { address: a.address!, name: a.name } }));
  return {
    subject: parsed.subject ?? '',
    body: typeof parsed.html === 'string' ? { contentType: 'html', content: parsed.html } : { contentType: 'text', content: parsed.text ?? '' },
    toRecipients: list(parsed.to),
    ccRecipients: list(parsed.cc),
    bccRecipients: list(parsed.bcc),
    replyTo: list(parsed.replyTo),
    attachments: parsed.attachments.map((a) => ({
      name: a.filename ?? 'attachment', contentType: a.contentType, contentBytes: a.content.toString('base64'),
      isInline: a.contentDisposition === 'inline', contentId: a.contentId?.replace(/^<|>$/g, '') ?? null,
    })),
  };
}

const CONTENT_FIELDS = ['subject', 'body', 'toRecipients', 'ccRecipients', 'bccRecipients', 'replyTo'] as const;

export function registerMessageRoutes(app: FastifyInstance, state: GraphState): void {
  const { ctx } = state;

  mailboxRoute(app, 'GET', '/messages', 'mail.read', (req, reply, call) =>
    listMessages(req, reply, call, call.mailbox.folders(), 'messages'));

  mailboxRoute(app, 'GET', '/mailFolders/:folder/messages', 'mail.read', (req, reply, call) => {
    const folder = folderParam(call, req);
    return listMessages(req, reply, call, [folder], `mailFolders('${(req.params as { folder: string }).folder}')/messages`);
  });

  for (const path of ['/messages/:id', '/mailFolders/:folder/messages/:id']) {
    mailboxRoute(app, 'GET', path, 'mail.read', async (req, reply, call) => {
      const { folder, msg } = messageParam(state, call, req);
      const query = req.query as Record<string, unknown>;
      const select = parseListQuery({ $select: query['$select'] }, MESSAGE_SHAPE).select;
      const expand = parseExpand(query['$expand']);
      const json = await renderMessage(req, reply, folder, msg, select);
      const context = `${call.base}/$metadata#${call.contextPath}/messages${expand ? '(attachments())' : ''}/$entity`;
      return { '@odata.context': context, ...json, ...(expand ? { attachments: await expandedAttachments(folder, msg) } : {}) };
    });

    mailboxRoute(app, 'GET', `${path}/$value`, 'mail.read', async (req, reply, call) => {
      const { folder, msg } = messageParam(state, call, req);
      return reply.type('message/rfc822').header('content-length', String(msg.size)).send(folder.stream(msg.uid));
    });

    mailboxRoute(app, 'PATCH', path, 'mail.write', async (req, reply, call) => {
      let { folder, msg } = messageParam(state, call, req);
      const patch = parseBody(patchSchema, req.body);
      const flagPatch = {
        ...(patch.isRead !== undefined ? { isRead: patch.isRead } : {}),
        ...(patch.flag ? { flagStatus: patch.flag.flagStatus } : {}),
        ...(patch.categories ? { categories: patch.categories } : {}),
      };
      const contentChange = CONTENT_FIELDS.some((f) => patch[f] !== undefined);
      if (contentChange) {
        const isDraft = msg.flags.has('\\Draft') || folder.wellKnown === 'drafts';
        if (!isDraft) throw badRequest('Only the subject, body and recipients of a draft can be changed.', 'ErrorInvalidPropertyUpdateSentMessage');
        const merged = { ...draftInput(await parseStored(folder, msg)), ...Object.fromEntries(CONTENT_FIELDS.filter((f) => patch[f] !== undefined).map((f) => [f, patch[f]])) };
        if (patch.importance) merged.importance = patch.importance;
        const raw = await composeMessage(merged, { from: { address: call.mailbox.address, name: call.mailbox.displayName }, domain: ctx.domain, nowMs: ctx.now(), keepBcc: true });
        msg = await rewriteMessage(state, folder, msg, raw);
      } else if (patch.importance && patch.importance.toLowerCase() !== msg.summary.importance) {
        const raw = setHeaders(await folder.read(msg.uid), IMPORTANCE_HEADERS[patch.importance.toLowerCase() as 'low']);
        msg = await rewriteMessage(state, folder, msg, raw);
      }
      if (Object.keys(flagPatch).length > 0) msg = folder.setFlags(msg.uid, patchFlags(msg.flags, flagPatch));
      return { '@odata.context': `${call.base}/$metadata#${call.contextPath}/messages/$entity`, ...(await renderMessage(req, reply, folder, msg)) };
    });

    mailboxRoute(app, 'DELETE', path, 'mail.write', async (req, reply, call) => {
      const { folder, msg } = messageParam(state, call, req);
      const trash = call.mailbox.folder('deleteditems');
      // Exchange moves to Deleted Items; from there a delete goes to Recoverable Items (gone for clients).
      if (!trash || folder.id === trash.id) folder.expunge([msg.uid]);
      else await folder.moveTo(msg.uid, trash);
      return reply.code(204).send();
    });

    mailboxRoute(app, 'POST', `${path}/permanentDelete`, 'mail.write', async (req, reply, call) => {
      const { folder, msg } = messageParam(state, call, req);
      folder.expunge([msg.uid]);
      return reply.code(204).send();
    });

    for (const op of ['move', 'copy'] as const) {
      mailboxRoute(app, 'POST', `${path}/${op}`, 'mail.write', async (req, reply, call) => {
        const { folder, msg } = messageParam(state, call, req);
        const target = destination(call.mailbox, req.body);
        const moved = op === 'move' ? await folder.moveTo(msg.uid, target) : await folder.copyTo(msg.uid, target);
        return reply.code(201).send({
          '@odata.context': `${call.base}/$metadata#${call.contextPath}/messages/$entity`,
          ...(await renderMessage(req, reply, target, moved)),
        });
      });
    }

    mailboxRoute(app, 'POST', `${path}/send`, 'mail.send', async (req, reply, call) => {
      const { folder, msg } = messageParam(state, call, req);
      const raw = await folder.read(msg.uid);
      await submitMessage(state, call, raw, recipientsOf(msg), true);
      folder.expunge([msg.uid]);
      return reply.code(202).send();
    });
  }

  for (const path of ['/messages', '/mailFolders/:folder/messages']) {
    mailboxRoute(app, 'POST', path, 'mail.write', async (req, reply, call) => {
      const folder = path === '/messages' ? call.mailbox.folder('drafts') : folderParam(call, req);
      if (!folder) throw notFoundItem();
      const input = parseBody(messageInputSchema, req.body);
      const raw = await composeMessage(input, { from: { address: call.mailbox.address, name: call.mailbox.displayName }, domain: ctx.domain, nowMs: ctx.now(), keepBcc: true });
      let msg = await folder.append(raw, { flags: ['\\Draft', '\\Seen'], receivedAt: ctx.now() });
      if (input.categories) msg = folder.setFlags(msg.uid, patchFlags(msg.flags, { categories: input.categories }));
      return reply.code(201).send({ '@odata.context': `${call.base}/$metadata#${call.contextPath}/messages/$entity`, ...(await renderMessage(req, reply, folder, msg)) });
    });
  }
}

export function recipientsOf(msg: StoredMessage): string[] {
  const s = msg.summary;
  return [...new Set([...s.to, ...s.cc, ...s.bcc].map((a) => a.address.toLowerCase()))];
}

/**
 * Submit a message as Exchange does for sendMail and draft send: deliver to every recipient
 * (Bcc removed from the delivered copy) and keep the sender's copy in Sent Items when asked.
 */
export async function submitMessage(state: GraphState, call: GraphCall, raw: Buffer, recipients: string[], saveToSentItems: boolean): Promise<void> {
  if (recipients.length === 0) {
    throw badRequest('At least one recipient isn\'t valid., A message can\'t be sent because it contains no recipients.', 'ErrorInvalidRecipients');
  }
  await state.ctx.store.deliver(setHeaders(raw, { Bcc: undefined }), { from: call.mailbox.address, to: recipients });
  const sent = call.mailbox.folder('sentitems');
  if (saveToSentItems && sent) await sent.append(raw, { flags: ['\\Seen'], receivedAt: state.ctx.now() });
}
