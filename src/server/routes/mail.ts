import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Readable } from 'node:stream';
import { ConfigError } from '../../errors.js';
import { parseMessageFilter, type Mailbox } from '../../mail/mailbox.js';
import type { MailDraft } from '../../mail/message.js';
import { openMailbox } from '../../mail/open.js';
import { streamAttachment } from '../attachment-stream.js';
import type { ServerContext } from '../context.js';
import { anyObject, errorResponses } from '../schema.js';

const resourceParam = { type: 'object', properties: { resource: { type: 'string', minLength: 1 } }, required: ['resource'] } as const;
const messageParams = {
  type: 'object', properties: { resource: { type: 'string', minLength: 1 }, id: { type: 'string', minLength: 1 } }, required: ['resource', 'id'],
} as const;
const folderQuery = { type: 'object', properties: { folder: { type: 'string', minLength: 1, default: 'INBOX' } } } as const;
const idsBody = (extra: Record<string, unknown>, required: string[] = []) => ({
  type: 'object',
  properties: { ids: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1 }, folder: { type: 'string', minLength: 1, default: 'INBOX' }, ...extra },
  required: ['ids', ...required], additionalProperties: false,
});
const addressList = { type: 'array', items: { type: 'string', minLength: 3 } } as const;

type ListQuery = {
  folder: string; limit?: number; unseen?: boolean; since?: string; before?: string; from?: string; to?: string;
  subject?: string; hasAttachments?: boolean; larger?: number; smaller?: number;
};

interface SendBody {
  to: string[]; cc?: string[]; bcc?: string[]; replyTo?: string[]; from?: string; subject: string; text?: string; html?: string;
  priority?: 'high' | 'normal' | 'low'; headers?: Record<string, string>; encoding?: 'utf-8' | 'iso-2022-jp';
  attachments?: { filename: string; contentType?: string; contentBase64: string }[];
}

/** /api/mail/{resource}/…: the Mailbox facade over HTTP, one connection per call. */
export function mailRoutes(ctx: ServerContext): FastifyPluginAsync {
  const withMailbox = async <T>(resource: string, work: (m: Mailbox) => Promise<T>): Promise<T> => {
    const m = await openMailbox({ resource, store: ctx.store, tokens: ctx.tokens, ...(ctx.logger ? { logger: ctx.logger } : {}) });
    try {
      return await work(m);
    } finally {
      await m.close().catch(() => undefined);
    }
  };
  /** A streamed answer: the mailbox closes when the stream ends or the client goes away. */
  const stream = async (reply: FastifyReply, resource: string, open: (m: Mailbox) => Promise<{ body: Readable; type: string; filename?: string }>): Promise<FastifyReply> => {
    const m = await openMailbox({ resource, store: ctx.store, tokens: ctx.tokens, ...(ctx.logger ? { logger: ctx.logger } : {}) });
    let out: { body: Readable; type: string; filename?: string };
    try {
      out = await open(m);
    } catch (e) {
      await m.close().catch(() => undefined);
      throw e;
    }
    const done = (): void => void m.close().catch(() => undefined);
    out.body.once('close', done);
    if (out.filename) reply.header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(out.filename)}`);
    return reply.type(out.type).send(out.body);
  };

  return async (app) => {
    const tags = ['mail'];

    app.get<{ Params: { resource: string } }>('/mail/:resource/folders', {
      schema: { tags, summary: 'folders with message and unseen counts', params: resourceParam, response: { 200: { type: 'array', items: anyObject }, ...errorResponses } },
    }, async (req) => withMailbox(req.params.resource, (m) => m.folders()));

    app.get<{ Params: { resource: string }; Querystring: ListQuery }>('/mail/:resource/messages', {
      schema: { tags, summary: 'list messages (newest last), optionally filtered', params: resourceParam,
        querystring: { type: 'object', properties: {
          folder: { type: 'string', minLength: 1, default: 'INBOX' }, limit: { type: 'integer', minimum: 1, maximum: 1000 },
          unseen: { type: 'boolean' }, since: { type: 'string' }, before: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' },
          subject: { type: 'string' }, hasAttachments: { type: 'boolean' }, larger: { type: 'integer', minimum: 0 }, smaller: { type: 'integer', minimum: 0 },
        }, additionalProperties: false },
        response: { 200: { type: 'array', items: anyObject }, ...errorResponses } },
    }, async (req) => {
      const { folder, limit, ...f } = req.query;
      const filter = parseMessageFilter(Object.fromEntries(Object.entries(f).filter(([, v]) => v !== undefined)));
      return withMailbox(req.params.resource, (m) => m.list({ folder, filter, ...(limit ? { limit } : {}) }));
    });

    app.get<{ Params: { resource: string; id: string }; Querystring: { folder: string } }>('/mail/:resource/messages/:id', {
      schema: { tags, summary: 'one message: headers, text, HTML and the attachment list', params: messageParams, querystring: folderQuery, response: { 200: anyObject, ...errorResponses } },
    }, async (req) => withMailbox(req.params.resource, (m) => m.get(req.params.id, { folder: req.query.folder })));

    app.get<{ Params: { resource: string; id: string }; Querystring: { folder: string } }>('/mail/:resource/messages/:id/raw', {
      schema: { tags, summary: 'the RFC 5322 source (.eml), streamed', params: messageParams, querystring: folderQuery, produces: ['message/rfc822'] },
    }, async (req, reply) => stream(reply, req.params.resource, async (m) => ({
      body: await m.raw(req.params.id, { folder: req.query.folder }), type: 'message/rfc822', filename: `${req.params.id}.eml`,
    })));

    app.get<{ Params: { resource: string; id: string; index: number }; Querystring: { folder: string } }>('/mail/:resource/messages/:id/attachments/:index', {
      schema: { tags, summary: 'one attachment (0-based, in the listed order), streamed',
        params: { type: 'object', properties: { ...messageParams.properties, index: { type: 'integer', minimum: 0 } }, required: ['resource', 'id', 'index'] },
        querystring: folderQuery, produces: ['application/octet-stream'] },
    }, async (req, reply) => stream(reply, req.params.resource, async (m) => {
      const a = await streamAttachment(await m.raw(req.params.id, { folder: req.query.folder }), req.params.index);
      return { body: a.stream, type: a.contentType, filename: a.filename ?? `attachment-${req.params.index}` };
    }));

    app.post<{ Params: { resource: string }; Body: { ids: string[]; folder: string; read?: boolean; flagged?: boolean } }>('/mail/:resource/mark', {
      schema: { tags, summary: 'mark read/unread and/or flagged/unflagged', params: resourceParam,
        body: idsBody({ read: { type: 'boolean' }, flagged: { type: 'boolean' } }), response: { 200: anyObject, ...errorResponses } },
    }, async (req) => {
      const { ids, folder, read, flagged } = req.body;
      if (read === undefined && flagged === undefined) {
        throw new ConfigError({ code: 'MARK_NOTHING', field: 'read', message: 'nothing to mark', hint: 'give read and/or flagged (true or false)' });
      }
      await withMailbox(req.params.resource, async (m) => {
        if (read !== undefined) await m.markRead(ids, read, { folder });
        if (flagged !== undefined) await m.flag(ids, flagged, { folder });
      });
      return { ok: true, ids };
    });

    for (const verb of ['move', 'copy'] as const) {
      app.post<{ Params: { resource: string }; Body: { ids: string[]; folder: string; to: string } }>(`/mail/:resource/${verb}`, {
        schema: { tags, summary: `${verb} messages to another folder`, params: resourceParam,
          body: idsBody({ to: { type: 'string', minLength: 1 } }, ['to']), response: { 200: anyObject, ...errorResponses } },
      }, async (req) => {
        await withMailbox(req.params.resource, (m) => m[verb](req.body.ids, req.body.to, { folder: req.body.folder }));
        return { ok: true, ids: req.body.ids, to: req.body.to };
      });
    }

    app.post<{ Params: { resource: string }; Body: { ids: string[]; folder: string } }>('/mail/:resource/delete', {
      schema: { tags, summary: 'delete messages for good (IMAP expunge, POP3 DELE)', params: resourceParam, body: idsBody({}), response: { 200: anyObject, ...errorResponses } },
    }, async (req) => {
      await withMailbox(req.params.resource, (m) => m.delete(req.body.ids, { folder: req.body.folder }));
      return { ok: true, ids: req.body.ids };
    });

    app.post<{ Params: { resource: string }; Body: SendBody }>('/mail/:resource/send', {
      schema: { tags, summary: 'send a message through an smtp resource (attachments as base64)', params: resourceParam,
        body: { type: 'object', properties: {
          to: { ...addressList, minItems: 1 }, cc: addressList, bcc: addressList, replyTo: addressList, from: { type: 'string' },
          subject: { type: 'string' }, text: { type: 'string' }, html: { type: 'string' },
          priority: { type: 'string', enum: ['high', 'normal', 'low'] }, headers: { type: 'object', additionalProperties: { type: 'string' } },
          encoding: { type: 'string', enum: ['utf-8', 'iso-2022-jp'] },
          attachments: { type: 'array', items: { type: 'object', properties: {
            filename: { type: 'string', minLength: 1 }, contentType: { type: 'string' }, contentBase64: { type: 'string' } }, required: ['filename', 'contentBase64'], additionalProperties: false } },
        }, required: ['to', 'subject'], additionalProperties: false },
        response: { 200: anyObject, ...errorResponses } },
    }, async (req) => withMailbox(req.params.resource, (m) => m.send(draftOf(req.body))));
  };
}

function draftOf(b: SendBody): MailDraft {
  if (b.text === undefined && b.html === undefined) {
    throw new ConfigError({ code: 'SEND_NO_BODY', field: 'text', message: 'the message has no body', hint: 'give text, html or both' });
  }
  for (const [name] of Object.entries(b.headers ?? {})) {
    if (!/^[A-Za-z0-9-]+$/.test(name)) {
      throw new ConfigError({ code: 'SEND_HEADER_INVALID', field: `headers.${name}`, message: `"${name}" is not a header name`, hint: 'use letters, digits and -, e.g. X-Campaign' });
    }
  }
  return {
    from: b.from ?? '', to: b.to, subject: b.subject,
    ...(b.cc ? { cc: b.cc } : {}), ...(b.bcc ? { bcc: b.bcc } : {}), ...(b.replyTo ? { replyTo: b.replyTo } : {}),
    ...(b.text !== undefined ? { text: b.text } : {}), ...(b.html !== undefined ? { html: b.html } : {}),
    ...(b.priority ? { priority: b.priority } : {}), ...(b.headers ? { headers: b.headers } : {}), ...(b.encoding ? { encoding: b.encoding } : {}),
    ...(b.attachments ? { attachments: b.attachments.map((a) => ({ filename: a.filename, content: Buffer.from(a.contentBase64, 'base64'),
      ...(a.contentType ? { contentType: a.contentType } : {}) })) } : {}),
  };
}
