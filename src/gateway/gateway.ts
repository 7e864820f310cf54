import { join } from 'node:path';
import type { TokenManager } from '../auth/token-manager.js';
import { ConfigError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Store } from '../store/store.js';
import { gatewayConfigSchema, type GatewayConfig, type GatewayConfigInput } from './config.js';
import { startSmtpGateway, type SmtpGateway } from './smtp/server.js';
import { loadGatewayTls, type GatewayTls } from './smtp/tls.js';
import { startSpoolWorker, type SpoolOutcome, type SpoolWorker } from './spool.js';
import { openUpstream, type Upstream } from './upstream.js';
import { GatewayUsers } from './users.js';
import { startImapGateway } from './imap/index.js';
import { startPop3Gateway } from './pop3/index.js';
import type { GatewayListener, GatewayListenerOptions } from './relay/listener.js';

/**
 * `mailbridge gateway`: the SMTP submission gateway, its delivery worker and (wired by the
 * caller) the IMAP and POP3 gateways, over one store and one token manager.
 */

export interface GatewayDeps {
  /** The store (its gateway slice holds users, spool, relays and dead letters). */
  store: Store;
  tokens: TokenManager;
  /** MAILBRIDGE_HOME: the generated certificate is kept here. */
  home: string;
  logger?: Logger;
  /** Every delivery outcome (for tests and metrics). */
  onOutcome?(o: SpoolOutcome): void;
}

export interface RunningGateway {
  readonly config: GatewayConfig;
  readonly tls: GatewayTls;
  readonly smtp: SmtpGateway;
  readonly users: GatewayUsers;
  readonly worker: SpoolWorker;
  /** The IMAP and POP3 listeners that run (none unless the config has an `imap` or `pop3` section). */
  readonly relays: readonly RunningRelay[];
  close(): Promise<void>;
}

/** One IMAP or POP3 gateway listener and what it offers. */
export interface RunningRelay {
  readonly protocol: 'imap' | 'pop3';
  readonly security: 'starttls' | 'tls';
  readonly listener: GatewayListener;
}

export function parseGatewayConfig(input: GatewayConfigInput | undefined): GatewayConfig {
  const r = gatewayConfigSchema.safeParse(input ?? {});
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const field = issue?.path.join('.') ?? '';
  throw new ConfigError({
    code: 'CONFIG_INVALID',
    field: `gateway.${field}`,
    message: `the gateway configuration is invalid at ${field || '(top)'}: ${issue?.message ?? 'unknown'}`,
    hint: 'see docs/gateway.md for the gateway section (smtp, delivery, imap, pop3)',
  });
}

export async function startGateway(
  input: GatewayConfigInput | GatewayConfig | undefined,
  deps: GatewayDeps,
): Promise<RunningGateway> {
  const config = parseGatewayConfig(input);
  const { store, tokens, logger } = deps;
  const users = new GatewayUsers({
    store: store,
    ...(logger ? { logger } : {}),
    limits: { failuresPerSource: config.smtp.rate.loginFailuresPerSource },
    resourceExists: async (n) => (await store.getResource(n)) !== undefined,
  });
  for (const [i, s] of config.smtp.allowSources.entries()) {
    if (!(await store.getResource(s.resource))) {
      throw new ConfigError({
        code: 'RESOURCE_NOT_FOUND',
        field: `gateway.smtp.allowSources.${i}.resource`,
        message: `no resource named "${s.resource}"`,
        hint: 'list them with `mailbridge resource list`',
      });
    }
  }
  const tls = await loadGatewayTls({
    ...(config.smtp.tls ? { certFile: config.smtp.tls.certFile, keyFile: config.smtp.tls.keyFile } : {}),
    dir: join(deps.home, 'gateway-tls'),
    hostname: config.hostname,
  });

  const upstreams = new Map<string, Promise<Upstream>>();
  const upstream = (name: string): Promise<Upstream> => {
    let u = upstreams.get(name);
    if (!u) {
      u = (async () => {
        const resource = await store.getResource(name);
        if (!resource) {
          throw new ConfigError({
            code: 'RESOURCE_NOT_FOUND',
            field: 'resource',
            message: `no resource named "${name}"`,
            hint: 'add the resource again or map the gateway user to another one',
          });
        }
        return openUpstream(resource, tokens, logger);
      })();
      upstreams.set(name, u);
      u.catch(() => upstreams.delete(name));
    }
    return u;
  };

  const d = config.delivery;
  const worker = startSpoolWorker({
    store: store,
    upstream,
    limits: { messagesPerMinute: d.messagesPerMinute, recipientsPerDay: d.recipientsPerDay },
    retry: { baseMs: d.retryBaseMs, maxMs: d.retryMaxMs, maxAgeMs: d.maxAgeMs },
    concurrency: d.concurrency,
    leaseMs: d.leaseMs,
    hostname: config.hostname,
    ...(d.bounceFrom ? { bounceFrom: d.bounceFrom } : {}),
    ...(deps.onOutcome ? { onOutcome: (x: SpoolOutcome) => deps.onOutcome?.(x) } : {}),
    ...(d.bounceResource ? { bounceResource: d.bounceResource } : {}),
    ...(logger ? { logger } : {}),
  });

  let smtp: SmtpGateway;
  try {
    smtp = await startSmtpGateway({
      config: config.smtp,
      hostname: config.hostname,
      tls,
      directory: users,
      store: store,
      ownAddress: async (name) => {
        const r = await store.getResource(name);
        return (r?.from ?? r?.user)?.toLowerCase();
      },
      onAccepted: (id, raw) => worker.offer(id, raw),
      countMessage: (user, address) => users.countMessage(user, 'smtp', address),
      ...(logger ? { logger } : {}),
    });
  } catch (e) {
    await worker.stop();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      throw new ConfigError({
        code: 'GATEWAY_PORT_UNAVAILABLE',
        field: 'gateway.smtp.port',
        message: `cannot listen on ${config.smtp.host} port ${config.smtp.port ?? ''}/${config.smtp.tlsPort ?? ''}: ${code === 'EACCES' ? 'permission denied' : 'already in use'}`,
        hint:
          code === 'EACCES'
            ? 'use ports above 1023 (e.g. 2587 and 2465), or grant CAP_NET_BIND_SERVICE'
            : 'stop what uses the port, or choose others with --smtp-port / --smtps-port',
        cause: e,
      });
    }
    throw e;
  }

  // The IMAP/POP3 relays log in upstream through the token manager, check local users in the same
  // directory as SMTP and present the certificate loaded above, so a client pins one fingerprint.
  const relays: RunningRelay[] = [];
  try {
    for (const protocol of ['imap', 'pop3'] as const) {
      const section = config[protocol];
      if (!section) continue;
      const start = protocol === 'imap' ? startImapGateway : startPop3Gateway;
      for (const [security, listenPort] of [
        ['starttls', section.port],
        ['tls', section.tlsPort],
      ] as const) {
        if (listenPort === null) continue;
        const options: GatewayListenerOptions = {
          host: section.host,
          port: listenPort,
          security,
          tls: { certPem: tls.cert, keyPem: tls.key },
          plaintextLogin: section.allowPlain ? 'always' : 'loopback',
          directory: users,
          upstreams: tokens,
          ...(logger ? { logger } : {}),
        };
        relays.push({ protocol, security, listener: await start(options) });
      }
    }
  } catch (e) {
    for (const r of relays) await r.listener.close();
    await smtp.close();
    await worker.stop();
    throw e;
  }

  return {
    config,
    tls,
    smtp,
    users,
    worker,
    relays,
    async close() {
      for (const r of relays) await r.listener.close();
      await smtp.close();
      await worker.stop();
      for (const u of upstreams.values())
        await u.then(
          (x) => x.close(),
          () => undefined,
        );
    },
  };
}
