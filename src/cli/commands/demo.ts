import { join } from 'node:path';
import type { Command } from 'commander';
import { authorize } from '../../auth/consent.js';
import { TokenManager } from '../../auth/token-manager.js';
import { applyPreset } from '../../config/presets.js';
import type { PresetInput } from '../../config/entry.js';
import { parseResource } from '../../config/validate.js';
import { ConfigError } from '../../errors.js';
import { Secret } from '../../secret.js';
import {
  SANDBOX, completeConsent, startIdentityEmulator, type IdentityEmulator,
} from '../../sandbox/identity/index.js';
import type { CliContext } from '../context.js';
import { showResource } from './resource.js';

/**
 * The guide's three resources, pointed at the sandbox tenant: Email receive (IMAP), Email
 * send (SMTP, with the guide's exact scope string) and Exchange (EWS, v1 authorize URL and
 * response_mode=query).
 */
function demoResources(authorityUrl: string): PresetInput[] {
  const common = {
    preset: 'm365' as const, tenantId: SANDBOX.tenantId, clientId: SANDBOX.confidentialClientId,
    user: SANDBOX.alice, from: SANDBOX.alice, authorityUrl,
  };
  return [
    { ...common, name: 'demo-receive', kind: 'imap' },
    { ...common, name: 'demo-send', kind: 'smtp',
      scope: 'https://outlook.office365.com/IMAP.AccessAsUser.All offline_access https://outlook.office365.com/SMTP.Send' },
    { ...common, name: 'demo-exchange', kind: 'ews', ewsV1: true, domain: SANDBOX.tenantDomain },
  ];
}

/**
 * `mailbridge demo`: the whole consent story on the embedded default (SQLite store + the
 * sandbox), no tenant needed. The sandbox's scripted user signs in and consents where a person
 * would, and the redirected URL is handed over as a person would paste it.
 */
export function registerDemoCommand(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description('consent the guide\'s three resources against the sandbox tenant and show them Available')
    .option('--port <port>', 'sandbox HTTP port (0: any free port)', '0')
    .option('--keep-running', 'leave the sandbox running (Ctrl-C to stop) to try the other commands against it')
    .action(async (opts: { port: string; keepRunning?: boolean }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new ConfigError({ code: 'CLI_OPTION_INVALID', field: '--port', message: `--port ${opts.port} is not a port number`, hint: 'give 0–65535' });
      }
      const em = await startIdentityEmulator({ port, dataDir: join(ctx.home, 'sandbox') });
      try {
        await runDemo(ctx, em);
        if (opts.keepRunning) {
          ctx.print(`\nsandbox running at ${em.url} (Ctrl-C to stop); try: mailbridge token status demo-send`);
          await new Promise<void>((resolve) => {
            process.once('SIGINT', resolve);
            process.once('SIGTERM', resolve);
          });
        }
      } finally {
        await em.close();
      }
    });
}

async function runDemo(ctx: CliContext, em: IdentityEmulator): Promise<void> {
  const store = await ctx.store();
  const manager = new TokenManager({ store, logger: ctx.logger });
  ctx.print(`sandbox identity platform at ${em.url} (tenant ${SANDBOX.tenantDomain}); store in ${ctx.home}`);
  for (const input of demoResources(em.url)) {
    // Re-pointed at this run's sandbox every time: its port may differ from the last run.
    await store.putResource(parseResource(applyPreset(input)));
    await store.putSecret(input.name, 'client_secret', new Secret(SANDBOX.clientSecret));
    let authorizeUrl = '';
    const result = await authorize(manager, input.name, {
      mode: 'paste',
      io: {
        print: () => undefined,
        onAuthorizeUrl: (url) => { authorizeUrl = url; },
        readRedirectUrl: async () => (await completeConsent(authorizeUrl, { username: SANDBOX.alice, password: SANDBOX.password })).toString(),
      },
    });
    // A second token, by refresh: the rotated refresh token is stored in place of the first.
    const refreshed = await manager.getAccessToken(input.name, { forceRefresh: true });
    ctx.print(`\n== ${input.name}: consent by ${result.via} as ${SANDBOX.alice}, then refreshed ` +
      `(access token for ${refreshed.audience} valid until ${new Date(refreshed.expiresAt).toISOString()})`);
    await showResource(ctx, input.name);
  }
}
