import type { ParsedMessage } from '../message/parse.js';

/** What a webhook receives as JSON: the parsed message, attachments inline when small. */
export interface WebhookPayload {
  event: 'message';
  trigger: string;
  resource: string;
  folder: string;
  deliveryId: string;
  messageKey: string;
  attempt: number;
  message: {
    id: string;
    messageId?: string;
    subject: string;
    from?: { name?: string; address: string };
    to: { name?: string; address: string }[];
    cc: { name?: string; address: string }[];
    replyTo: { name?: string; address: string }[];
    date?: string;
    receivedAt?: string;
    importance: string;
    hasAttachments: boolean;
    size?: number;
    text?: string;
    html?: string;
    headers: Record<string, string | string[]>;
    attachments: PayloadAttachment[];
  };
}

/** One attachment in a webhook's payload: inline (base64) up to the target's limit, else a link or metadata. */
export interface PayloadAttachment {
  filename?: string;
  contentType: string;
  size: number;
  contentId?: string;
  inline: boolean;
  /** Base64, present when the attachment is at most the target's inline limit. */
  contentBase64?: string;
  /** True when the content was left out for its size: fetch it from `url`, or the message. */
  omitted?: true;
  /** The REST API route serving this attachment (needs an API key), when the target names the service's URL. */
  url?: string;
}

export interface PayloadContext {
  trigger: string;
  resource: string;
  folder: string;
  deliveryId: string;
  messageKey: string;
  attempt: number;
  inlineAttachmentMaxBytes: number;
  attachmentLinkBase?: string;
}

/** Builds the webhook body; attachments over the limit keep their metadata (and a link when the target gives the service's URL). */
export function buildWebhookPayload(m: ParsedMessage, c: PayloadContext): WebhookPayload {
  return {
    event: 'message',
    trigger: c.trigger,
    resource: c.resource,
    folder: c.folder,
    deliveryId: c.deliveryId,
    messageKey: c.messageKey,
    attempt: c.attempt,
    message: {
      id: m.id,
      ...(m.messageId ? { messageId: m.messageId } : {}),
      subject: m.subject,
      ...(m.from ? { from: m.from } : {}),
      to: m.to,
      cc: m.cc,
      replyTo: m.replyTo,
      ...(m.date ? { date: m.date.toISOString() } : {}),
      ...(m.receivedAt ? { receivedAt: m.receivedAt.toISOString() } : {}),
      importance: m.importance ?? 'normal',
      hasAttachments: m.hasAttachments,
      ...(m.size !== undefined ? { size: m.size } : {}),
      ...(m.text !== undefined ? { text: m.text } : {}),
      ...(m.html !== undefined ? { html: m.html } : {}),
      headers: m.headers,
      attachments: m.attachments.map((a, index): PayloadAttachment => {
        const meta: PayloadAttachment = {
          ...(a.filename !== undefined ? { filename: a.filename } : {}),
          contentType: a.contentType,
          size: a.content.length,
          ...(a.contentId !== undefined ? { contentId: a.contentId } : {}),
          inline: a.inline,
        };
        return a.content.length <= c.inlineAttachmentMaxBytes
          ? { ...meta, contentBase64: a.content.toString('base64') }
          : { ...meta, omitted: true, ...(c.attachmentLinkBase ? { url: attachmentLink(c, m.id, index) } : {}) };
      }),
    },
  };
}

/** The service's attachment route: GET /api/mail/{resource}/messages/{id}/attachments/{index}?folder=F. */
function attachmentLink(c: PayloadContext, id: string, index: number): string {
  const base = (c.attachmentLinkBase ?? '').replace(/\/+$/, '');
  return `${base}/api/mail/${encodeURIComponent(c.resource)}/messages/${encodeURIComponent(id)}/attachments/${index}?folder=${encodeURIComponent(c.folder)}`;
}
