import type { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { Mailbox } from '../mail/mailbox.js';
import { openMailbox } from '../mail/open.js';
import type { ServerContext } from './context.js';

/** What a streamed mail answer sends: the bytes, their type, and a file name for a download. */
export interface MailStream {
  body: Readable;
  type: string;
  filename?: string;
}

/**
 * A streamed answer from a mailbox (a message's source, one attachment), for the REST API and
 * the console alike: the mailbox stays open while the bytes flow and closes when the stream
 * ends or the client goes away. With a file name the answer is a download
 * (Content-Disposition: attachment, RFC 6266, the name as RFC 8187 UTF-8).
 */
export async function streamFromMailbox(
  ctx: Pick<ServerContext, 'store' | 'tokens' | 'logger'>,
  reply: FastifyReply,
  resource: string,
  open: (m: Mailbox) => Promise<MailStream>,
): Promise<FastifyReply> {
  const m = await openMailbox({ resource, store: ctx.store, tokens: ctx.tokens, ...(ctx.logger ? { logger: ctx.logger } : {}) });
  let out: MailStream;
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
}
