/**
 * For a webhook receiver: check that a delivery came from mailbridge, and the payload's type. Imports nothing but
 * `node:crypto`, so a small receiver does not load the mail stack.
 *
 * @example
 * ```ts
 * import { Secret, verifyWebhookSignature, SIGNATURE_HEADER, TIMESTAMP_HEADER, type WebhookPayload } from 'mailbridge/webhook';
 *
 * const secret = new Secret(process.env.MAILBRIDGE_WEBHOOK_SECRET ?? '');
 * function handle(headers: Record<string, string>, body: string): WebhookPayload {
 *   if (!verifyWebhookSignature(secret, headers[TIMESTAMP_HEADER] ?? '', body, headers[SIGNATURE_HEADER] ?? '')) {
 *     throw new Error('not from mailbridge');
 *   }
 *   return JSON.parse(body) as WebhookPayload;
 * }
 * ```
 *
 * @packageDocumentation
 */
export { Secret } from './secret.js';
export {
  DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signWebhookBody, verifyWebhookSignature,
} from './triggers/webhook.js';
export type { PayloadAttachment, WebhookPayload } from './triggers/payload.js';
