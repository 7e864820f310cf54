import { createInterface } from 'node:readline';
import { startImapGateway } from '../src/gateway/imap/index.js';
import { createLogger } from '../src/log.js';
import { loadRig } from '../test/helpers/rig.js';
import { memoryDirectory, rigUpstreams } from '../test/gateway/relay-support.js';

/**
 * The IMAP gateway in a process of its own for bench/gateway.ts, so its CPU and memory are
 * not the benchmark client's: prints its ports as one JSON line, then answers each `mem` line
 * on stdin with its memory after a full GC.
 */
const [user, dir] = process.argv.slice(2) as [string, string];
const rig = loadRig();
const resource = rig.resource('imap', user, { name: 'bench' });
const directory = await memoryDirectory([{ name: 'bench', password: 'bench-pass', resource: 'bench' }]);
const common = {
  logger: createLogger({ level: 'error' }),
  directory,
  upstreams: rigUpstreams(rig, [resource]),
  tls: { selfSigned: true as const, dir },
};
const tls = await startImapGateway({ ...common, security: 'tls' });
const plain = await startImapGateway({ ...common, security: 'plain' });
process.stdout.write(`${JSON.stringify({ tls: tls.port, plain: plain.port, certPem: tls.certPem })}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  if (line !== 'mem') continue;
  globalThis.gc?.();
  const m = process.memoryUsage();
  process.stdout.write(
    `${JSON.stringify({ rss: m.rss, heapUsed: m.heapUsed, external: m.external, sessions: tls.sessions + plain.sessions })}\n`,
  );
}
await tls.close();
await plain.close();
