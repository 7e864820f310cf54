import { randomUUID } from 'node:crypto';
import type { ExchangeContext, Folder, StoredMessage } from '../contract.js';
import { folderId, itemId } from './ids.js';
import { ewsDate, failure, responseEnvelope, success, EwsError } from './soap.js';
import type { XmlObject } from './xml.js';

/**
 * EWS streaming notifications as Exchange serves them: `Subscribe` with a
 * StreamingSubscriptionRequest registers a subscription on folders; `GetStreamingEvents` opens a
 * long-lived HTTP response (chunked) on one or more subscriptions and writes one SOAP envelope
 * per batch of events as they happen, a keep-alive envelope (ConnectionStatus OK, no
 * notifications) when quiet, and a last envelope with ConnectionStatus Closed when the
 * ConnectionTimeout (1–30 minutes) runs out. A subscription with no connection open lives on for
 * a while (30 minutes at Exchange), then is gone: ErrorSubscriptionNotFound.
 * https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/notification-subscriptions-mailbox-events-and-ews-in-exchange
 * https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/getstreamingevents-operation
 */

export type StreamingEventType =
  'NewMailEvent' | 'CreatedEvent' | 'DeletedEvent' | 'ModifiedEvent' | 'MovedEvent' | 'CopiedEvent';
const EVENT_TYPES: readonly StreamingEventType[] = [
  'NewMailEvent',
  'CreatedEvent',
  'DeletedEvent',
  'ModifiedEvent',
  'MovedEvent',
  'CopiedEvent',
];

/** The knobs of the sandbox's streaming service; tests shorten them. */
export interface StreamingLimits {
  /** A quiet connection gets a keep-alive envelope this often (ms). */
  keepAliveMs: number;
  /** A subscription without a connection expires after this long (ms); Exchange: 30 minutes. */
  idleExpiryMs: number;
  /** The server closes a connection after this long whatever its ConnectionTimeout asked (ms); undefined: the timeout alone. */
  maxConnectionMs?: number;
  /** Open GetStreamingEvents connections per mailbox (Exchange's HangingConnectionLimit); more is ErrorExceededConnectionCount. */
  connectionsPerMailbox: number;
  /** Events kept for a subscription while no connection is open; older ones are dropped. */
  queueLimit: number;
  /**
   * Subscriptions one GetStreamingEvents may carry (Exchange: 200 per affinity group, the most
   * Microsoft documents); more is ErrorInvalidSubscription before anything streams.
   */
  subscriptionsPerConnection: number;
}

export const DEFAULT_STREAMING_LIMITS: StreamingLimits = {
  keepAliveMs: 40_000,
  idleExpiryMs: 30 * 60_000,
  connectionsPerMailbox: 10,
  queueLimit: 1000,
  subscriptionsPerConnection: 200,
};

/** A failure of some subscriptions of a request: the response names them in m:ErrorSubscriptionIds. */
export class SubscriptionsError extends EwsError {
  constructor(
    code: string,
    message: string,
    readonly ids: readonly string[],
  ) {
    super(code, message);
  }
}

/** The per-subscription failures a test can provoke on an open connection (Microsoft's notification errors). */
export type SubscriptionFailure =
  'ErrorSubscriptionNotFound' | 'ErrorMissedNotificationEvents' | 'ErrorProxiedSubscriptionCallFailure';

interface PendingEvent {
  type: StreamingEventType;
  watermark: string;
  at: number;
  itemId: string;
  folderId: string;
}

/** Where a connection writes: the HTTP response (index.ts). */
export interface StreamSink {
  write(text: string): void;
  end(): void;
  /** Cuts the connection without a proper end (a network failure). */
  destroy(): void;
  onClose(cb: () => void): void;
}

interface Subscription {
  id: string;
  mailbox: string;
  /** The app or user that subscribed: others get ErrorInvalidSubscription. */
  owner: string;
  types: ReadonlySet<StreamingEventType>;
  seq: number;
  queue: PendingEvent[];
  connection?: Connection;
  /** When the last connection ended (or the subscription was made). */
  idleSince: number;
  detach(): void;
}

interface Connection {
  mailbox: string;
  subs: Set<string>;
  sink: StreamSink;
  timers: NodeJS.Timeout[];
  lifetime?: NodeJS.Timeout;
  open: boolean;
  /** Events of this turn of the event loop, written as one envelope (one message makes several events). */
  pending: Map<string, PendingEvent[]>;
  flushing: boolean;
}

/** What tests and the admin see and do. */
export interface StreamingControl {
  setLimits(patch: Partial<StreamingLimits>): StreamingLimits;
  /** Forget every subscription now (as after a mailbox move at Exchange); open connections are told and closed. */
  expireSubscriptions(): number;
  /** Cut every open connection now; `midEnvelope`: instead cut the next envelope with events half-written. */
  dropConnections(opts?: { midEnvelope?: boolean }): number;
  /**
   * One subscription fails on its open connection: the connection writes an error naming it
   * (m:ErrorSubscriptionIds) and goes on with the others; the subscription is gone (subscribe
   * again). False when the subscription is unknown.
   */
  failSubscription(id: string, code?: SubscriptionFailure): boolean;
  /** The live subscription of a mailbox (the first, if several), to aim failSubscription. */
  subscriptionOf(mailbox: string): string | undefined;
  /**
   * Live subscriptions, open connections, the subscriptions each open connection carries,
   * GetStreamingEvents connections opened so far, subscriptions made so far, events written, and
   * affinity: X-BackEndOverrideCookie values set, and requests that carried one back.
   */
  stats(): {
    subscriptions: number;
    connections: number;
    connectionSizes: number[];
    connectionsOpened: number;
    subscriptionsMade: number;
    eventsSent: number;
    affinity: { cookiesSet: number; requestsWithCookie: number };
  };
  /** The handler's count of affinity cookies (set on an answer, carried by a request). */
  countAffinity(kind: 'set' | 'carried'): void;
}

export class StreamingService implements StreamingControl {
  private readonly subs = new Map<string, Subscription>();
  private readonly connections = new Set<Connection>();
  private limits: StreamingLimits = { ...DEFAULT_STREAMING_LIMITS };
  private cutNextEnvelope = 0;
  private eventsSent = 0;
  private connectionsOpened = 0;
  private subscriptionsMade = 0;
  private readonly affinity = { cookiesSet: 0, requestsWithCookie: 0 };

  constructor(private readonly now: () => number) {}

  setLimits(patch: Partial<StreamingLimits>): StreamingLimits {
    this.limits = { ...this.limits, ...patch };
    // A shorter cap applies to the connections open now too (a server closing them early).
    if (patch.maxConnectionMs !== undefined) {
      for (const conn of this.connections) {
        clearTimeout(conn.lifetime);
        conn.lifetime = setTimeout(() => this.finish(conn), patch.maxConnectionMs);
      }
    }
    return { ...this.limits };
  }

  stats() {
    return {
      subscriptions: [...this.subs.keys()].filter((id) => this.live(id)).length,
      connections: this.connections.size,
      connectionSizes: [...this.connections].map((c) => c.subs.size),
      eventsSent: this.eventsSent,
      connectionsOpened: this.connectionsOpened,
      subscriptionsMade: this.subscriptionsMade,
      affinity: { ...this.affinity },
    };
  }

  countAffinity(kind: 'set' | 'carried'): void {
    if (kind === 'set') this.affinity.cookiesSet++;
    else this.affinity.requestsWithCookie++;
  }

  subscriptionOf(mailbox: string): string | undefined {
    const address = mailbox.toLowerCase();
    return [...this.subs.values()].find((s) => s.mailbox === address && this.live(s.id))?.id;
  }

  failSubscription(id: string, code: SubscriptionFailure = 'ErrorSubscriptionNotFound'): boolean {
    const sub = this.subs.get(id);
    if (!sub) return false;
    const conn = sub.connection;
    this.remove(id);
    if (conn?.open) {
      conn.subs.delete(id);
      conn.pending.delete(id);
      const text: Record<SubscriptionFailure, string> = {
        ErrorSubscriptionNotFound: 'The specified subscription was not found.',
        ErrorMissedNotificationEvents: 'Events were missed and the subscription can no longer be used.',
        ErrorProxiedSubscriptionCallFailure: 'The call to the server that holds the subscription failed.',
      };
      this.write(
        conn,
        responseEnvelope('GetStreamingEvents', [
          {
            element: 'GetStreamingEventsResponseMessage',
            body: failure(new EwsError(code, text[code]), {
              'm:ErrorSubscriptionIds': { 't:SubscriptionId': [id] },
              'm:ConnectionStatus': 'OK',
            }),
          },
        ]),
      );
    }
    return true;
  }

  /** StreamingSubscriptionRequest: listen to the folders for the event types asked. */
  subscribe(
    mailbox: string,
    owner: string,
    folders: readonly Folder[],
    types: readonly string[],
  ): { id: string; watermark: string } {
    const known = types.filter((t): t is StreamingEventType => (EVENT_TYPES as readonly string[]).includes(t));
    const id = Buffer.from(`sub|${randomUUID()}`).toString('base64');
    const unhooks: (() => void)[] = [];
    const sub: Subscription = {
      id,
      mailbox,
      owner,
      types: new Set(known),
      seq: 0,
      queue: [],
      idleSince: this.now(),
      detach: () => unhooks.forEach((u) => u()),
    };
    for (const folder of folders) {
      const fid = folderId(folder.id);
      const onExists = (msg: StoredMessage) => {
        this.emit(sub, 'CreatedEvent', msg.id, fid);
        this.emit(sub, 'NewMailEvent', msg.id, fid);
      };
      const onFlags = (msg: StoredMessage) => this.emit(sub, 'ModifiedEvent', msg.id, fid);
      const onExpunge = (_uid: number, msgId: string) => this.emit(sub, 'DeletedEvent', msgId, fid);
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
    this.subscriptionsMade++;
    return { id, watermark: this.watermark(sub) };
  }

  /** Unsubscribe: the subscription's owner only. */
  unsubscribe(id: string, owner: string): void {
    const sub = this.find(id, owner);
    this.remove(sub.id);
  }

  /**
   * GetStreamingEvents: checks every id first (an unknown one fails the request with
   * ErrorSubscriptionNotFound before anything streams), then holds the connection open.
   */
  check(ids: readonly string[], owner: string, mailbox: string): void {
    if (ids.length > this.limits.subscriptionsPerConnection) {
      throw new EwsError(
        'ErrorInvalidSubscription',
        `A GetStreamingEvents request can carry at most ${this.limits.subscriptionsPerConnection} subscriptions (got ${ids.length}); group them by ${this.limits.subscriptionsPerConnection}.`,
      );
    }
    const bad: Record<string, string[]> = {};
    for (const id of ids) {
      try {
        this.find(id, owner);
      } catch (e) {
        if (!(e instanceof EwsError)) throw e;
        (bad[e.code] ??= []).push(id);
      }
    }
    // One code per response message: the unknown ones first (they are what a client must act on).
    const [code, named] = Object.entries(bad).sort(([a]) => (a === 'ErrorSubscriptionNotFound' ? -1 : 1))[0] ?? [];
    if (code && named) {
      throw new SubscriptionsError(
        code,
        code === 'ErrorSubscriptionNotFound'
          ? 'The specified subscription was not found.'
          : 'The subscription is invalid for the caller.',
        named,
      );
    }
    const open = [...this.connections].filter((c) => c.mailbox === mailbox).length;
    if (open >= this.limits.connectionsPerMailbox) {
      throw new EwsError(
        'ErrorExceededConnectionCount',
        `You have exceeded the available concurrent connections for your account. Try again once your other requests have completed. (limit ${this.limits.connectionsPerMailbox})`,
      );
    }
  }

  open(ids: readonly string[], mailbox: string, minutes: number, sink: StreamSink): void {
    const conn: Connection = {
      mailbox,
      subs: new Set(ids),
      sink,
      timers: [],
      open: true,
      pending: new Map(),
      flushing: false,
    };
    this.connections.add(conn);
    this.connectionsOpened++;
    for (const id of ids) {
      const sub = this.subs.get(id);
      if (!sub) continue;
      // One connection per subscription: a newer GetStreamingEvents takes it over, as at Exchange.
      if (sub.connection && sub.connection !== conn) this.release(sub.connection, sub.id);
      sub.connection = conn;
    }
    sink.onClose(() => this.closed(conn));
    const lifetime = Math.min(minutes * 60_000, this.limits.maxConnectionMs ?? Infinity);
    conn.lifetime = setTimeout(() => this.finish(conn), lifetime);
    conn.timers.push(setInterval(() => this.send(conn, []), this.limits.keepAliveMs));
    // Whatever queued while no connection was open goes out at once; else a first keep-alive says the stream is up.
    const queued = ids.flatMap((id) => this.takeQueue(id));
    this.send(conn, queued);
  }

  expireSubscriptions(): number {
    const ids = [...this.subs.keys()];
    for (const conn of [...this.connections]) {
      const gone = [...conn.subs].filter((id) => this.subs.has(id));
      if (gone.length)
        this.write(
          conn,
          responseEnvelope('GetStreamingEvents', [
            {
              element: 'GetStreamingEventsResponseMessage',
              body: failure(new EwsError('ErrorSubscriptionNotFound', 'The specified subscription was not found.'), {
                'm:ErrorSubscriptionIds': { 't:SubscriptionId': gone },
                'm:ConnectionStatus': 'Closed',
              }),
            },
          ]),
        );
      this.end(conn);
    }
    for (const id of ids) this.remove(id);
    return ids.length;
  }

  dropConnections(opts: { midEnvelope?: boolean } = {}): number {
    if (opts.midEnvelope) {
      this.cutNextEnvelope = this.connections.size || 1;
      return this.connections.size;
    }
    const n = this.connections.size;
    for (const conn of [...this.connections]) {
      conn.open = false;
      conn.sink.destroy();
      this.closed(conn);
    }
    return n;
  }

  close(): void {
    for (const conn of [...this.connections]) this.end(conn);
    for (const id of [...this.subs.keys()]) this.remove(id);
  }

  private live(id: string): boolean {
    const sub = this.subs.get(id);
    if (!sub) return false;
    if (!sub.connection && this.now() - sub.idleSince > this.limits.idleExpiryMs) {
      this.remove(id);
      return false;
    }
    return true;
  }

  private find(id: string, owner: string): Subscription {
    if (!this.live(id)) throw new EwsError('ErrorSubscriptionNotFound', 'The specified subscription was not found.');
    const sub = this.subs.get(id)!;
    if (!sameOwner(sub.owner, owner))
      throw new EwsError('ErrorInvalidSubscription', 'The subscription is invalid for the caller.');
    return sub;
  }

  private remove(id: string): void {
    const sub = this.subs.get(id);
    if (!sub) return;
    sub.detach();
    this.subs.delete(id);
  }

  private watermark(sub: Subscription): string {
    return Buffer.from(`wm|${sub.id}|${sub.seq}`).toString('base64');
  }

  private emit(sub: Subscription, type: StreamingEventType, storeId: string, fid: string): void {
    if (!sub.types.has(type) || !this.subs.has(sub.id)) return;
    sub.seq++;
    const event: PendingEvent = {
      type,
      watermark: this.watermark(sub),
      at: this.now(),
      itemId: itemId('message', storeId),
      folderId: fid,
    };
    const conn = sub.connection;
    if (conn?.open) {
      const list = conn.pending.get(sub.id) ?? [];
      list.push(event);
      conn.pending.set(sub.id, list);
      if (!conn.flushing) {
        conn.flushing = true;
        setImmediate(() => {
          conn.flushing = false;
          const batches = [...conn.pending].map(([id, events]) => ({ sub: id, events }));
          conn.pending.clear();
          this.send(conn, batches);
        });
      }
      return;
    }
    sub.queue.push(event);
    if (sub.queue.length > this.limits.queueLimit) sub.queue.shift();
  }

  private takeQueue(id: string): { sub: string; events: PendingEvent[] }[] {
    const sub = this.subs.get(id);
    if (!sub || sub.queue.length === 0) return [];
    const events = sub.queue.splice(0);
    return [{ sub: id, events }];
  }

  /** One envelope: the notifications given (none: a keep-alive) with ConnectionStatus OK. */
  private send(conn: Connection, batches: { sub: string; events: PendingEvent[] }[]): void {
    if (!conn.open) return;
    const notifications = batches.filter((b) => b.events.length > 0).map((b) => notification(b.sub, b.events));
    const body = success({
      ...(notifications.length ? { 'm:Notifications': { 't:Notification': notifications } } : {}),
      'm:ConnectionStatus': 'OK',
    });
    const xml = responseEnvelope('GetStreamingEvents', [{ element: 'GetStreamingEventsResponseMessage', body }]);
    if (notifications.length && this.cutNextEnvelope > 0) {
      this.cutNextEnvelope--;
      conn.sink.write(xml.slice(0, Math.floor(xml.length / 2)));
      conn.open = false;
      conn.sink.destroy();
      this.closed(conn);
      return;
    }
    this.eventsSent += batches.reduce((n, b) => n + b.events.length, 0);
    this.write(conn, xml);
  }

  private write(conn: Connection, xml: string): void {
    if (conn.open) conn.sink.write(xml);
  }

  /** The connection's time is up: a last envelope says Closed, then the response ends. */
  private finish(conn: Connection): void {
    if (!conn.open) return;
    this.write(
      conn,
      responseEnvelope('GetStreamingEvents', [
        { element: 'GetStreamingEventsResponseMessage', body: success({ 'm:ConnectionStatus': 'Closed' }) },
      ]),
    );
    this.end(conn);
  }

  private end(conn: Connection): void {
    if (!conn.open) return;
    conn.open = false;
    conn.sink.end();
    this.closed(conn);
  }

  /** Another GetStreamingEvents took `id` over: this connection no longer carries it (closed when it carries nothing). */
  private release(conn: Connection, id: string): void {
    conn.subs.delete(id);
    // Events not yet written move with the subscription to its new connection, as nothing is lost on a hand-over.
    const unsent = conn.pending.get(id);
    if (unsent) {
      conn.pending.delete(id);
      this.subs.get(id)?.queue.unshift(...unsent);
    }
    if (conn.subs.size === 0) this.finish(conn);
  }

  private closed(conn: Connection): void {
    conn.open = false;
    // Events not yet written stay with their subscription for the next connection.
    for (const [id, events] of conn.pending) this.subs.get(id)?.queue.unshift(...events);
    conn.pending.clear();
    for (const t of conn.timers) clearTimeout(t);
    conn.timers = [];
    clearTimeout(conn.lifetime);
    if (!this.connections.delete(conn)) return;
    for (const id of conn.subs) {
      const sub = this.subs.get(id);
      if (sub?.connection === conn) {
        delete sub.connection;
        sub.idleSince = this.now();
      }
    }
  }
}

/**
 * Whether a caller may use a subscription: the user who made it, or for app-only tokens the same
 * app whatever mailbox it impersonates now (a group's connection impersonates one of its
 * mailboxes and carries the subscriptions of all of them).
 */
function sameOwner(made: string, caller: string): boolean {
  if (made === caller) return true;
  const app = (o: string) => (o.startsWith('app:') ? o.split(':')[1] : undefined);
  return app(made) !== undefined && app(made) === app(caller);
}

/** A t:Notification of one subscription (types.xsd NotificationType): events in the order they happened. */
function notification(subId: string, events: readonly PendingEvent[]): XmlObject {
  // The builder groups equal keys, so events of one type would be reordered; Exchange keeps the
  // order, and clients rely on watermarks, not on order across types.
  const byType: XmlObject = {};
  for (const e of events) {
    const list = (byType[`t:${e.type}`] ??= []) as XmlObject[];
    list.push({
      't:Watermark': e.watermark,
      't:TimeStamp': ewsDate(e.at),
      't:ItemId': { '@_Id': e.itemId },
      't:ParentFolderId': { '@_Id': e.folderId },
    });
  }
  return { 't:SubscriptionId': subId, ...byType };
}

const services = new WeakMap<ExchangeContext, StreamingService>();

/** The streaming service of a sandbox (one per Exchange context: every EWS endpoint over it shares it). */
export function streamingOf(ctx: ExchangeContext): StreamingService {
  let s = services.get(ctx);
  if (!s) {
    s = new StreamingService(() => ctx.now());
    services.set(ctx, s);
  }
  return s;
}
