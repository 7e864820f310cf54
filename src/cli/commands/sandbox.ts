import { connect } from 'node:net';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { stringify as stringifyYaml } from 'yaml';
import type { Resource } from '../../config/resource.js';
import { ConfigError, type MailbridgeError } from '../../errors.js';
import { maskSecret } from '../../secret.js';
// Types only (erased): the package itself is loaded by loadSandbox() when a sandbox command runs.
import type { ExchangeSandbox, IdentityEmulator } from '#sandbox';
import type { Store } from '../../store/store.js';
import type { CliContext } from '../context.js';
import { asConfigError, loadSandbox, type SandboxModule } from '../load-sandbox.js';

interface SandboxOptions {
  port: string;
  httpsPort: string;
  host: string;
  seed?: string;
  dataDir?: string;
  showSecrets?: boolean;
  smtpPort: string;
  pop3Port: string;
  pop3sPort: string;
  imapPort: string;
  imapsPort: string;
  ewsPort: string;
  graphPort: string;
  adminPort: string;
  storeDir?: string;
  resourcesFile?: string;
}

/**
 * `mailbridge sandbox`: run the identity emulator and the Exchange sandbox (SMTP, POP3, IMAP, EWS,
 * Graph) together in the foreground, and write a resource file pointing at them; `sandbox export-ca [FILE]`.
 */
export function registerSandboxCommand(program: Command, ctx: CliContext): void {
  const defaultDataDir = () => join(ctx.home, 'sandbox');
  const sandbox = program
    .command('sandbox')
    .description('run the offline identity emulator and Exchange sandbox (login.microsoftonline.com + Exchange Online on loopback) until Ctrl-C')
    .option('--port <port>', 'HTTP port (0: any free port)', '0')
    .option('--https-port <port>', 'HTTPS port (0: any free port)', '0')
    .option('--host <address>', 'loopback address to listen on', '127.0.0.1')
    .option('--seed <file>', 'tenant, users, apps, consents and options (YAML or JSON); default: the built-in sandbox tenant')
    .option('--data-dir <dir>', 'where the CA and the signing key are kept (default: $MAILBRIDGE_HOME/sandbox)')
    .option('--show-secrets', 'print the client secrets and passwords of a custom seed in full')
    .option('--smtp-port <port>', 'SMTP submission with STARTTLS (0: any free port)', '0')
    .option('--pop3-port <port>', 'POP3 with STLS (0: any free port)', '0')
    .option('--pop3s-port <port>', 'POP3 over TLS (0: any free port)', '0')
    .option('--imap-port <port>', 'IMAP with STARTTLS (0: any free port)', '0')
    .option('--imaps-port <port>', 'IMAP over TLS (0: any free port)', '0')
    .option('--ews-port <port>', 'EWS over HTTPS (0: any free port)', '0')
    .option('--graph-port <port>', 'Microsoft Graph over HTTPS (0: any free port)', '0')
    .option('--admin-port <port>', 'the Exchange sandbox admin API over HTTP (0: any free port)', '0')
    .option('--store-dir <dir>', 'keep the mailboxes on disk here (default: in memory, gone on exit)')
    .option('--resources-file <file>', 'where to write the resource file (default: <data dir>/resources.yaml)')
    .action(async (opts: SandboxOptions) => {
      const host = loopbackHost(opts.host);
      const sb = await loadSandbox();
      const { SANDBOX, startExchangeSandbox, startIdentityEmulator } = sb;
      const [seed, exchangeSeed] = await Promise.all([
        opts.seed ? sb.loadSeedFile(opts.seed) : sb.defaultSeed(),
        opts.seed ? sb.loadExchangeSeedFile(opts.seed) : sb.defaultExchangeSeed(),
      ]).catch((e: unknown) => { throw asConfigError(e, sb); });
      const dataDir = opts.dataDir ?? defaultDataDir();
      const ports = {
        smtp: portOption('--smtp-port', opts.smtpPort), pop3: portOption('--pop3-port', opts.pop3Port),
        pop3s: portOption('--pop3s-port', opts.pop3sPort), imap: portOption('--imap-port', opts.imapPort),
        imaps: portOption('--imaps-port', opts.imapsPort), ews: portOption('--ews-port', opts.ewsPort),
        graph: portOption('--graph-port', opts.graphPort), admin: portOption('--admin-port', opts.adminPort),
      };
      const em = await startIdentityEmulator({
        host, port: portOption('--port', opts.port), httpsPort: portOption('--https-port', opts.httpsPort), seed, dataDir,
        // A kept mail store keeps the tenant's grants with it, as a real tenant would.
        ...(opts.storeDir ? { stateFile: join(opts.storeDir, 'identity-state.json') } : {}),
      });
      let ex: ExchangeSandbox;
      try {
        ex = await startExchangeSandbox({
          identity: em, host, ports, seed: exchangeSeed, tlsDir: dataDir, adminHttp: true,
          ...(opts.storeDir ? { dataDir: opts.storeDir } : {}),
          ...(opts.seed ? { seedBaseDir: dirname(resolve(opts.seed)) } : {}),
        });
      } catch (e) {
        await em.close();
        throw e;
      }
      const resourcesFile = resolve(opts.resourcesFile ?? join(dataDir, 'resources.yaml'));
      const caFile = join(dataDir, 'ca.pem');
      await mkdir(dirname(resourcesFile), { recursive: true });
      await writeFile(resourcesFile, resourceFileText(em, ex, caFile, SANDBOX));
      const info = { ...describe(em, Boolean(opts.showSecrets), SANDBOX), exchange: describeExchange(ex, caFile), resourcesFile };
      if (ctx.json()) ctx.printJson(info);
      else ctx.print(`${formatBanner(em, Boolean(opts.showSecrets), SANDBOX)}\n${formatExchange(info.exchange, resourcesFile)}`);
      await new Promise<void>((done) => {
        process.once('SIGINT', done);
        process.once('SIGTERM', done);
      });
      await ex.close();
      await em.close();
    });

  sandbox
    .command('export-ca [file]')
    .description('write the sandbox CA certificate (PEM) to FILE, or to stdout; trust it to reach the emulator over HTTPS')
    .option('--data-dir <dir>', 'where the CA is kept (default: $MAILBRIDGE_HOME/sandbox)')
    .action(async (file: string | undefined, opts: { dataDir?: string }) => {
      const dataDir = opts.dataDir ?? (sandbox.opts() as SandboxOptions).dataDir ?? defaultDataDir();
      const pem = await (await loadSandbox()).sandboxCaPem(dataDir);
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

/** The sandbox's well-known values (tenant, users, apps of the built-in seed). */
type SandboxValues = SandboxModule['SANDBOX'];

/** Sandbox values of the built-in seed are public fakes and print in full; a custom seed's are masked unless asked. */
function shown(value: string, showSecrets: boolean, known: SandboxValues): string {
  const builtIn = value === known.clientSecret || value === known.password;
  return builtIn || showSecrets ? value : maskSecret(value);
}

function describe(em: IdentityEmulator, showSecrets: boolean, known: SandboxValues) {
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
    users: em.seed.users.map((u) => ({ username: u.username, password: shown(u.password, showSecrets, known) })),
    apps: em.seed.apps.map((a) => ({
      clientId: a.clientId,
      displayName: a.displayName,
      type: a.type,
      secrets: a.secrets.map((s) => shown(s.value, showSecrets, known)),
      redirectUris: a.redirectUris,
    })),
    note: 'every password and secret here is a sandbox value, valid only against this emulator',
  };
}

function formatBanner(em: IdentityEmulator, showSecrets: boolean, known: SandboxValues): string {
  const d = describe(em, showSecrets, known);
  const lines = [
    'mailbridge sandbox: identity emulator and Exchange sandbox running (Ctrl-C to stop)',
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

function describeExchange(ex: ExchangeSandbox, caFile: string) {
  // The certificate names localhost and 127.0.0.1; clients connect to the address we bound.
  const h = ex.host.includes(':') ? `[${ex.host}]` : ex.host;
  return {
    host: ex.host,
    caFile,
    imaps: `imaps://${h}:${ex.imap.port}`,
    imap: `imap://${h}:${ex.imap.starttlsPort}`,
    pop3s: `pop3s://${h}:${ex.pop3.tlsPort}`,
    pop3: `pop3://${h}:${ex.pop3.port}`,
    smtp: `smtp://${h}:${ex.smtp.port}`,
    ews: `${ex.ews.url}/EWS/Exchange.asmx`,
    graph: `${ex.graph.url}/v1.0`,
    admin: ex.adminUrl,
    mailboxes: ex.admin.listMailboxes().map((m) => m.address),
  };
}

function formatExchange(d: ReturnType<typeof describeExchange>, resourcesFile: string): string {
  return [
    'exchange sandbox (TLS certificates signed by the sandbox CA):',
    `  IMAP (TLS)         ${d.imaps}`,
    `  IMAP (STARTTLS)    ${d.imap}`,
    `  POP3 (TLS)         ${d.pop3s}`,
    `  POP3 (STLS)        ${d.pop3}`,
    `  SMTP submission    ${d.smtp}   (STARTTLS, AUTH XOAUTH2)`,
    `  EWS                ${d.ews}`,
    `  Graph              ${d.graph}`,
    `  admin API          ${d.admin ?? '(off)'}`,
    `  CA file            ${d.caFile}`,
    `  mailboxes          ${d.mailboxes.join(', ')}`,
    `resource file: ${resourcesFile}`,
    `  use it: mailbridge resource import ${resourcesFile}`,
  ].join('\n');
}

/** A config file (the same YAML `--config` reads) with one resource per protocol for the first user. */
function resourceFileText(em: IdentityEmulator, ex: ExchangeSandbox, caFile: string, known: SandboxValues): string {
  const app = em.seed.apps.find((a) => a.type === 'confidential') ?? em.seed.apps[0];
  const user = em.seed.users[0]?.username ?? known.alice;
  const common = {
    preset: 'm365',
    tenantId: em.seed.tenant.id,
    ...(app ? { clientId: app.clientId } : {}),
    ...(app?.secrets[0] ? { clientSecret: app.secrets[0].value } : {}),
    authorityUrl: em.url,
    user,
    tls: { caFile },
  };
  const resources = [
    { name: 'sandbox-imap', kind: 'imap', ...common, mailHost: ex.host, port: ex.imap.port, secure: 'tls' },
    { name: 'sandbox-pop3', kind: 'pop3', ...common, mailHost: ex.host, port: ex.pop3.tlsPort, secure: 'tls' },
    { name: 'sandbox-smtp', kind: 'smtp', ...common, from: user, mailHost: ex.host, port: ex.smtp.port, secure: 'starttls' },
    { name: 'sandbox-ews', kind: 'ews', ...common, mailHost: ex.ews.url },
    { name: 'sandbox-graph', kind: 'graph', ...common, mailHost: ex.graph.url },
  ];
  return `# Written by \`mailbridge sandbox\`: resources pointing at the local sandbox (sandbox values only).\n${stringifyYaml({ resources }, { aliasDuplicateObjects: false })}`;
}

/** Codes that mean "nothing listens there", whatever the protocol. */
const UNREACHABLE = new Set(['CONNECTION_REFUSED', 'TOKEN_ENDPOINT_UNREACHABLE']);

/** True when a TCP connection to host:port is refused (or fails) at once: nothing listens there. */
function connectionRefused(hostPort: string): Promise<boolean> {
  const i = hostPort.lastIndexOf(':');
  return new Promise((resolve) => {
    const socket = connect({ host: hostPort.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(hostPort.slice(i + 1)) });
    socket.setTimeout(2_000, () => { socket.destroy(); resolve(false); });
    socket.once('connect', () => { socket.destroy(); resolve(false); });
    socket.once('error', () => resolve(true));
  });
}

/** host:port of every endpoint a resource talks to (mail server and token endpoint). */
function endpointsOf(r: Resource): string[] {
  const hostPort = (u: string): string | undefined => {
    try {
      const url = new URL(u);
      return url.port ? `${url.hostname}:${url.port}` : undefined;
    } catch {
      return undefined;
    }
  };
  const server = /^https?:\/\//i.test(r.server.host) ? hostPort(r.server.host) : `${r.server.host}:${r.server.port}`;
  return [server, r.oauth ? hostPort(r.oauth.tokenUrl) : undefined].filter((e): e is string => e !== undefined);
}

/**
 * A refused connection to a sandbox resource almost always means the sandbox (`mailbridge demo`
 * or `sandbox start`) has stopped; the generic "check the port and your firewall" would send the
 * person looking in the wrong place. Returns the plainer error, or undefined when it does not apply.
 */
export async function explainSandboxDown(store: () => Promise<Store>, e: MailbridgeError, argv: readonly string[]): Promise<ConfigError | undefined> {
  if (!UNREACHABLE.has(e.code)) return undefined;
  // Several resources share the sandbox's token endpoint: name the one the command was about.
  const resources = (await (await store()).listResources()).sort((a, b) => Number(argv.includes(b.name)) - Number(argv.includes(a.name)));
  // Loaded only on this error path, to recognise the sandbox tenant: a command that succeeds never loads the sandbox.
  const { SANDBOX } = await loadSandbox();
  for (const r of resources) {
    if (r.oauth?.tenantId !== SANDBOX.tenantId) continue;
    const endpoint = endpointsOf(r).find((hp) => e.message.includes(hp));
    if (!endpoint) continue;
    // A slow sandbox is not a stopped one: only a refused connection now says nothing listens.
    if (!(await connectionRefused(endpoint))) return undefined;
    const demo = r.name.startsWith('demo-');
    return new ConfigError({
      code: 'SANDBOX_NOT_RUNNING', cause: e,
      message: `${r.name} points at the mailbridge sandbox (${endpoint}), which is not running`,
      hint: demo
        ? `start it with \`mailbridge demo\` and run this again while it runs (it re-points the demo-* resources)`
        : 'start it again with `mailbridge sandbox start` (it writes a resources file with its new ports)',
    });
  }
  return undefined;
}
