/**
 * The rig's identity emulator as a background process: start.sh runs
 * `node --import tsx scripts/rig/identity.ts --port P --data-dir D --pid-file F`.
 * The pid file is written only once the emulator listens, and removed on SIGTERM, so
 * start.sh and stop.sh can tell a running emulator from a stale file.
 */
import { parseArgs } from 'node:util';
import { rmSync, writeFileSync } from 'node:fs';
import { startIdentityEmulator } from '@mailbridge/sandbox';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    'data-dir': { type: 'string' },
    'pid-file': { type: 'string' },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port <= 0) throw new Error('--port must be a port number');

const emulator = await startIdentityEmulator({
  host: '127.0.0.1',
  port,
  ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}),
});
const pidFile = values['pid-file'];
if (pidFile) writeFileSync(pidFile, `${process.pid}\n`);
console.log(`identity emulator listening on ${emulator.url}`);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    if (pidFile) rmSync(pidFile, { force: true });
    // Exit even if a keep-alive connection (Dovecot's http client) delays close().
    setTimeout(() => process.exit(0), 2000).unref();
    void emulator.close().then(() => process.exit(0));
  });
}
