import { createHmac, timingSafeEqual } from 'node:crypto';
import { isMailbridgeError } from '../errors.js';
import { READ_LIMITS, readResponsePrefix } from '../limits.js';
import { netFetch } from '../net/fetch.js';
import type { Secret } from '../secret.js';
import type { WebhookPayload } from './payload.js';

/** Headers a receiver checks. The signature covers `${timestamp}.${body}` so a replayed body with a new timestamp fails. */
export const SIGNATURE_HEADER = 'x-mailbridge-signature';
/** The Unix time (seconds) the signature covers; reject old ones to stop replays. */
export const TIMESTAMP_HEADER = 'x-mailbridge-timestamp';
/** The delivery id: the same on every retry of one delivery, so a receiver can drop duplicates. */
export const DELIVERY_HEADER = 'x-mailbridge-delivery';

/**
 * `sha256=<hex>` of HMAC-SHA256(secret, `${timestamp}.${body}`).
 * @param timestamp - Unix seconds, sent as the TIMESTAMP_HEADER
 */
export function signWebhookBody(secret: Secret, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret.reveal()).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * For receivers (and tests): constant-time check of a signature header.
 * @param secret - the trigger's webhook secret
 * @param timestamp - the TIMESTAMP_HEADER value (check it is recent too, to refuse replays)
 * @param body - the request body exactly as received
 * @param signature - the SIGNATURE_HEADER value
 * @returns true when the signature is the secret's over this timestamp and body
 */
export function verifyWebhookSignature(secret: Secret, timestamp: string, body: string, signature: string): boolean {
  const expected = Buffer.from(signWebhookBody(secret, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export interface WebhookResult {
  ok: boolean;
  /** A 4xx other than 408/425/429 will not get better by retrying. */
  permanent: boolean;
  detail: string;
  /** The JSON body sent and the answer (status line and the start of the body), for the delivery history. */
  request?: string;
  response?: string;
}

const webhookFetch = netFetch();

/** POSTs the payload once; never throws for HTTP or network failures, it reports them. */
export async function postWebhook(o: { url: string; secret?: Secret; payload: WebhookPayload; timeoutMs: number; now?: () => number }): Promise<WebhookResult> {
  const body = JSON.stringify(o.payload);
  const timestamp = String(Math.floor((o.now ?? Date.now)() / 1000));
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'mailbridge-trigger',
    [TIMESTAMP_HEADER]: timestamp,
    [DELIVERY_HEADER]: o.payload.deliveryId,
  };
  if (o.secret) headers[SIGNATURE_HEADER] = signWebhookBody(o.secret, timestamp, body);
  let res: Response;
  try {
    // Through HTTPS_PROXY / HTTP_PROXY unless NO_PROXY (or a loopback receiver) says otherwise.
    res = await webhookFetch(o.url, { method: 'POST', headers, body, signal: AbortSignal.timeout(o.timeoutMs), redirect: 'error' });
  } catch (e) {
    // A proxy that refuses is a one-line typed error; still retried, as the proxy may be fixed.
    if (isMailbridgeError(e)) return { ok: false, permanent: false, detail: `webhook ${o.url}: ${e.message}; ${e.hint}` };
    const err = e as Error & { cause?: { code?: string } };
    const detail = `webhook ${o.url} unreachable: ${err.cause?.code ?? err.name}: ${err.message}`;
    return { ok: false, permanent: false, detail, request: body, response: detail };
  }
  // Only a little of the body is kept for the message; the rest is never read (a receiver
  // answering with an endless or 1 GiB body costs at most the cap, on every retry).
  const { text: prefix } = await readResponsePrefix(res, READ_LIMITS.webhookResponseBytes).catch(() => ({ text: '' }));
  const text = prefix.slice(0, 200);
  const response = `HTTP ${res.status} ${res.statusText}\n${prefix}`.trimEnd();
  if (res.ok) return { ok: true, permanent: false, detail: `HTTP ${res.status}`, request: body, response };
  const permanent = res.status >= 400 && res.status < 500 && ![408, 425, 429].includes(res.status);
  return { ok: false, permanent, detail: `webhook ${o.url} answered HTTP ${res.status}${text ? `: ${text.replace(/\s+/g, ' ')}` : ''}`, request: body, response };
}
