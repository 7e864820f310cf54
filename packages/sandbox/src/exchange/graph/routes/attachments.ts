import type { FastifyInstance } from 'fastify';
import type { Folder, StoredMessage } from '../../contract.js';
import { GraphError, notFoundItem } from '../errors.js';
import { mailboxRoute, parseBody } from '../http.js';
import { addAttachmentToMime, decodeBase64Strict, fileAttachmentSchema } from '../mime.js';
import { attachmentIndex, attachmentJson, parseStored } from '../serialize.js';
import { rewriteMessage, type GraphState } from '../state.js';
import { messageParam } from './messages.js';

/** Above this, Graph wants an upload session (microsoft.md §5.5). */
export const MAX_INLINE_ATTACHMENT_BYTES = 3 * 1024 * 1024;

/** Add an attachment to a stored message (a MIME rewrite: the message gets a new id, the old one stays an alias). */
export async function attachToMessage(
  state: GraphState, folder: Folder, msg: StoredMessage,
  att: { name: string; contentType: string; content: Buffer; isInline: boolean; contentId?: string },
): Promise<{ msg: StoredMessage; attachment: Record<string, unknown> }> {
  const raw = addAttachmentToMime(await folder.read(msg.uid), att);
  const next = await rewriteMessage(state, folder, msg, raw);
  const parsed = await parseStored(folder, next);
  const index = parsed.attachments.length - 1;
  const added = parsed.attachments[index];
  if (!added) throw new GraphError(500, 'generalException', 'The attachment could not be added.');
  return { msg: next, attachment: attachmentJson(next, added, index, false) };
}

export function registerAttachmentRoutes(app: FastifyInstance, state: GraphState): void {
  for (const base of ['/messages/:id', '/mailFolders/:folder/messages/:id']) {
    mailboxRoute(app, 'GET', `${base}/attachments`, 'mail.read', async (req, _reply, call) => {
      const { folder, msg } = messageParam(state, call, req);
      const parsed = await parseStored(folder, msg);
      return {
        '@odata.context': `${call.base}/$metadata#${call.contextPath}/messages('${msg.id}')/attachments`,
        value: parsed.attachments.map((a, i) => attachmentJson(msg, a, i, true)),
      };
    });

    const one = async (req: Parameters<Parameters<typeof mailboxRoute>[4]>[0], call: Parameters<Parameters<typeof mailboxRoute>[4]>[2]) => {
      const { folder, msg } = messageParam(state, call, req);
      const index = attachmentIndex(msg.id, (req.params as { aid: string }).aid);
      const parsed = await parseStored(folder, msg);
      const att = index === undefined ? undefined : parsed.attachments[index];
      if (!att || index === undefined) throw notFoundItem();
      return { msg, att, index };
    };

    mailboxRoute(app, 'GET', `${base}/attachments/:aid`, 'mail.read', async (req, _reply, call) => {
      const { msg, att, index } = await one(req, call);
      return { '@odata.context': `${call.base}/$metadata#${call.contextPath}/messages('${msg.id}')/attachments/$entity`, ...attachmentJson(msg, att, index, true) };
    });

    mailboxRoute(app, 'GET', `${base}/attachments/:aid/$value`, 'mail.read', async (req, reply, call) => {
      const { att } = await one(req, call);
      return reply.type(att.contentType || 'application/octet-stream').send(att.content);
    });

    mailboxRoute(app, 'POST', `${base}/attachments`, 'mail.write', async (req, reply, call) => {
      const { folder, msg } = messageParam(state, call, req);
      const input = parseBody(fileAttachmentSchema, req.body);
      if (input['@odata.type'] !== undefined && !/fileAttachment$/i.test(input['@odata.type'])) {
        throw new GraphError(400, 'ErrorInvalidRequest', 'Only #microsoft.graph.fileAttachment can be added by the sandbox.');
      }
      const content = decodeBase64Strict(input.contentBytes, () => new GraphError(400, 'ErrorInvalidRequest', 'contentBytes is not valid base64.'));
      if (content.length > MAX_INLINE_ATTACHMENT_BYTES) {
        throw new GraphError(413, 'ErrorRequestEntityTooLarge', 'The attachment is larger than 3 MB: use an upload session (attachments/createUploadSession).');
      }
      const { msg: updated, attachment } = await attachToMessage(state, folder, msg, {
        name: input.name, contentType: input.contentType ?? 'application/octet-stream', content, isInline: input.isInline ?? false,
        ...(input.contentId ? { contentId: input.contentId } : {}),
      });
      return reply.code(201).send({
        '@odata.context': `${call.base}/$metadata#${call.contextPath}/messages('${updated.id}')/attachments/$entity`,
        ...attachment, contentBytes: input.contentBytes,
      });
    });
  }
}
