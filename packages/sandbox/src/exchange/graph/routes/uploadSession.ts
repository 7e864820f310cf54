import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { GraphError, notFoundItem, sendGraphError } from '../errors.js';
import { mailboxRoute, parseBody } from '../http.js';
import { graphDateTime } from '../serialize.js';
import { findMessage, type GraphState } from '../state.js';
import { MAX_ATTACHMENT_BYTES, MAX_CHUNK_BYTES, UploadError, type UploadSession } from '../uploads.js';
import { attachToMessage } from './attachments.js';
import { messageParam } from './messages.js';

const createSchema = z.object({
  AttachmentItem: z.object({
    attachmentType: z.literal('file'),
    name: z.string().min(1),
    size: z.number().int().positive(),
    contentType: z.string().optional(),
    isInline: z.boolean().optional(),
    contentId: z.string().optional(),
  }),
});

/** Outlook's own URL shape for the session; the authtoken in it is the only credential. */
const sessionPath = (s: UploadSession): string =>
  `/api/v2.0/Users('${encodeURIComponent(s.mailbox)}')/Messages('${s.messageId}')/AttachmentSessions('${s.id}')`;

const originOf = (req: FastifyRequest): string => `${req.protocol}://${req.host}`;

export function registerUploadSessionRoutes(app: FastifyInstance, state: GraphState): void {
  for (const base of ['/messages/:id', '/mailFolders/:folder/messages/:id']) {
    mailboxRoute(app, 'POST', `${base}/attachments/createUploadSession`, 'mail.write', async (req, reply, call) => {
      const { msg } = messageParam(state, call, req);
      const { AttachmentItem: item } = parseBody(createSchema, req.body);
      if (item.size > MAX_ATTACHMENT_BYTES) {
        throw new GraphError(400, 'ErrorAttachmentSizeLimitExceeded', 'The attachment exceeds the maximum size of 150 MB.');
      }
      const session = state.uploads.create({
        mailbox: call.mailbox.address, messageId: msg.id, name: item.name, size: item.size,
        contentType: item.contentType ?? 'application/octet-stream', isInline: item.isInline ?? false,
        ...(item.contentId ? { contentId: item.contentId } : {}),
      });
      return reply.code(201).send({
        '@odata.context': `${call.base}/$metadata#microsoft.graph.uploadSession`,
        uploadUrl: `${originOf(req)}${sessionPath(session)}?authtoken=${session.token}`,
        expirationDateTime: graphDateTime(session.expiresAt),
        nextExpectedRanges: ['0-'],
      });
    });
  }

  const sessionOf = (req: FastifyRequest): UploadSession => {
    const m = /AttachmentSessions\('([^']+)'\)/.exec(decodeURIComponent(req.url.split('?')[0] ?? ''));
    const token = (req.query as Record<string, string | undefined>)['authtoken'] ?? '';
    const session = m ? state.uploads.get(m[1]!, token) : undefined;
    if (!session) throw new GraphError(404, 'ErrorItemNotFound', 'The upload session was not found or has expired.');
    return session;
  };

  // Upload URLs carry no Authorization header (microsoft.md §5.5 step 2).
  app.put('/api/v2.0/*', { bodyLimit: MAX_CHUNK_BYTES }, async (req: FastifyRequest, reply: FastifyReply) => {
    const session = sessionOf(req);
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    let result;
    try {
      result = state.uploads.put(session, req.headers['content-range'], body);
    } catch (e) {
      if (e instanceof UploadError) {
        return sendGraphError(req, reply, new GraphError(e.status, e.code, e.message), state.ctx.now());
      }
      throw e;
    }
    if (result.kind === 'partial') {
      return reply.code(200).send({
        '@odata.context': `${originOf(req)}/api/v2.0/$metadata#Users('${encodeURIComponent(session.mailbox)}')/Messages('${session.messageId}')/AttachmentSessions/$entity`,
        ExpirationDateTime: graphDateTime(session.expiresAt),
        nextExpectedRanges: [String(session.received)],
      });
    }
    const mailbox = state.ctx.store.mailbox(session.mailbox);
    const found = mailbox ? findMessage(state, mailbox, session.messageId) : undefined;
    if (!found) throw notFoundItem();
    const { msg, attachment } = await attachToMessage(state, found.folder, found.msg, {
      name: session.name, contentType: session.contentType, content: result.content, isInline: session.isInline,
      ...(session.contentId ? { contentId: session.contentId } : {}),
    });
    return reply.code(201)
      .header('location', `${originOf(req)}/api/v2.0/Users('${encodeURIComponent(session.mailbox)}')/Messages('${msg.id}')/Attachments('${String(attachment['id'])}')`)
      .send();
  });

  app.delete('/api/v2.0/*', async (req: FastifyRequest, reply: FastifyReply) => {
    state.uploads.cancel(sessionOf(req).id);
    return reply.code(204).send();
  });
}
