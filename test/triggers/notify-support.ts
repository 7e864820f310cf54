/**
 * Wiring for the Graph change-notification tests: the real service (buildServer, Fastify on a
 * loopback port) with its notification endpoint, a NotificationHub whose public URL is that
 * port, and a TriggerRunner using both, as `mailbridge serve --notification-url` wires them.
 */
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { SubscriptionEvents } from '@mailbridge/sandbox';
import type { TokenManager } from '../../src/auth/token-manager.js';
import { createLogger } from '../../src/log.js';
import { buildServer, type MailbridgeServer } from '../../src/server/app.js';
import { createCredentialStore } from '../../src/server/credentials.js';
import type { Store } from '../../src/store/store.js';
import { NotificationHub } from '../../src/triggers/notify/hub.js';
import { TriggerRunner } from '../../src/triggers/runner.js';
import type { ExchangeFixture } from './exchange-support.js';

export interface NotifyService {
  base: string;
  hub: NotificationHub;
  runner: TriggerRunner;
  server: MailbridgeServer;
  /** Every log line so far (JSON, one per line). */
  logs(): string;
  close(opts?: { releaseLeases?: boolean }): Promise<void>;
}

export interface NotifyServiceOptions {
  store: Store;
  tokens: TokenManager;
  instanceId?: string;
  leaseTtlMs?: number;
  /** The URL Graph posts to when it is not this service's own (a balancer in front of several). */
  publicUrl?: string;
  lifetimeMs?: number;
  renewBeforeMs?: number;
  pollMs?: number;
}

export async function startNotifyService(o: NotifyServiceOptions): Promise<NotifyService> {
  let logs = '';
  const logger = createLogger({
    level: 'debug',
    destination: new Writable({
      write(c, _e, cb) {
        logs += String(c);
        cb();
      },
    }),
  });
  const hub = new NotificationHub({
    store: o.store,
    logger,
    pollMs: o.pollMs ?? 200,
    ...(o.lifetimeMs ? { subscriptionLifetimeMs: o.lifetimeMs } : {}),
    ...(o.renewBeforeMs ? { renewBeforeMs: o.renewBeforeMs } : {}),
  });
  const runner = new TriggerRunner({
    store: o.store,
    tokens: o.tokens,
    logger,
    notifications: hub,
    syncIntervalMs: 500,
    ...(o.instanceId ? { instanceId: o.instanceId, leases: { ttlMs: o.leaseTtlMs ?? 3000 } } : {}),
  });
  const server = await buildServer({
    store: o.store,
    credentials: createCredentialStore(o.store),
    tokens: o.tokens,
    runner,
    notifications: hub,
    logger,
  });
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
  hub.publicUrl = o.publicUrl ?? base;
  return {
    base,
    hub,
    runner,
    server,
    logs: () => logs,
    async close(opts) {
      await runner.stop(opts);
      await server.close();
    },
  };
}

/** The next sandbox subscription event matching `pick` (waits for the event, no polling). */
export function nextSubscriptionEvent<K extends keyof SubscriptionEvents>(
  f: ExchangeFixture,
  kind: K,
  pick: (...args: SubscriptionEvents[K]) => boolean,
  timeoutMs = 20_000,
): Promise<SubscriptionEvents[K]> {
  const subs = f.sandbox.context.graphSubscriptions;
  return new Promise((resolve, reject) => {
    const on = (...args: SubscriptionEvents[K]) => {
      if (!pick(...args)) return;
      clearTimeout(timer);
      subs.off(kind, on as never);
      resolve(args);
    };
    const timer = setTimeout(() => {
      subs.off(kind, on as never);
      reject(new Error(`no sandbox subscription event ${String(kind)} in ${timeoutMs} ms`));
    }, timeoutMs);
    subs.on(kind, on as never);
  });
}

/** A round-robin HTTP balancer on loopback in front of several instances, as a public URL is in production. */
export interface Balancer {
  url: string;
  /** Requests forwarded to each target, by target base URL. */
  counts: Map<string, number>;
  close(): Promise<void>;
}

export async function startBalancer(targets: () => readonly string[]): Promise<Balancer> {
  const { createServer, request } = await import('node:http');
  const counts = new Map<string, number>();
  let next = 0;
  const server = createServer((req, res) => {
    const list = targets();
    const target = list[next++ % list.length]!;
    counts.set(target, (counts.get(target) ?? 0) + 1);
    const up = request(`${target}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    counts,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
