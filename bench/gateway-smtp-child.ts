import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startGateway } from '../src/gateway/gateway.js';
import { Secret } from '../src/secret.js';
import { createSealer } from '../src/store/seal.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { loadRig } from '../test/helpers/rig.js';
import { consentedResource } from '../test/mail/facade-consent.js';

/**
 * The SMTP gateway in a process of its own for bench/gateway-smtp.ts: a SQLite store in `dir`,
 * one gateway user sending through a consented resource on the rig's Postfix (submission,
 * XOAUTH2). Prints its ports and certificate as one JSON line, then one line per delivery
 * outcome, and answers each `mem` line on stdin with its memory after a full GC.
 */
const [user, dir, upstreamPort] = process.argv.slice(2) as [string, string, string | undefined];
const rig = loadRig();
let pending = '';
const report = (line: string) => {
  if (pending === '')
    setImmediate(() => {
      process.stdout.write(pending);
      pending = '';
    });
  pending += line;
};
const store = openSqliteStore({ path: join(dir, 'mailbridge.db'), sealer: createSealer(randomBytes(32)) });
const { tokens, resource } = await consentedResource(rig, 'smtp', { store, name: 'bench-send', user });
// A relay in front of Postfix (bench/delay-proxy.ts): the same server, further away.
if (upstreamPort) await store.putResource({ ...resource, server: { ...resource.server, port: Number(upstreamPort) } });
const gw = await startGateway(
  {
    hostname: 'gw.bench',
    // Postfix is not Exchange: no pacing per mailbox, and the client is meant to flood.
    smtp: { port: 0, tlsPort: 0, rate: { messagesPerMinutePerUser: 0, connectionsPerMinutePerSource: 0 } },
    delivery: { messagesPerMinute: 0, recipientsPerDay: 0 },
  },
  {
    store,
    tokens,
    home: dir,
    // One write per turn of the event loop, not per message: a pipe write wakes the parent each
    // time, which is the harness's cost, not the gateway's.
    onOutcome: (o) => report(`${JSON.stringify({ outcome: o.kind, id: o.id })}\n`),
  },
);
await gw.users.add({ name: 'bench', password: new Secret('bench-password'), sendResource: 'bench-send' });
process.stdout.write(`${JSON.stringify({ port: gw.smtp.port, tlsPort: gw.smtp.tlsPort, certPem: gw.tls.cert })}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  if (line !== 'mem') continue;
  globalThis.gc?.();
  const m = process.memoryUsage();
  const c = process.cpuUsage();
  const usage = { rss: m.rss, heapUsed: m.heapUsed, external: m.external, cpu: c.user + c.system };
  process.stdout.write(`${JSON.stringify(usage)}\n`);
}
await gw.close();
await store.close();
process.exit(0);
