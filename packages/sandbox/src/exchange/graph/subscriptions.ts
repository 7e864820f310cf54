import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Folder, StoredMessage } from '../contract.js';
import { GraphError } from './errors.js';
import { graphDateTime } from './serialize.js';

/** Outlook message subscriptions live at most 10,080 minutes (microsoft.md §5.8). */
export const MAX_SUBSCRIPTION_MINUTES = 10_080;
const VALIDATION_TIMEOUT_MS = 10_000;
const DELIVERY_TIMEOUT_MS = 3_000;

export type ChangeType = 'created' | 'updated' | 'deleted';

/** Lifecycle notifications Graph sends to `lifecycleNotificationUrl`. */
export type LifecycleEvent = 'reauthorizationRequired' | 'subscriptionRemoved' | 'missed';

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
  /** Creation order: the list's pages continue after the last one seen, whatever was deleted meanwhile. */
  seq: number;
  /** After `reauthorizationRequired`: no change notifications until the app reauthorizes or renews. */
  needsReauthorization?: boolean;
  /** Unhooks the folder listeners. */
  detach: () => void;
}

/**
 * How the sandbox treats notification endpoints, changed live through the admin API:
 * - `dropShare`: this share (0…1) of change notifications is never sent (deterministically
 *   spread: 0.1 drops every tenth), so a client's safety net is exercised;
 * - endpoint throttling as Graph does it: when more than `slowShare` of the deliveries to one
 *   URL in the last `windowMs` took longer than `slowMs` (or failed), the URL is "slow" and each
 *   notification waits `delayMs`; above `dropShareThrottled` it is "drop" and they are dropped.
 *   https://learn.microsoft.com/en-us/graph/change-notifications-delivery-webhooks#throttling
 */
export interface NotificationPolicy {
  dropShare: number;
  slowMs: number;
  slowShare: number;
  dropShareThrottled: number;
  delayMs: number;
  windowMs: number;
  /** Below this many deliveries in the window an endpoint is never judged. */
  minSamples: number;
}

export function defaultNotificationPolicy(): NotificationPolicy {
  return { dropShare: 0, slowMs: 10_000, slowShare: 0.1, dropShareThrottled: 0.15, delayMs: 10_000, windowMs: 600_000, minSamples: 20 };
}

/** What the sandbox did with one notification (tests and the bench wait on these). */
export interface NotificationOutcome {
  subscriptionId: string;
  mailbox: string;
  kind: ChangeType | LifecycleEvent;
  /** `dropped`: by `dropShare`; `throttled`: the endpoint is in the drop state; `failed`: no 2xx within 3 s. */
  outcome: 'delivered' | 'dropped' | 'throttled' | 'failed';
  status?: number;
  ms: number;
}

export interface SubscriptionEvents {
  created: [Subscription];
  renewed: [Subscription];
  removed: [Subscription];
  notification: [NotificationOutcome];
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

/** Per notification URL: when each recent delivery ended and whether it was slow. */
interface EndpointHealth {
  samples: { at: number; slow: boolean }[];
}

export class Subscriptions extends EventEmitter<SubscriptionEvents> {
  private readonly subs = new Map<string, Subscription>();
  private readonly deliveries = new Set<Promise<void>>();
  private readonly health = new Map<string, EndpointHealth>();
  private closed = false;
  private sent = 0;
  private created = 0;
  policy: NotificationPolicy = defaultNotificationPolicy();
  /** Subscriptions per page of GET /subscriptions (Graph pages the list; tests make it small). */
  pageSize = 100;

  constructor(private readonly now: () => number) {
    super();
  }

  get(id: string): Subscription | undefined {
    const s = this.subs.get(id);
    if (s && s.expiresAt <= this.now()) {
      this.remove(id);
      return undefined;
    }
    return s;
  }

  list(applicationId?: string): Subscription[] {
    return [...this.subs.keys()].map((id) => this.get(id)).filter((s): s is Subscription => !!s && (applicationId === undefined || s.applicationId === applicationId));
  }

  /** Register the subscription and listen to the folders it covers. */
  add(init: Omit<Subscription, 'id' | 'detach' | 'seq'>, folders: readonly Folder[]): Subscription {
    const id = randomUUID();
    const unhooks: (() => void)[] = [];
    const sub: Subscription = { ...init, id, seq: ++this.created, detach: () => unhooks.forEach((u) => u()) };
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
    this.emit('created', sub);
    return sub;
  }

  /** PATCH (renew) and POST …/reauthorize: a new expiry, and notifications flow again. */
  renew(sub: Subscription, expiresAt: number): void {
    sub.expiresAt = expiresAt;
    delete sub.needsReauthorization;
    this.emit('renewed', sub);
  }

  reauthorize(sub: Subscription): void {
    delete sub.needsReauthorization;
    this.emit('renewed', sub);
  }

  remove(id: string): boolean {
    const s = this.subs.get(id);
    if (!s) return false;
    s.detach();
    this.subs.delete(id);
    this.emit('removed', s);
    return true;
  }

  /** Let the subscription lapse now, as if nobody renewed it (no notification says so, as at Graph). */
  expire(id: string): boolean {
    const s = this.subs.get(id);
    if (!s) return false;
    s.expiresAt = this.now();
    return this.get(id) === undefined;
  }

  /**
   * Sends a lifecycle notification to the subscription's lifecycleNotificationUrl (the
   * notificationUrl when it has none). `subscriptionRemoved` also removes it;
   * `reauthorizationRequired` holds its change notifications until it is reauthorized or renewed.
   * https://learn.microsoft.com/en-us/graph/change-notifications-lifecycle-events
   */
  async lifecycle(id: string, event: LifecycleEvent): Promise<NotificationOutcome> {
    const sub = this.get(id);
    if (!sub) throw new GraphError(404, 'ResourceNotFound', `no subscription ${id}`);
    if (event === 'subscriptionRemoved') this.remove(id);
    if (event === 'reauthorizationRequired') sub.needsReauthorization = true;
    const body = {
      value: [{
        subscriptionId: sub.id,
        subscriptionExpirationDateTime: graphDateTime(sub.expiresAt),
        tenantId: sub.tenantId,
        ...(sub.clientState !== undefined ? { clientState: sub.clientState } : {}),
        lifecycleEvent: event,
      }],
    };
    return this.post(sub, sub.lifecycleNotificationUrl ?? sub.notificationUrl, body, event);
  }

  private notify(id: string, changeType: ChangeType, messageId: string, changeKey?: string): void {
    const sub = this.get(id);
    if (!sub || this.closed || !sub.changeTypes.includes(changeType) || sub.needsReauthorization) return;
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
    // The drop switch: every 1/dropShare-th notification is lost, spread evenly over the run.
    const n = this.sent++;
    const share = this.policy.dropShare;
    if (share > 0 && Math.floor((n + 1) * share) > Math.floor(n * share)) {
      this.emit('notification', { subscriptionId: sub.id, mailbox: sub.mailbox, kind: changeType, outcome: 'dropped', ms: 0 });
      return;
    }
    const p = this.post(sub, sub.notificationUrl, body, changeType).then(() => undefined);
    this.deliveries.add(p);
    void p.finally(() => this.deliveries.delete(p));
  }

  /** One attempt with the 3-second budget (the sandbox does not queue retries), throttled per URL. */
  private async post(sub: Subscription, url: string, body: unknown, kind: NotificationOutcome['kind']): Promise<NotificationOutcome> {
    const state = this.endpointState(url);
    const base = { subscriptionId: sub.id, mailbox: sub.mailbox, kind };
    if (state === 'drop') {
      const o: NotificationOutcome = { ...base, outcome: 'throttled', ms: 0 };
      this.emit('notification', o);
      return o;
    }
    if (state === 'slow') await new Promise((r) => setTimeout(r, this.policy.delayMs).unref());
    const started = Date.now();
    let status: number | undefined;
    try {
      const r = await fetch(url, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      });
      status = r.status;
      await r.body?.cancel();
    } catch {
      status = undefined;
    }
    const ms = Date.now() - started;
    const ok = status !== undefined && status >= 200 && status < 300;
    this.record(url, !ok || ms > this.policy.slowMs);
    const o: NotificationOutcome = { ...base, outcome: ok ? 'delivered' : 'failed', ms, ...(status !== undefined ? { status } : {}) };
    this.emit('notification', o);
    return o;
  }

  private record(url: string, slow: boolean): void {
    const h = this.health.get(url) ?? { samples: [] };
    h.samples.push({ at: Date.now(), slow });
    this.health.set(url, h);
  }

  /** normal, slow (delay each notification) or drop, from the last window's deliveries. */
  endpointState(url: string): 'normal' | 'slow' | 'drop' {
    const h = this.health.get(url);
    if (!h) return 'normal';
    const since = Date.now() - this.policy.windowMs;
    h.samples = h.samples.filter((s) => s.at >= since);
    if (h.samples.length < this.policy.minSamples) return 'normal';
    const share = h.samples.filter((s) => s.slow).length / h.samples.length;
    if (share > this.policy.dropShareThrottled) return 'drop';
    return share > this.policy.slowShare ? 'slow' : 'normal';
  }

  /** Forget what was measured of the endpoints (tests start clean). */
  resetHealth(): void {
    this.health.clear();
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
