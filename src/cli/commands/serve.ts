import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Command } from 'commander';
import { TokenManager } from '../../auth/token-manager.js';
import { isLoopbackHost } from '../../config/loopback.js';
import { ConfigError } from '../../errors.js';
import { Secret } from '../../secret.js';
import { buildServer } from '../../server/app.js';
import { openSqliteCredentials } from '../../server/credentials.js';
import { TriggerRunner } from '../../triggers/runner.js';
import type { CliContext } from '../context.js';

/** `mailbridge serve [--port N] [--host 127.0.0.1]`: the REST API, the web console and the triggers. */
export function registerServeCommand(program: Command, ctx: CliContext): void {
  program.command('serve')
    .description('run the service: REST API, web console and every trigger (loopback only unless --host says otherwise)')
    .option('--port <n>', 'port to listen on', '8025')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .action(async (o: { port: string; host: string }) => {
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new ConfigError({ code: 'CLI_OPTION_INVALID', field: '--port', message: `--port ${o.port} is not a port number`, hint: 'e.g. --port 8025' });
      }
      if (!isLoopbackHost(o.host)) {
        ctx.print(`warning: listening on ${o.host}, not a loopback address: put TLS in front (a reverse proxy) before others reach it`);
      }
      const store = await ctx.store();
      const credentials = openSqliteCredentials(databaseFile(ctx.home, process.env));
      const tokens = new TokenManager({ store, logger: ctx.logger });
      const runner = new TriggerRunner({ store, tokens, logger: ctx.logger });
      const envPassword = process.env.MAILBRIDGE_CONSOLE_PASSWORD;
      let firstPassword: string | undefined;
      if (!envPassword && !(await credentials.hasConsolePassword())) {
        firstPassword = randomBytes(15).toString('base64url');
        await credentials.setConsolePassword(new Secret(firstPassword));
      }
      const server = await buildServer({
        store, credentials, tokens, runner, logger: ctx.logger,
        ...(envPassword ? { consolePassword: new Secret(envPassword) } : {}),
      });
      await server.app.listen({ host: o.host, port });
      await runner.start();
      const address = server.app.server.address();
      const bound = address && typeof address === 'object' ? address.port : port;
      const base = `http://${o.host.includes(':') ? `[${o.host}]` : o.host}:${bound}`;
      ctx.print(`mailbridge is serving on ${base}\n  console   ${base}/console/\n  API       ${base}/api (OpenAPI: ${base}/openapi.json)\n  OAuth     redirect URI ${base}/oauth/callback or ${base}/ (register http://${o.host}/oauth/callback or http://${o.host} on the app)`);
      if (firstPassword) ctx.print(`console password (created now, shown once; change it with MAILBRIDGE_CONSOLE_PASSWORD): ${firstPassword}`);
      ctx.print(`running ${runner.status().filter((s) => s.state !== 'paused').length} trigger(s); Ctrl-C to stop`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await runner.stop();
      await server.close();
      await credentials.close();
    });
}

/** The SQLite file the store uses (store/open.ts decides the same way). */
function databaseFile(home: string, env: NodeJS.ProcessEnv): string {
  const url = env.MAILBRIDGE_DATABASE_URL?.trim();
  if (url && /^postgres(ql)?:\/\//i.test(url)) {
    // The credential table is read through its own SQLite connection until the Store interface has credential methods.
    throw new ConfigError({ code: 'SERVE_STORE_UNSUPPORTED', field: 'MAILBRIDGE_DATABASE_URL', message: '`mailbridge serve` keeps its API keys and console password in the SQLite store only in this build',
      hint: 'unset MAILBRIDGE_DATABASE_URL (or use sqlite:PATH) to run the service' });
  }
  const sqlite = url ? /^sqlite:(?:\/\/)?(.+)$/i.exec(url) : null;
  return sqlite?.[1] ?? join(home, 'mailbridge.db');
}
