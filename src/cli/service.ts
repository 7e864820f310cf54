import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { TokenManager } from '../auth/token-manager.js';
import { ConfigError } from '../errors.js';
import { Secret } from '../secret.js';
import { buildServer } from '../server/app.js';
import { createCredentialStore } from '../server/credentials.js';
import { localeFromEnv, messages, t, type Locale } from '../i18n/index.js';
import { NotificationHub } from '../triggers/notify/hub.js';
import { checkNotificationUrl } from '../triggers/notify/reachability.js';
import { TriggerRunner } from '../triggers/runner.js';

const m = messages('serve.notify', {
  reachable: { en: 'Graph notifications: {url} reaches this service', ja: 'Graph の変更通知: {url} からこのサービスに届きます' },
  unreachable: {
    en: 'warning: Graph notifications: {url} does not reach this service ({why}); triggers in mode notify fall back to their safety-net poll until it does (docs/notifications.md)',
    ja: '警告: Graph の変更通知: {url} からこのサービスに届きません ({why})。届くようになるまで、mode notify のトリガーは定期ポーリングだけで動きます (docs/notifications.md)',
  },
});
import type { CliContext } from './context.js';

export interface RunningService {
  /** http://HOST:PORT */
  base: string;
  /** The console password when it was created by this start (shown once), else undefined. */
  firstPassword?: string;
  runner: TriggerRunner;
  tokens: TokenManager;
  stop(): Promise<void>;
}

/** Starts the REST API, the web console and every trigger over the CLI's store (`serve` and `demo`). */
export interface ServiceOptions {
  host: string;
  port: number;
  /** Command/handler targets and file paths over the API and the console (docs/security.md). */
  allowHostAccess?: boolean;
  behindTlsProxy?: boolean;
  trustProxy?: string;
  /** The public URL Graph posts change notifications to (`--notification-url`, MAILBRIDGE_NOTIFICATION_URL). */
  notificationUrl?: string;
}

export async function startService(ctx: CliContext, o: ServiceOptions): Promise<RunningService> {
  const store = await ctx.store();
  const credentials = createCredentialStore(store);
  const tokens = new TokenManager({ store, logger: ctx.logger });
  // Every service instance takes mailbox leases: alone it holds them all; with others on one
  // PostgreSQL database each watched mailbox has exactly one owner.
  const instanceId = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  const notifications = new NotificationHub({ store, logger: ctx.logger, instanceId, ...(o.notificationUrl ? { publicUrl: o.notificationUrl } : {}) });
  const runner = new TriggerRunner({ store, tokens, logger: ctx.logger, instanceId, notifications });
  const envPassword = process.env.MAILBRIDGE_CONSOLE_PASSWORD;
  let firstPassword: string | undefined;
  if (!envPassword && !(await credentials.hasConsolePassword())) {
    firstPassword = randomBytes(15).toString('base64url');
    await credentials.setConsolePassword(new Secret(firstPassword));
  }
  const server = await buildServer({
    store, credentials, tokens, runner, notifications, logger: ctx.logger,
    allowHostAccess: o.allowHostAccess === true, behindTlsProxy: o.behindTlsProxy === true, ...(o.trustProxy ? { trustProxy: o.trustProxy } : {}),
    ...(envPassword ? { consolePassword: new Secret(envPassword) } : {}),
  });
  try {
    await server.app.listen({ host: o.host, port: o.port });
  } catch (e) {
    await server.close().catch(() => undefined);
    throw (e as NodeJS.ErrnoException).code === 'EADDRINUSE' ? portInUse(o.host, o.port, e) : e;
  }
  await runner.start();
  if (o.notificationUrl) void reportReachability(ctx, o.notificationUrl);
  const address = server.app.server.address();
  const bound = address && typeof address === 'object' ? address.port : o.port;
  return {
    base: `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${bound}`,
    ...(firstPassword ? { firstPassword } : {}),
    runner,
    tokens,
    async stop() {
      await runner.stop();
      await server.close();
    },
  };
}

/** Reachability of the notification URL, said once at start (the service runs either way). */
async function reportReachability(ctx: CliContext, url: string): Promise<void> {
  const locale: Locale = localeFromEnv();
  const why = await checkNotificationUrl(url);
  if (why === undefined) ctx.print(t(m.reachable, locale, { url }));
  else ctx.print(t(m.unreachable, locale, { url, why }));
}

/** Another process (often a running `mailbridge serve` or `demo`) holds the port: a user error, not a bug. */
function portInUse(host: string, port: number, cause: unknown): ConfigError {
  return new ConfigError({
    code: 'PORT_IN_USE', field: '--port', cause,
    message: `port ${port} on ${host} is already in use (is another mailbridge serve or demo running?)`,
    hint: `stop the other process, or pick another port: --port ${port + 1} (or --port 0 for any free port)`,
  });
}

/** Resolves on Ctrl-C or SIGTERM. */
export function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}
