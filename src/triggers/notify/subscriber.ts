import { randomBytes } from 'node:crypto';
import type { TokenManager } from '../../auth/token-manager.js';
import type { Resource } from '../../config/resource.js';
import type { TriggerDefinition } from '../../config/trigger.js';
import { ConfigError, isMailbridgeError, type MailbridgeError } from '../../errors.js';
import { listMailFolders, WELL_KNOWN_FOLDER_NAMES } from '../../protocols/graph/folders.js';
import { createGraphHttp, type GraphHttp } from '../../protocols/graph/http.js';
import {
  createSubscription,
  deleteSubscription,
  getSubscription,
  listSubscriptions,
  reauthorizeSubscription,
  renewSubscription,
  type GraphSubscription,
} from '../../protocols/graph/subscriptions.js';
import { seg } from '../../protocols/graph/target.js';
import { tlsOptionsFor } from '../../protocols/tls.js';
import { Secret } from '../../secret.js';
import type { GraphNotificationKind } from '../../store/graph-notify.js';
import type { Store } from '../../store/store.js';
import { describeError } from '../pause.js';
import type { NotificationHub } from './hub.js';

/**
 * After a failed create or renewal, try again after 5 s, 10 s, 20 s… up to a minute, with
 * jitter so triggers that failed together do not retry together (the safety-net poll covers the gap).
 */
function retryDelayMs(failures: number): number {
  const base = Math.min(60_000, 5_000 * 2 ** Math.max(0, failures - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4));
}

/** Graph's subscriptions of one app (or delegated resource), indexed once for every trigger reconciling against them. */
export interface SubscriptionIndex {
  byId: ReadonlyMap<string, GraphSubscription>;
  byUrl: ReadonlyMap<string, readonly GraphSubscription[]>;
}

function indexSubscriptions(all: readonly GraphSubscription[]): SubscriptionIndex {
  const byId = new Map<string, GraphSubscription>();
  const byUrl = new Map<string, GraphSubscription[]>();
  for (const s of all) {
    byId.set(s.id, s);
    const list = byUrl.get(s.notificationUrl);
    if (list) list.push(s);
    else byUrl.set(s.notificationUrl, [s]);
  }
  return { byId, byUrl };
}

/**
 * Where in the renewal window this trigger renews, from its name (0…1, stable across restarts):
 * subscriptions made together at start-up then renew spread over half the margin, not all at once.
 */
function renewalSpread(trigger: string): number {
  let h = 2166136261;
  for (let i = 0; i < trigger.length; i++) h = Math.imul(h ^ trigger.charCodeAt(i), 16777619);
  return (h >>> 0) / 2 ** 32;
}

export interface SubscriberOptions {
  hub: NotificationHub;
  store: Store;
  tokens: TokenManager;
  resource: Resource;
  definition: TriggerDefinition;
}

/**
 * One `notify` trigger's Graph subscription, for as long as this instance runs the trigger (it
 * holds the trigger's lease, so subscriptions and their renewal are leased with it):
 * - start: reconcile with Graph's list (the stored subscription kept if Graph still has it,
 *   every other one to this trigger's URL deleted, a new one made when none is left);
 * - renewal before expiry (Graph's mail maximum is 10,080 minutes), a new one when Graph no
 *   longer knows it;
 * - lifecycle notifications: reauthorizationRequired → reauthorize, subscriptionRemoved →
 *   create again (missed needs nothing here: the watcher's delta sync is the answer).
 * https://learn.microsoft.com/en-us/graph/change-notifications-delivery-webhooks
 * https://learn.microsoft.com/en-us/graph/change-notifications-lifecycle-events
 */
export class GraphSubscriber {
  readonly #o: SubscriberOptions;
  readonly #name: string;
  #http: GraphHttp | undefined;
  #timer: NodeJS.Timeout | undefined;
  #busy: Promise<void> = Promise.resolve();
  #stopped = false;
  #failures = 0;

  constructor(o: SubscriberOptions) {
    this.#o = o;
    this.#name = o.definition.name;
  }

  /**
   * Reconciles and schedules the renewal. A subscription Graph refuses (the URL failed the
   * validation handshake, throttling) is recorded as an event and retried later; the watcher
   * then runs on its safety-net poll alone, so no mail waits on it.
   * @throws ConfigError `GRAPH_NOTIFICATION_URL_MISSING` when the service has no public URL.
   */
  async start(): Promise<void> {
    const notificationUrl = this.#o.hub.urlFor(this.#name);
    if (!notificationUrl) {
      throw new ConfigError({
        code: 'GRAPH_NOTIFICATION_URL_MISSING',
        field: 'notificationUrl',
        message: `trigger ${this.#name}: mode notify needs the service's public URL for Graph to post to`,
        hint: "start `mailbridge serve --notification-url https://PUBLIC-HOST` (docs/notifications.md), or set the trigger's mode to poll",
      });
    }
    await this.#run(() => this.#reconcile());
  }

  /** A lifecycle notification for this trigger (the watcher syncs the folder as well). */
  lifecycle(kind: GraphNotificationKind): void {
    if (kind === 'subscriptionRemoved')
      void this.#run(() => this.#recreate('Graph removed the subscription (subscriptionRemoved)'));
    else if (kind === 'reauthorizationRequired') void this.#run(() => this.#reauthorize());
  }

  /**
   * Stops the renewal. When the trigger is gone or no longer in mode notify, its subscription
   * is deleted at Graph and in the store; otherwise it stays for the next holder of the lease.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#busy;
    const t = await this.#o.store.getTrigger(this.#name).catch(() => undefined);
    if (!t || t.definition.mode !== 'notify') {
      const stored = await this.#o.store.getGraphSubscription(this.#name).catch(() => undefined);
      if (stored) {
        await deleteSubscription(await this.#client(), stored.subscriptionId).catch(() => undefined);
        await this.#o.store.deleteGraphSubscription(this.#name).catch(() => undefined);
      }
    }
    this.#http?.close();
  }

  /**
   * One Graph operation at a time for this trigger, and at most the hub's subscribeConcurrency
   * across the process; failures are events, never thrown at the watcher.
   */
  #run(work: () => Promise<void>): Promise<void> {
    this.#busy = this.#busy.then(() =>
      this.#o.hub.withSlot(async () => {
        if (this.#stopped) return;
        try {
          await work();
          this.#failures = 0;
        } catch (e) {
          await this.#failed(e);
        }
      }),
    );
    return this.#busy;
  }

  async #failed(e: unknown): Promise<void> {
    const err = explainSubscriptionError(e, this.#o.hub.urlFor(this.#name) ?? '');
    const text = isMailbridgeError(err) ? `${err.message} (${err.code}). Fix: ${err.hint}` : describeError(err);
    this.#o.hub.logger?.warn(
      { event: 'graph_subscription_failed', trigger: this.#name, error: describeError(err) },
      'Graph subscription failed; the safety-net delta poll continues, retrying later',
    );
    await this.#o.store.addTriggerEvent(this.#name, 'subscription_failed', text).catch(() => undefined);
    this.#schedule(retryDelayMs(++this.#failures), () => this.#reconcile());
  }

  async #client(): Promise<GraphHttp> {
    if (this.#http) return this.#http;
    const r = this.#o.resource;
    const url = new URL(r.server.host);
    const tls =
      url.protocol === 'https:'
        ? await tlsOptionsFor({ ...r, server: { ...r.server, host: url.hostname } })
        : undefined;
    this.#http = createGraphHttp({
      baseUrl: r.server.host,
      tokens: this.#o.tokens.provider(r.name),
      mailbox: r.user ?? r.name,
      ...(tls ? { tls } : {}),
      ...(this.#o.hub.logger ? { logger: this.#o.hub.logger } : {}),
    });
    return this.#http;
  }

  /** The app an app-only resource acts as (host, tenant, client); undefined for delegated resources. */
  #appKey(): string | undefined {
    const r = this.#o.resource;
    return r.oauth?.flow === 'client_credentials'
      ? `${r.server.host}|${r.oauth.tenantId}|${r.oauth.clientId}`
      : undefined;
  }

  /** /users/{id}/mailFolders/{folder}/messages (/me/… when the resource names no user). */
  async #resourcePath(http: GraphHttp): Promise<string> {
    const r = this.#o.resource;
    const prefix = r.user ? `/users/${encodeURIComponent(r.user)}` : '/me';
    const name = this.#o.definition.folder.trim();
    const lower = name.toLowerCase();
    let folder = lower;
    if (!(WELL_KNOWN_FOLDER_NAMES as readonly string[]).includes(lower)) {
      const nodes = await listMailFolders(http, prefix);
      const found = nodes.find((n) => n.path.toLowerCase() === lower) ?? nodes.find((n) => n.folder.id === name);
      if (!found) {
        throw new ConfigError({
          code: 'GRAPH_FOLDER_NOT_FOUND',
          field: 'folder',
          message: `no folder "${name}" in ${r.user ?? r.name}`,
          hint: 'see the folders with `mailbridge folders RESOURCE`; nested folders are written Parent/Child',
        });
      }
      folder = seg(found.folder.id);
    }
    return `${prefix}/mailFolders/${folder}/messages`;
  }

  async #reconcile(): Promise<void> {
    const http = await this.#client();
    const url = this.#o.hub.urlFor(this.#name)!;
    const stored = await this.#o.store.getGraphSubscription(this.#name);
    // Graph's list, read once per app (or delegated resource) for every trigger starting now:
    // 10,000 triggers starting together cost a few pages of list, not 10,000 GETs.
    const listKey = this.#appKey() ?? `resource|${this.#o.resource.name}`;
    const index = await this.#o.hub.listOnce(listKey, async () => indexSubscriptions(await listSubscriptions(http)));
    let keep: GraphSubscription | undefined;
    if (stored) {
      keep = index.byId.get(stored.subscriptionId);
      // Not in a list read up to a minute ago: it may be newer than the list (another instance
      // made it since), so ask for it alone before calling it gone.
      if (!keep) {
        try {
          keep = await getSubscription(http, stored.subscriptionId);
        } catch (e) {
          if (!isNotFound(e)) throw e;
        }
      }
    }
    // Subscriptions to this trigger's URL that the store does not know: a crash between Graph's
    // answer and the store write, or a subscription made by hand. Older than the (shared) list.
    const extra = (index.byUrl.get(url) ?? []).filter((s) => s.id !== keep?.id);
    for (const s of extra) await deleteSubscription(http, s.id).catch(() => undefined);
    if (extra.length > 0) {
      await this.#o.store.addTriggerEvent(
        this.#name,
        'subscription_reconciled',
        `deleted ${extra.length} Graph subscription(s) to this trigger's URL that the store did not know`,
      );
    }
    if (!keep || !stored) {
      await this.#create(http, stored ? 'the stored subscription is gone at Graph' : undefined);
      return;
    }
    this.#o.hub.remember(stored.subscriptionId, this.#name, stored.clientState.reveal());
    const expiresAt = Date.parse(keep.expirationDateTime);
    if (expiresAt - Date.now() <= this.#o.hub.renewBeforeMs) await this.#renew();
    else this.#scheduleRenewal(expiresAt);
  }

  async #create(http: GraphHttp, why?: string): Promise<void> {
    const def = this.#o.definition;
    const clientState = randomBytes(32).toString('base64url');
    const resourcePath = await this.#resourcePath(http);
    // `updated` only where a filter can turn a message that did not match into one that does.
    const changeType = def.filters.unread !== undefined ? 'created,updated' : 'created';
    const request = {
      resource: resourcePath,
      changeType,
      clientState,
      notificationUrl: this.#o.hub.urlFor(this.#name)!,
      lifecycleNotificationUrl: this.#o.hub.lifecycleUrlFor(this.#name)!,
      expiresAt: new Date(Date.now() + this.#o.hub.lifetimeMs),
    };
    // App-only: one token speaks for every mailbox of the app, so creates of many triggers share JSON batches.
    const appKey = this.#appKey();
    const sub = appKey
      ? await this.#o.hub.createSubscription(appKey, http, request)
      : await createSubscription(http, request);
    await this.#save(sub, resourcePath, clientState);
    await this.#o.store.addTriggerEvent(
      this.#name,
      'subscribed',
      `Graph subscription ${sub.id} on ${resourcePath} (${changeType}) until ${sub.expirationDateTime}${why ? `; ${why}` : ''}`,
    );
  }

  async #save(sub: GraphSubscription, resourcePath: string, clientState: string): Promise<void> {
    const expiresAt = Date.parse(sub.expirationDateTime);
    this.#o.hub.remember(sub.id, this.#name, clientState);
    await this.#o.hub.saveSubscription({
      trigger: this.#name,
      subscriptionId: sub.id,
      resourcePath,
      clientState: new Secret(clientState),
      expiresAt,
    });
    this.#scheduleRenewal(expiresAt);
  }

  async #recreate(why: string): Promise<void> {
    const http = await this.#client();
    const stored = await this.#o.store.getGraphSubscription(this.#name);
    if (stored) await deleteSubscription(http, stored.subscriptionId).catch(() => undefined);
    await this.#create(http, why);
  }

  async #renew(): Promise<void> {
    const http = await this.#client();
    const stored = await this.#o.store.getGraphSubscription(this.#name);
    if (!stored) return this.#create(http);
    try {
      const sub = await renewSubscription(http, stored.subscriptionId, new Date(Date.now() + this.#o.hub.lifetimeMs));
      await this.#save(sub, stored.resourcePath, stored.clientState.reveal());
      this.#o.hub.logger?.debug(
        { event: 'graph_subscription_renewed', trigger: this.#name, until: sub.expirationDateTime },
        'Graph subscription renewed',
      );
    } catch (e) {
      if (!isNotFound(e)) throw e;
      await this.#create(http, 'Graph no longer knew it at renewal (expired or removed)');
    }
  }

  async #reauthorize(): Promise<void> {
    const http = await this.#client();
    const stored = await this.#o.store.getGraphSubscription(this.#name);
    if (!stored) return this.#create(http);
    try {
      await reauthorizeSubscription(http, stored.subscriptionId);
      await this.#o.store.addTriggerEvent(
        this.#name,
        'subscription_reauthorized',
        `Graph subscription ${stored.subscriptionId} reauthorized`,
      );
    } catch (e) {
      if (!isNotFound(e)) throw e;
      await this.#create(http, 'Graph no longer knew it when asked to reauthorize');
    }
  }

  /**
   * Renewal at renewBefore before expiry, moved earlier by up to half of renewBefore by the
   * trigger's name: subscriptions made in one wave renew spread over 12 hours (by default), so
   * 10,000 of them cost about 800 PATCHes an hour for those hours instead of 10,000 in a minute.
   */
  #scheduleRenewal(expiresAt: number): void {
    const before = this.#o.hub.renewBeforeMs * (1 + renewalSpread(this.#name) / 2);
    this.#schedule(Math.max(1000, expiresAt - before - Date.now()), () => this.#renew());
  }

  #schedule(ms: number, work: () => Promise<void>): void {
    clearTimeout(this.#timer);
    if (this.#stopped) return;
    // setTimeout holds at most 2^31-1 ms (~24.8 days); subscriptions live at most 7.
    this.#timer = setTimeout(() => void this.#run(work), Math.min(ms, 2 ** 31 - 1));
    this.#timer.unref();
  }
}

function isNotFound(e: unknown): boolean {
  return isMailbridgeError(e) && e.details['status'] === 404;
}

/**
 * Graph refuses a subscription whose notification URL failed the validation handshake with a
 * 400 ValidationError: say which URL, why that happens, and what fixes it.
 */
export function explainSubscriptionError(e: unknown, url: string): unknown {
  if (!isMailbridgeError(e)) return e;
  const err: MailbridgeError = e;
  const validation =
    err.details['status'] === 400 &&
    (err.details['graphCode'] === 'ValidationError' || /validation/i.test(err.message));
  if (!validation) return e;
  return new ConfigError({
    code: 'GRAPH_NOTIFICATION_URL_UNREACHABLE',
    field: 'notificationUrl',
    cause: e,
    message: `Graph could not validate the notification URL ${url}: it must answer POST ?validationToken=… with 200 and the token within 10 seconds`,
    hint: 'make serve reachable from the internet at --notification-url (a reverse proxy with TLS, or a tunnel you run; docs/notifications.md) and check it with curl -X POST "URL?validationToken=hi"',
  });
}
