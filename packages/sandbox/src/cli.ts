#!/usr/bin/env node
/**
 * `mailbridge-sandbox`: the identity emulator and the Exchange sandbox in the foreground until SIGINT/SIGTERM, for a CI
 * job that tests its own Microsoft 365 mail code (no mailbridge needed). It prints where everything listens (`--json`:
 * one JSON object on one line, once every endpoint is up) and can write the CA to trust (`--ca-file`).
 * Argument parsing is node:util's parseArgs: the package keeps its dependencies to the servers it runs.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SandboxSeedError } from './errors.js';
import {
  defaultExchangeSeed,
  loadExchangeSeedFile,
  startExchangeSandbox,
  type ExchangeSandbox,
} from './exchange/index.js';
import { defaultSeed, loadSeedFile, startIdentityEmulator, type IdentityEmulator } from './identity/index.js';

const USAGE = `usage: mailbridge-sandbox [options]

Runs an offline Microsoft identity platform and Exchange Online (SMTP, IMAP, POP3, EWS, Graph) on loopback until
Ctrl-C / SIGTERM. Every port defaults to 0 (any free port); the chosen ones are printed.

  --host ADDRESS        loopback address to listen on (default 127.0.0.1)
  --seed FILE           tenant, users, apps, consents and an exchange: section (YAML or JSON); default: built-in tenant
  --data-dir DIR        keep the CA, TLS certificate and signing key here (default: in memory, new on every start)
  --store-dir DIR       keep the mailboxes and the tenant's grants here (default: in memory)
  --ca-file FILE        write the CA certificate (PEM) that signs every HTTPS/TLS endpoint to FILE
  --port, --https-port  identity platform over HTTP and HTTPS
  --smtp-port, --pop3-port, --pop3s-port, --imap-port, --imaps-port, --ews-port, --graph-port, --admin-port
  --json                print the endpoints as one line of JSON
  -h, --help            this text`;

const PORT_OPTIONS = [
  'port',
  'https-port',
  'smtp-port',
  'pop3-port',
  'pop3s-port',
  'imap-port',
  'imaps-port',
  'ews-port',
  'graph-port',
  'admin-port',
] as const;

/** A mistake in the command line: one line naming the cause and the fix, exit code 2. */
class UsageError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
  }
}

function parse(argv: string[]) {
  const portOptions = Object.fromEntries(PORT_OPTIONS.map((o) => [o, { type: 'string' as const, default: '0' }]));
  try {
    return parseArgs({
      args: argv,
      options: {
        ...portOptions,
        host: { type: 'string', default: '127.0.0.1' },
        seed: { type: 'string' },
        'data-dir': { type: 'string' },
        'store-dir': { type: 'string' },
        'ca-file': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values as Record<string, string | boolean | undefined>;
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message : String(e), 'see mailbridge-sandbox --help');
  }
}

function port(name: string, value: string): number {
  const n = Number(value);
  if (Number.isInteger(n) && n >= 0 && n <= 65535) return n;
  throw new UsageError(`--${name} ${value} is not a port number`, 'give 0–65535 (0: any free port)');
}

/** The sandbox is for this machine only: anything but a loopback address is refused. */
function loopback(host: string): string {
  if (host === 'localhost') return '127.0.0.1';
  if (host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) return host;
  throw new UsageError(
    `--host ${host} is not a loopback address`,
    'use 127.0.0.1, ::1 or localhost: the sandbox must not be reachable from other machines',
  );
}

/** What a test suite needs to point its client at: endpoints, tenant, apps and users (all sandbox values). */
function describe(em: IdentityEmulator, ex: ExchangeSandbox, caFile: string | undefined) {
  const t = em.seed.tenant;
  const h = ex.host.includes(':') ? `[${ex.host}]` : ex.host;
  return {
    authority: em.url,
    authorityHttps: em.httpsUrl,
    tenant: { id: t.id, domain: t.domain },
    token: `${em.url}/${t.id}/oauth2/v2.0/token`,
    imaps: `imaps://${h}:${ex.imap.port}`,
    imap: `imap://${h}:${ex.imap.starttlsPort}`,
    pop3s: `pop3s://${h}:${ex.pop3.tlsPort}`,
    pop3: `pop3://${h}:${ex.pop3.port}`,
    smtp: `smtp://${h}:${ex.smtp.port}`,
    ews: `${ex.ews.url}/EWS/Exchange.asmx`,
    graph: `${ex.graph.url}/v1.0`,
    admin: ex.adminUrl,
    ...(caFile ? { caFile } : {}),
    apps: em.seed.apps.map((a) => ({ clientId: a.clientId, type: a.type, secrets: a.secrets.map((s) => s.value) })),
    users: em.seed.users.map((u) => ({ username: u.username, password: u.password })),
    note: 'every password and secret here is a sandbox value, valid only against this sandbox',
  };
}

function banner(d: ReturnType<typeof describe>): string {
  return [
    'mailbridge-sandbox: identity platform and Exchange running (Ctrl-C to stop)',
    `  authority    ${d.authority}  (HTTPS ${d.authorityHttps})`,
    `  tenant       ${d.tenant.id} (${d.tenant.domain})`,
    `  token        ${d.token}`,
    `  IMAP         ${d.imaps}  ${d.imap}`,
    `  POP3         ${d.pop3s}  ${d.pop3}`,
    `  SMTP         ${d.smtp}  (STARTTLS, AUTH XOAUTH2)`,
    `  EWS          ${d.ews}`,
    `  Graph        ${d.graph}`,
    `  admin API    ${d.admin ?? '(off)'}`,
    ...(d.caFile ? [`  CA file      ${d.caFile}`] : []),
    ...d.apps.map(
      (a) => `  app          ${a.clientId}  ${a.type}${a.secrets.length ? `  secret: ${a.secrets.join(', ')}` : ''}`,
    ),
    ...d.users.map((u) => `  user         ${u.username}  ${u.password}`),
    `  (${d.note})`,
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const o = parse(argv);
  if (o['help']) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const host = loopback(String(o['host']));
  const ports = Object.fromEntries(PORT_OPTIONS.map((name) => [name, port(name, String(o[name]))])) as Record<
    (typeof PORT_OPTIONS)[number],
    number
  >;
  const seedFile = typeof o['seed'] === 'string' ? o['seed'] : undefined;
  const dataDir = typeof o['data-dir'] === 'string' ? resolve(o['data-dir']) : undefined;
  const storeDir = typeof o['store-dir'] === 'string' ? resolve(o['store-dir']) : undefined;
  const caFile = typeof o['ca-file'] === 'string' ? resolve(o['ca-file']) : undefined;
  const seed = seedFile ? await loadSeedFile(seedFile) : defaultSeed();
  const exchangeSeed = seedFile ? await loadExchangeSeedFile(seedFile) : defaultExchangeSeed();

  const em = await startIdentityEmulator({
    host,
    port: ports.port,
    httpsPort: ports['https-port'],
    seed,
    ...(dataDir ? { dataDir } : {}),
    ...(storeDir ? { stateFile: resolve(storeDir, 'identity-state.json') } : {}),
  });
  let ex: ExchangeSandbox;
  try {
    ex = await startExchangeSandbox({
      identity: em,
      host,
      seed: exchangeSeed,
      adminHttp: true,
      ports: {
        smtp: ports['smtp-port'],
        pop3: ports['pop3-port'],
        pop3s: ports['pop3s-port'],
        imap: ports['imap-port'],
        imaps: ports['imaps-port'],
        ews: ports['ews-port'],
        graph: ports['graph-port'],
        admin: ports['admin-port'],
      },
      ...(dataDir ? { tlsDir: dataDir } : {}),
      ...(storeDir ? { dataDir: storeDir } : {}),
      ...(seedFile ? { seedBaseDir: dirname(resolve(seedFile)) } : {}),
    });
  } catch (e) {
    await em.close();
    throw e;
  }
  if (caFile) {
    await mkdir(dirname(caFile), { recursive: true });
    await writeFile(caFile, ex.caPem);
  }
  const info = describe(em, ex, caFile);
  process.stdout.write(o['json'] ? `${JSON.stringify(info)}\n` : `${banner(info)}\n`);
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await ex.close();
  await em.close();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof UsageError) {
      process.stderr.write(`mailbridge-sandbox: ${e.message}. Fix: ${e.hint}\n`);
      process.exit(2);
    }
    if (e instanceof SandboxSeedError) {
      process.stderr.write(`mailbridge-sandbox: ${e.oneLine()}\n`);
      process.exit(1);
    }
    const code = (e as { code?: unknown }).code;
    if (code === 'EADDRINUSE') {
      process.stderr.write(
        `mailbridge-sandbox: a port is already in use (${(e as Error).message}). Fix: choose another port, or 0 for any free one\n`,
      );
      process.exit(2);
    }
    process.stderr.write(
      `mailbridge-sandbox: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
    );
    process.exit(70);
  },
);
