import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ConfigError } from '../../errors.js';
import { parseMessageFilter } from '../../message/filter.js';
import type { Mailbox } from '../../mail/mailbox.js';
import { openMailbox } from '../../mail/open.js';
import { streamAttachment } from '../attachment-stream.js';
import type { ServerContext } from '../context.js';
import { streamFromMailbox, type MailStream } from '../mail-stream.js';
import { TOKEN_BLOCKED, binary, errorAnswers, json } from '../schemas/common.js';
import {
  attachmentParams,
  deleteBody,
  folderQuery,
  folderSchema,
  listQuery,
  markBody,
  markedSchema,
  messageParams,
  messageSchema,
  messageSummarySchema,
  resourceParams,
  sendBody,
  sendResultSchema,
  transferBody,
  transferredSchema,
} from '../schemas/mail.js';

/** /api/mail/{resource}/…: the Mailbox facade over HTTP, one connection per call. */
export function mailRoutes(ctx: ServerContext): FastifyPluginAsync {
  const withMailbox = async <T>(resource: string, work: (m: Mailbox) => Promise<T>): Promise<T> => {
    const m = await openMailbox({
      resource,
      store: ctx.store,
      tokens: ctx.tokens,
      ...(ctx.logger ? { logger: ctx.logger } : {}),
    });
    try {
      return await work(m);
    } finally {
      await m.close().catch(() => undefined);
    }
  };
  const stream = (
    reply: FastifyReply,
    resource: string,
    open: (m: Mailbox) => Promise<MailStream>,
  ): Promise<FastifyReply> => streamFromMailbox(ctx, reply, resource, open);

  return async (plugin) => {
    const app = plugin.withTypeProvider<ZodTypeProvider>();
    const tags = ['mail'];
    const notFound = { 404: ['RESOURCE_NOT_FOUND', 'MESSAGE_NOT_FOUND', 'FOLDER_NOT_FOUND'] } as const;
    // A mailbox call needs a usable token (409 when a person must act first) and the mail server (502).
    const upstream = {
      409: TOKEN_BLOCKED,
      502: ['IMAP_AUTH_FAILED', 'SMTP_AUTH_FAILED', "the mail server's and the token endpoint's codes"],
    } as const;
    const unsupported = ['MAIL_OPERATION_UNSUPPORTED'] as const;

    app.get(
      '/mail/:resource/folders',
      {
        schema: {
          tags,
          operationId: 'listFolders',
          summary: 'List folders',
          description:
            "The mailbox's folders with their message and unseen counts (IMAP, EWS, Graph; POP3 has INBOX only).",
          params: resourceParams,
          response: { 200: json('The folders.', z.array(folderSchema)), ...errorAnswers({ ...notFound, ...upstream }) },
        },
      },
      async (req) => withMailbox(req.params.resource, (m) => m.folders()),
    );

    app.get(
      '/mail/:resource/messages',
      {
        schema: {
          tags,
          operationId: 'listMessages',
          summary: 'List messages',
          description:
            'Messages of a folder, newest last, optionally filtered ' +
            '(dates, addresses, subject, size, unseen, attachments).',
          params: resourceParams,
          querystring: listQuery,
          response: {
            200: json("The messages' headers and flags.", z.array(messageSummarySchema)),
            ...errorAnswers({ 400: ['FILTER_INVALID', ...unsupported], ...notFound, ...upstream }),
          },
        },
      },
      async (req) => {
        const { folder, limit, ...f } = req.query;
        const filter = parseMessageFilter(Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)));
        return withMailbox(req.params.resource, (m) => m.list({ folder, filter, ...(limit ? { limit } : {}) }));
      },
    );

    app.get(
      '/mail/:resource/messages/:id',
      {
        schema: {
          tags,
          operationId: 'getMessage',
          summary: 'Get a message',
          description:
            'One message: its headers, text, HTML and the attachment list (the bytes come from the attachment route).',
          params: messageParams,
          querystring: folderQuery,
          response: {
            200: json('The message.', messageSchema),
            ...errorAnswers({ 400: unsupported, ...notFound, ...upstream }),
          },
        },
      },
      async (req) => withMailbox(req.params.resource, (m) => m.get(req.params.id, { folder: req.query.folder })),
    );

    app.get(
      '/mail/:resource/messages/:id/raw',
      {
        schema: {
          tags,
          operationId: 'getMessageSource',
          summary: "Get a message's source",
          description: 'The RFC 5322 source (.eml), streamed.',
          params: messageParams,
          querystring: folderQuery,
          response: {
            200: { description: 'The message source.', content: { 'message/rfc822': { schema: binary } } },
            ...errorAnswers({ 400: unsupported, ...notFound, ...upstream }),
          },
        },
      },
      async (req, reply) =>
        stream(reply, req.params.resource, async (m) => ({
          body: await m.raw(req.params.id, { folder: req.query.folder }),
          type: 'message/rfc822',
          filename: `${req.params.id}.eml`,
        })),
    );

    app.get(
      '/mail/:resource/messages/:id/attachments/:index',
      {
        schema: {
          tags,
          operationId: 'getAttachment',
          summary: 'Get an attachment',
          description:
            "One attachment's bytes (0-based, in the order of the message's attachment list), streamed with its own " +
            'content type and a Content-Disposition naming the file.',
          params: attachmentParams,
          querystring: folderQuery,
          response: {
            200: {
              description: "The attachment's bytes.",
              content: { 'application/octet-stream': { schema: binary } },
            },
            ...errorAnswers({ 400: unsupported, 404: [...notFound[404], 'ATTACHMENT_NOT_FOUND'], ...upstream }),
          },
        },
      },
      async (req, reply) =>
        stream(reply, req.params.resource, async (m) => {
          const a = await streamAttachment(await m.raw(req.params.id, { folder: req.query.folder }), req.params.index);
          return { body: a.stream, type: a.contentType, filename: a.filename ?? `attachment-${req.params.index}` };
        }),
    );

    app.post(
      '/mail/:resource/mark',
      {
        schema: {
          tags,
          operationId: 'markMessages',
          summary: 'Mark messages',
          description: 'Mark read or unread, and/or flagged or unflagged.',
          params: resourceParams,
          body: markBody,
          response: {
            200: json('Marked.', markedSchema),
            ...errorAnswers({ 400: ['MARK_NOTHING', ...unsupported], ...notFound, ...upstream }),
          },
        },
      },
      async (req) => {
        const { ids, folder, read, flagged } = req.body;
        if (read === undefined && flagged === undefined) {
          throw new ConfigError({
            code: 'MARK_NOTHING',
            field: 'read',
            message: 'nothing to mark',
            hint: 'give read and/or flagged (true or false)',
          });
        }
        await withMailbox(req.params.resource, async (m) => {
          if (read !== undefined) await m.markRead(ids, read, { folder });
          if (flagged !== undefined) await m.flag(ids, flagged, { folder });
        });
        return { ok: true as const, ids };
      },
    );

    for (const verb of ['move', 'copy'] as const) {
      app.post(
        `/mail/:resource/${verb}`,
        {
          schema: {
            tags,
            operationId: `${verb}Messages`,
            summary: `${verb === 'move' ? 'Move' : 'Copy'} messages`,
            description: `${verb === 'move' ? 'Move' : 'Copy'} messages to another folder of the same mailbox.`,
            params: resourceParams,
            body: transferBody,
            response: {
              200: json(verb === 'move' ? 'Moved.' : 'Copied.', transferredSchema),
              ...errorAnswers({ 400: unsupported, ...notFound, ...upstream }),
            },
          },
        },
        async (req) => {
          await withMailbox(req.params.resource, (m) =>
            m[verb](req.body.ids, req.body.to, { folder: req.body.folder }),
          );
          return { ok: true as const, ids: req.body.ids, to: req.body.to };
        },
      );
    }

    app.post(
      '/mail/:resource/delete',
      {
        schema: {
          tags,
          operationId: 'deleteMessages',
          summary: 'Delete messages',
          description: 'Delete messages for good (IMAP expunge, POP3 DELE).',
          params: resourceParams,
          body: deleteBody,
          response: {
            200: json('Deleted.', markedSchema),
            ...errorAnswers({ 400: unsupported, ...notFound, ...upstream }),
          },
        },
      },
      async (req) => {
        await withMailbox(req.params.resource, (m) => m.delete(req.body.ids, { folder: req.body.folder }));
        return { ok: true as const, ids: req.body.ids };
      },
    );

    app.post(
      '/mail/:resource/send',
      {
        schema: {
          tags,
          operationId: 'sendMessage',
          summary: 'Send a message',
          description:
            "Send through an smtp resource (or an EWS/Graph one). The draft is the library's MailDraft as JSON; " +
            'attachments carry their bytes as base64. Custom header names are checked by the composer ' +
            '(HEADER_NAME_INVALID).',
          params: resourceParams,
          body: sendBody,
          response: {
            200: json('Accepted by the server.', sendResultSchema),
            ...errorAnswers({
              400: [
                'SEND_NO_BODY',
                'HEADER_NAME_INVALID',
                'HEADER_RESERVED',
                'ADDRESS_INVALID',
                'TOO_MANY_RECIPIENTS',
                ...unsupported,
              ],
              404: ['RESOURCE_NOT_FOUND'],
              ...upstream,
            }),
          },
        },
      },
      async (req) => {
        if (req.body.text === undefined && req.body.html === undefined) {
          throw new ConfigError({
            code: 'SEND_NO_BODY',
            field: 'text',
            message: 'the message has no body',
            hint: 'give text, html or both',
          });
        }
        return withMailbox(req.params.resource, (m) => m.send(req.body));
      },
    );
  };
}
