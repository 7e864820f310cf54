import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import Fastify, { type FastifyInstance } from 'fastify';
import { TokenManager } from '../auth/token-manager.js';
import type { Logger } from '../log.js';
import type { Secret } from '../secret.js';
import type { Store } from '../store/store.js';
import { NotificationHub } from '../triggers/notify/hub.js';
import { TriggerRunner } from '../triggers/runner.js';
import { consolePlugin } from './console/plugin.js';
import { ConsentBroker } from './consent-broker.js';
import type { ServerContext } from './context.js';
import type { CredentialStore } from './credentials.js';
import { DeviceFlows } from './device-flows.js';
import { installErrorHandler } from './errors.js';
import { installGuard } from './guard.js';
import { createLoginThrottle } from './login-throttle.js';
import { createMetrics } from './metrics.js';
import { registerOpenApi } from './openapi.js';
import { gatewayRoutes } from './routes/gateway.js';
import { graphNotificationRoutes } from './routes/graph-notifications.js';
import { healthRoutes } from './routes/health.js';
import { keyRoutes } from './routes/keys.js';
import { mailRoutes } from './routes/mail.js';
import { oauthRoutes } from './routes/oauth.js';
import { resourceRoutes } from './routes/resources.js';
import { triggerRoutes } from './routes/triggers.js';
import { installScopes } from './scopes.js';
import { installSecurityHeaders } from './security-headers.js';
import { createSessions } from './sessions.js';

/** Options of {@link buildServer}. */
export interface ServerOptions {
  store: Store;
  credentials: CredentialStore;
  tokens?: TokenManager;
  /** Default: a runner on the same store (started by `mailbridge serve`, not here). */
  runner?: TriggerRunner;
  logger?: Logger;
  /** Sets the console password when given (MAILBRIDGE_CONSOLE_PASSWORD). */
  consolePassword?: Secret;
  /** `serve --allow-host-access`: command/handler targets and file paths over the API and console (docs/security.md). */
  allowHostAccess?: boolean;
  /** `serve --behind-tls-proxy`: a proxy in front terminates TLS, so cookies are always `Secure` (and HSTS is sent). */
  behindTlsProxy?: boolean;
  /** `serve --trust-proxy ADDR,…`: take the client address and protocol from X-Forwarded-* sent by these proxies. */
  trustProxy?: string;
  /** The clock (ms since the epoch); tests pass a fake one. */
  now?: () => number;
  /**
   * Graph change notifications (triggers in mode notify): the hub the runner uses too. Default:
   * one without a public URL (the endpoint answers; subscriptions cannot be made).
   */
  notifications?: NotificationHub;
}

/** The built service: the Fastify app (not listening yet) and how to close it. */
export interface MailbridgeServer {
  app: FastifyInstance;
  /** @internal The service's wiring, for tests and the CLI. */
  ctx: ServerContext;
  /** Closes the app and the device code sign-ins in flight; the store and the runner stay the caller's to stop. */
  close(): Promise<void>;
}

/**
 * The service: REST API (route groups as plug-ins), the OAuth callback, the web console and
 * the OpenAPI document generated from the route schemas. Listening is the caller's job.
 * @example
 * ```ts
 * const server = await buildServer({ store, credentials: createCredentialStore(store) });
 * await server.app.listen({ host: '127.0.0.1', port: 8025 });
 * ```
 */
export async function buildServer(o: ServerOptions): Promise<MailbridgeServer> {
  const now = o.now ?? Date.now;
  const tokens = o.tokens ?? new TokenManager({ store: o.store, now, ...(o.logger ? { logger: o.logger } : {}) });
  const ctx: ServerContext = {
    store: o.store,
    tokens,
    runner: o.runner ?? new TriggerRunner({ store: o.store, tokens, ...(o.logger ? { logger: o.logger } : {}) }),
    credentials: o.credentials,
    sessions: createSessions(now),
    consents: new ConsentBroker(tokens),
    devices: new DeviceFlows(tokens),
    metrics: createMetrics(),
    hostAccess: { hostAccess: o.allowHostAccess === true },
    loginThrottle: createLoginThrottle({ now }),
    secureCookies: o.behindTlsProxy === true ? true : 'auto',
    now,
    ...(o.logger ? { logger: o.logger } : {}),
  };
  if (o.consolePassword) await o.credentials.setConsolePassword(o.consolePassword);

  const app = Fastify({
    // The service logs through ctx.logger (redacting) itself; Fastify's per-request lines stay off.
    logger: false,
    // Bodies are JSON or forms of a few KB; a config file import or a send with attachments more.
    // Only authenticated routes take this much: public ones get PUBLIC_BODY_LIMIT (guard.ts).
    bodyLimit: 25 * 1024 * 1024,
    ...(o.trustProxy ? { trustProxy: o.trustProxy.split(',').map((a) => a.trim()) } : {}),
  });
  installErrorHandler(app, o.logger);
  await app.register(fastifyCookie);
  await app.register(fastifyFormbody);
  await app.register(fastifyCsrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: 'mb_csrf',
    cookieOpts: { path: '/', httpOnly: true, sameSite: 'strict', signed: false, secure: ctx.secureCookies },
  });
  installSecurityHeaders(app, { hsts: o.behindTlsProxy === true });
  // Before any route is registered: every key-protected route gets its scope (or the start fails).
  installScopes(app);
  await registerOpenApi(app);
  installGuard(app, ctx);
  app.addHook('onResponse', async (req, reply) => {
    ctx.metrics.countRequest(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode);
  });

  await app.register(healthRoutes(ctx));
  await app.register(resourceRoutes(ctx), { prefix: '/api' });
  await app.register(oauthRoutes(ctx));
  await app.register(mailRoutes(ctx), { prefix: '/api' });
  await app.register(triggerRoutes(ctx), { prefix: '/api' });
  await app.register(keyRoutes(ctx), { prefix: '/api' });
  await app.register(gatewayRoutes(ctx), { prefix: '/api' });
  await app.register(graphNotificationRoutes(ctx, o.notifications ?? new NotificationHub({ store: o.store, ...(o.logger ? { logger: o.logger } : {}) })));
  await app.register(consolePlugin(ctx), { prefix: '/console' });
  await app.ready();
  return {
    app, ctx,
    async close() {
      ctx.devices.close();
      await app.close();
    },
  };
}
