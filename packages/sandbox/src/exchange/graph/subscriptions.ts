import { randomUUID } from 'node:crypto';
import type { Folder, StoredMessage } from '../contract.js';
import { GraphError } from './errors.js';
import { graphDateTime } from './serialize.js';

/** Outlook message subscriptions live at most 10,080 minutes (microsoft.md §5.8). */
export const MAX_SUBSCRIPTION_MINUTES = 10_080;
const VALIDATION_TIMEOUT_MS = 10_000;
const DELIVERY_TIMEOUT_MS = 3_000;

export type ChangeType = 'created' | 'updated' | 'deleted';

export interface Subscription {
  id: string;
  resource: string;
  changeTypes: ChangeType[];
  notificationUrl: string;
  lifecycleNotificationUrl?: string;
  clientState?: string;
  expiresAt: number;
  applicationId: string;
  creatorId: string;
  tenantId: string;
  mailbox: string;
  /** Unhooks the folder listeners. */
  detach: () => void;
}

/** Notification targets must be loopback: the sandbox never calls out of the machine. */
export function checkNotificationUrl(text: string, field: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new GraphError(400, 'ValidationError', `The ${field} '${text}' is not a valid URL.`);
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!['http:', 'https:'].includes(url.protocol) || !(host === 'localhost' || host === '::1' || /^127\./.test(host))) {
    throw new GraphError(400, 'ValidationError', `The ${field} must be an http(s) URL on a loopback address in the sandbox.`);
  }
  return url;
}

/**
 * The validation handshake: POST {url}?validationToken=… (text/plain); the endpoint must answer
 * 200 with the decoded token as text/plain within 10 seconds, or the subscription is refused.
 */
export async function validateEndpoint(url: URL): Promise<void> {
  const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
  const target = new URL(url);
  target.searchParams.set('validationToken', token);
  let ok = false;
  try {
    const res = await fetch(target, {
      method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-8' }, body: '', signal: AbortSignal.timeout(VALIDATION_TIMEOUT_MS),
    });
    ok = res.status === 200 && (await readPrefix(res, Buffer.byteLength(token) + 1)) === token;
  } catch {
    ok = false;
  }
  if (!ok) {
    throw new GraphError(400, 'ValidationError',
      `Subscription validation request failed. Notification endpoint must respond with 200 OK and the validation token within 10 seconds.`);
  }
}

export class Subscriptions {
  private readonly subs = new Map<string, Subscription>();
  private readonly deliveries = new Set<Promise<void>>();
  private closed = false;
  constructor(private readonly now: () => number) {}

  get(id: string): Subscription | undefined {
    const s = this.subs.get(id);
    if (s && s.expiresAt <= this.now()) {
      this.remove(id);
      return undefined;
    }
    return s;
  }

  list(applicationId: string): Subscription[] {
    return [...this.subs.keys()].map((id) => this.get(id)).filter((s): s is Subscription => s?.applicationId === applicationId);
  }

  /** Register the subscription and listen to the folders it covers. */
  add(init: Omit<Subscription, 'id' | 'detach'>, folders: readonly Folder[]): Subscription {
    const id = randomUUID();
    const unhooks: (() => void)[] = [];
    const sub: Subscription = { ...init, id, detach: () => unhooks.forEach((u) => u()) };
    for (const folder of folders) {
      const onExists = (m: StoredMessage): void => this.notify(id, 'created', m.id, m.changeKey);
      const onFlags = (m: StoredMessage): void => this.notify(id, 'updated', m.id, m.changeKey);
      const onExpunge = (_uid: number, msgId: string): void => this.notify(id, 'deleted', msgId);
      folder.on('exists', onExists);
      folder.on('flags', onFlags);
      folder.on('expunge', onExpunge);
      unhooks.push(() => {
        folder.off('exists', onExists);
        folder.off('flags', onFlags);
        folder.off('expunge', onExpunge);
      });
    }
    this.subs.set(id, sub);
    return sub;
  }

  remove(id: string): boolean {
    const s = this.subs.get(id);
    if (!s) return false;
    s.detach();
    this.subs.delete(id);
    return true;
  }

  private notify(id: string, changeType: ChangeType, messageId: string, changeKey?: string): void {
    const sub = this.get(id);
    if (!sub || this.closed || !sub.changeTypes.includes(changeType)) return;
    const resource = `Users/${sub.mailbox}/Messages/${messageId}`;
    const body = {
      value: [{
        id: randomUUID(),
        subscriptionId: sub.id,
        subscriptionExpirationDateTime: graphDateTime(sub.expiresAt),
        ...(sub.clientState !== undefined ? { clientState: sub.clientState } : {}),
        changeType,
        resource,
        tenantId: sub.tenantId,
        resourceData: {
          '@odata.type': '#Microsoft.Graph.Message', '@odata.id': resource,
          ...(changeKey ? { '@odata.etag': `W/"${changeKey}"` } : {}), id: messageId,
        },
      }],
    };
    // One attempt with the 3-second budget; the sandbox does not queue retries.
    const p = fetch(sub.notificationUrl, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    }).then((r) => r.body?.cancel()).catch(() => undefined).finally(() => this.deliveries.delete(p));
    this.deliveries.add(p);
  }

  /** Stop listening and wait for deliveries in flight (each bounded by 3 s). */
  async close(): Promise<void> {
    this.closed = true;
    for (const id of [...this.subs.keys()]) this.remove(id);
    await Promise.allSettled([...this.deliveries]);
  }
}

/** At most `limit` bytes of an answer (the endpoint is the user's: never read it whole), then the rest is cancelled. */
async function readPrefix(res: Response, limit: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    while (size <= limit) {
      const { done, value } = (await reader.read()) as { done: boolean; value?: Uint8Array };
      if (done || !value) break;
      chunks.push(Buffer.from(value));
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).toString('utf8');
}
