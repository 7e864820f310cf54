import type { FastifyInstance } from 'fastify';
import { simpleParser, type AddressObject } from 'mailparser';
import { z } from 'zod';
import { GraphError } from '../errors.js';
import { mailboxRoute, parseBody } from '../http.js';
import { composeMessage, decodeBase64Strict, messageInputSchema } from '../mime.js';
import type { GraphCall, GraphState } from '../state.js';
import { submitMessage } from './messages.js';

const sendMailSchema = z.object({
  message: messageInputSchema,
  // The doc's example sends the string "false"; both forms are accepted.
  saveToSentItems: z.union([z.boolean(), z.enum(['true', 'false']).transform((s) => s === 'true')]).optional(),
});

const invalidMime = (): GraphError => new GraphError(400, 'ErrorMimeContentInvalidBase64String', 'Invalid base64 string for MIME content.');

const addresses = (v: AddressObject | AddressObject[] | undefined): string[] =>
  (v === undefined ? [] : Array.isArray(v) ? v : [v]).flatMap((a) => a.value).flatMap((a) => (a.address ? [a.address.toLowerCase()] : []));

/** Send As: the mailbox itself, an app acting for it, or a user holding Send As on it. */
function checkSendAs(state: GraphState, call: GraphCall, fromAddress: string | undefined): void {
  if (!fromAddress || fromAddress.toLowerCase() === call.mailbox.address || call.principal.appOnly) return;
  const allowed = state.ctx.settings.sendAs[fromAddress.toLowerCase()] ?? [];
  if (call.principal.upn && allowed.map((u) => u.toLowerCase()).includes(call.principal.upn.toLowerCase())) return;
  throw new GraphError(403, 'ErrorSendAsDenied',
    'The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account.');
}

/** POST /sendMail (microsoft.md §5.1): JSON message or base64 MIME as text/plain; 202 Accepted. */
export function registerSendMailRoutes(app: FastifyInstance, state: GraphState): void {
  mailboxRoute(app, 'POST', '/sendMail', 'mail.send', async (req, reply, call) => {
    const contentType = String(req.headers['content-type'] ?? '').toLowerCase();
    if (contentType.startsWith('text/plain')) {
      const raw = decodeBase64Strict(typeof req.body === 'string' ? req.body : '', invalidMime);
      const parsed = await simpleParser(raw);
      if (parsed.headerLines.length === 0) throw invalidMime();
      checkSendAs(state, call, addresses(parsed.from)[0]);
      const recipients = [...new Set([...addresses(parsed.to), ...addresses(parsed.cc), ...addresses(parsed.bcc)])];
      await submitMessage(state, call, raw, recipients, true);
      return reply.code(202).send();
    }
    const body = parseBody(sendMailSchema, req.body);
    checkSendAs(state, call, body.message.from?.emailAddress.address);
    const raw = await composeMessage(body.message, {
      from: { address: call.mailbox.address, name: call.mailbox.displayName }, domain: state.ctx.domain, nowMs: state.ctx.now(), keepBcc: true,
    });
    const recipients = [...new Set([...(body.message.toRecipients ?? []), ...(body.message.ccRecipients ?? []), ...(body.message.bccRecipients ?? [])]
      .map((r) => r.emailAddress.address.toLowerCase()))];
    await submitMessage(state, call, raw, recipients, body.saveToSentItems ?? true);
    return reply.code(202).send();
  });
}
