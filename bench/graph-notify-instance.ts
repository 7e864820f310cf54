/**
 * One `mailbridge serve`-like instance for bench/graph-notify-scale.ts, in its own process: the
 * service (Fastify, the public notification endpoint), a NotificationHub and a leased
 * TriggerRunner over the PostgreSQL database MBT_PG_URL, wired as src/cli/service.ts wires them.
 * JSON lines on stdout: `ready` (with its base URL) once listening, `started` after the runner's
 * first sync, a `report` for each `report` line on stdin. Exits when stdin closes.
 */
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { createWriteStream } from 'node:fs';
import { TokenManager } from '../src/auth/token-manager.js';
import { createLogger } from '../src/log.js';
import { buildServer } from '../src/server/app.js';
import { createCredentialStore } from '../src/server/credentials.js';
import { openPostgresStore } from '../src/store/postgres.js';
import { createSealer } from '../src/store/seal.js';
import { NotificationHub } from '../src/triggers/notify/hub.js';
import { TriggerRunner } from '../src/triggers/runner.js';

const id = process.env.MBT_INSTANCE ?? '';
const ttlMs = Number(process.env.MBT_LEASE_TTL_MS ?? 10_000);
const store = await openPostgresStore({
  url: process.env.MBT_PG_URL ?? '',
  sealer: createSealer(Buffer.from(process.env.MBT_KEY ?? '', 'base64')),
  poolSize: 10,
  lockPoolSize: 2,
});
// Warnings (a failed subscription, a lost lease) to MBT_LOG when given: the bench's stdout is its protocol.
const logger = createLogger({
  level: 'warn',
  destination: process.env.MBT_LOG ? createWriteStream(process.env.MBT_LOG) : process.stderr,
});
const tokens = new TokenManager({ store, logger });
const hub = new NotificationHub({
  store,
  instanceId: id,
  publicUrl: process.env.MBT_PUBLIC_URL ?? '',
  pollMs: 500,
  logger,
});
const runner = new TriggerRunner({
  store,
  tokens,
  instanceId: id,
  leases: { ttlMs, renewIntervalMs: Math.floor(ttlMs / 3), perMailboxLimit: 10 },
  notifications: hub,
  logger,
});
const server = await buildServer({
  store,
  credentials: createCredentialStore(store),
  tokens,
  runner,
  notifications: hub,
  logger,
});
await server.app.listen({ host: '127.0.0.1', port: 0 });
const say = (msg: object) => process.stdout.write(`${JSON.stringify(msg)}\n`);

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const cmd = line.trim();
  if (cmd === 'start')
    runner.start().then(
      () => say({ type: 'started' }),
      (e: unknown) => say({ type: 'error', message: String(e) }),
    );
  else if (cmd === 'report') {
    const cpu = process.cpuUsage();
    say({
      type: 'report',
      id,
      held: runner.heldLeases().length,
      running: runner.status().filter((s) => s.state === 'running').length,
      errors: runner
        .status()
        .map((s) => s.lastError ?? s.pauseReason)
        .filter(Boolean)
        .slice(0, 3),
      cpuMs: (cpu.user + cpu.system) / 1000,
      rssBytes: process.memoryUsage().rss,
    });
  }
});
lines.on('close', () => process.exit(1));
say({ type: 'ready', base: `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}` });
