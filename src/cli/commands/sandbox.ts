import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { ConfigError } from '../../errors.js';
import { maskSecret } from '../../secret.js';
import {
  SANDBOX, defaultSeed, loadSeedFile, sandboxCaPem, startIdentityEmulator, type IdentityEmulator,
} from '../../sandbox/identity/index.js';
import type { CliContext } from '../context.js';

interface SandboxOptions {
  port: string;
  httpsPort: string;
  host: string;
  seed?: string;
  dataDir?: string;
  showSecrets?: boolean;
}

/** `mailbridge sandbox`: run the identity emulator in the foreground; `sandbox export-ca [FILE]`. */
export function registerSandboxCommand(program: Command, ctx: CliContext): void {
  const defaultDataDir = () => join(ctx.home, 'sandbox');
  const sandbox = program
    .command('sandbox')
    .description('run the offline identity emulator (a local login.microsoftonline.com) until Ctrl-C')
    .option('--port <port>', 'HTTP port (0: any free port)', '0')
    .option('--https-port <port>', 'HTTPS port (0: any free port)', '0')
    .option('--host <address>', 'loopback address to listen on', '127.0.0.1')
    .option('--seed <file>', 'tenant, users, apps, consents and options (YAML or JSON); default: the built-in sandbox tenant')
    .option('--data-dir <dir>', 'where the CA and the signing key are kept (default: $MAILBRIDGE_HOME/sandbox)')
    .option('--show-secrets', 'print the client secrets and passwords of a custom seed in full')
    .action(async (opts: SandboxOptions) => {
      const host = loopbackHost(opts.host);
      const seed = opts.seed ? await loadSeedFile(opts.seed) : defaultSeed();
      const em = await startIdentityEmulator({
        host, port: portOption('--port', opts.port), httpsPort: portOption('--https-port', opts.httpsPort), seed,
        dataDir: opts.dataDir ?? defaultDataDir(),
      });
      if (ctx.json()) ctx.printJson(describe(em, Boolean(opts.showSecrets)));
      else ctx.print(formatBanner(em, Boolean(opts.showSecrets)));
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await em.close();
    });

  sandbox
    .command('export-ca [file]')
    .description('write the sandbox CA certificate (PEM) to FILE, or to stdout; trust it to reach the emulator over HTTPS')
    .option('--data-dir <dir>', 'where the CA is kept (default: $MAILBRIDGE_HOME/sandbox)')
    .action(async (file: string | undefined, opts: { dataDir?: string }) => {
      const dataDir = opts.dataDir ?? (sandbox.opts() as SandboxOptions).dataDir ?? defaultDataDir();
      const pem = await sandboxCaPem(dataDir);
      if (!file) {
        process.stdout.write(pem);
        return;
      }
      await writeFile(file, pem);
      if (!ctx.json()) ctx.print(`wrote the sandbox CA to ${file}`);
      else ctx.printJson({ file });
    });
}

/** The emulator is for this machine only: anything but a loopback address is refused. */
function loopbackHost(host: string): string {
  if (host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) return host === 'localhost' ? '127.0.0.1' : host;
  throw new ConfigError({
    code: 'SANDBOX_HOST_NOT_LOOPBACK',
    field: '--host',
    message: `--host ${host} is not a loopback address`,
    hint: 'use 127.0.0.1, ::1 or localhost: the sandbox must not be reachable from other machines',
  });
}

function portOption(name: string, value: string): number {
  const n = Number(value);
  if (Number.isInteger(n) && n >= 0 && n <= 65535) return n;
  throw new ConfigError({ code: 'CLI_OPTION_INVALID', field: name, message: `${name} ${value} is not a port number`, hint: 'give 0–65535 (0: any free port)' });
}

/** Sandbox values of the built-in seed are public fakes and print in full; a custom seed's are masked unless asked. */
function shown(value: string, showSecrets: boolean): string {
  const builtIn = value === SANDBOX.clientSecret || value === SANDBOX.password;
  return builtIn || showSecrets ? value : maskSecret(value);
}

function describe(em: IdentityEmulator, showSecrets: boolean) {
  const t = em.seed.tenant;
  const v2 = `${em.url}/${t.id}/oauth2/v2.0`;
  return {
    url: em.url,
    httpsUrl: em.httpsUrl,
    tenant: { id: t.id, domain: t.domain },
    endpoints: {
      authorize: `${v2}/authorize`,
      token: `${v2}/token`,
      devicecode: `${v2}/devicecode`,
      openidConfiguration: `${em.url}/${t.id}/v2.0/.well-known/openid-configuration`,
      deviceLogin: `${em.url}/devicelogin`,
      introspection: em.introspectionUrl,
      admin: `${em.url}/_admin`,
    },
    users: em.seed.users.map((u) => ({ username: u.username, password: shown(u.password, showSecrets) })),
    apps: em.seed.apps.map((a) => ({
      clientId: a.clientId,
      displayName: a.displayName,
      type: a.type,
      secrets: a.secrets.map((s) => shown(s.value, showSecrets)),
      redirectUris: a.redirectUris,
    })),
    note: 'every password and secret here is a sandbox value, valid only against this emulator',
  };
}

function formatBanner(em: IdentityEmulator, showSecrets: boolean): string {
  const d = describe(em, showSecrets);
  const lines = [
    'mailbridge sandbox: identity emulator running (Ctrl-C to stop)',
    `  authority (HTTP)   ${d.url}`,
    `  authority (HTTPS)  ${d.httpsUrl}   (trust its CA: mailbridge sandbox export-ca FILE)`,
    `  tenant             ${d.tenant.id} (${d.tenant.domain})`,
    `  authorize          ${d.endpoints.authorize}`,
    `  token              ${d.endpoints.token}`,
    `  device code        ${d.endpoints.devicecode}  (sign in at ${d.endpoints.deviceLogin})`,
    `  introspection      ${d.endpoints.introspection}`,
    `  admin API          ${d.endpoints.admin}`,
    'users (sandbox passwords):',
    ...d.users.map((u) => `  ${u.username}  ${u.password}`),
    'apps:',
    ...d.apps.map((a) => `  ${a.clientId}  ${a.type}  ${a.displayName}${a.secrets.length ? `  secret: ${a.secrets.join(', ')} (sandbox value)` : ''}`),
  ];
  return lines.join('\n');
}
