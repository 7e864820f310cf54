import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import YAML from 'yaml';
import type { TokenManager } from '../../auth/token-manager.js';
import { ConfigError } from '../../errors.js';
import type { GatewayConfigInput } from '../../gateway/config.js';
import { startGateway } from '../../gateway/gateway.js';
import { GatewayUsers, type GatewayUserView } from '../../gateway/users.js';
import { Secret } from '../../secret.js';
import type { Store } from '../../store/store.js';
import type { CliContext } from '../context.js';
import { untilSignal } from '../service.js';

/**
 * `mailbridge gateway`: local SMTP submission (and, once wired, IMAP/POP3) endpoints for legacy
 * clients that log in with a user name and password, relayed upstream with OAuth 2.0; and
 * `mailbridge gateway user …` to manage the gateway users those clients log in as.
 */

interface GatewayFlags {
  config?: string;
  host?: string;
  smtpPort?: string;
  smtpsPort?: string;
  allowPlain?: boolean;
  cert?: string;
  key?: string;
  hostname?: string;
}

const portOf = (flag: string, v: string | undefined): number | null | undefined => {
  if (v === undefined) return undefined;
  if (v === 'off') return null;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new ConfigError({
      code: 'CLI_OPTION_INVALID',
      field: flag,
      message: `${flag} ${v} is not a port number`,
      hint: `e.g. ${flag} 2587, or ${flag} off`,
    });
  }
  return n;
};

/** The `gateway:` section of a config file (YAML or JSON), or the whole file when it has none. */
export function readGatewayConfigFile(path: string): GatewayConfigInput {
  let doc: unknown;
  try {
    doc = YAML.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new ConfigError({
      code: 'CONFIG_INVALID',
      field: '--config',
      message: `cannot read ${path}: ${(e as Error).message.split('\n')[0]}`,
      hint: 'give a YAML or JSON file with a gateway: section (docs/gateway.md)',
      cause: e,
    });
  }
  const section: unknown = doc && typeof doc === 'object' && 'gateway' in doc ? doc.gateway : doc;
  // Checked by the gateway's zod schema when it starts (parseGatewayConfig).
  return section ?? {};
}

/** The config file merged with the flags (flags win). */
export function gatewayConfigFrom(o: GatewayFlags): GatewayConfigInput {
  const file = o.config ? readGatewayConfigFile(o.config) : {};
  const smtp = { ...(file.smtp ?? {}) };
  if (o.host) smtp.host = o.host;
  const port = portOf('--smtp-port', o.smtpPort);
  if (port !== undefined) smtp.port = port;
  const tlsPort = portOf('--smtps-port', o.smtpsPort);
  if (tlsPort !== undefined) smtp.tlsPort = tlsPort;
  if (o.allowPlain) smtp.allowPlain = true;
  if (o.cert || o.key) {
    if (!o.cert || !o.key)
      throw new ConfigError({
        code: 'CLI_OPTION_INVALID',
        field: o.cert ? '--key' : '--cert',
        message: '--cert and --key go together',
        hint: 'give both the certificate and its key (PEM), or neither for a self-signed one',
      });
    smtp.tls = { certFile: o.cert, keyFile: o.key };
  }
  return { ...file, ...(o.hostname ? { hostname: o.hostname } : {}), smtp };
}

async function gatewayStoreOf(ctx: CliContext): Promise<{ gstore: Store; users: GatewayUsers }> {
  const gstore = await ctx.store();
  const users = new GatewayUsers({
    store: gstore,
    logger: ctx.logger,
    resourceExists: async (n) => (await gstore.getResource(n)) !== undefined,
  });
  return { gstore, users };
}

function readPasswordFromStdin(): Secret {
  const text = readFileSync(0, 'utf8').replace(/\r?\n$/, '');
  return new Secret(text);
}

const ago = (ms: number | undefined): string => {
  if (ms === undefined) return 'never';
  const s = Math.round((Date.now() - ms) / 1000);
  return s < 60
    ? `${s}s ago`
    : s < 3600
      ? `${Math.round(s / 60)}m ago`
      : s < 86_400
        ? `${Math.round(s / 3600)}h ago`
        : `${Math.round(s / 86_400)}d ago`;
};

function describeUser(u: GatewayUserView): string {
  const uses = u.usage.map(
    (x) =>
      `${x.protocol}: ${x.logins} logins, ${x.failures} failed, ${x.messages} messages, last ${ago(x.lastUsedAt)}${x.lastAddress ? ` from ${x.lastAddress}` : ''}`,
  );
  return [
    `${u.name}${u.disabled ? ' (disabled)' : ''}`,
    `  send ${u.sendResource ?? '-'}  receive ${u.receiveResource ?? '-'}  from ${u.allowedFrom.length ? u.allowedFrom.join(', ') : "(the resource's own address)"}`,
    ...uses.map((x) => `  ${x}`),
  ].join('\n');
}

/** `serve --gateway`: the gateway next to the service, on its store and token manager. */
export async function startServeGateway(
  ctx: CliContext,
  tokens: TokenManager,
  configFile?: string,
): Promise<{ close(): Promise<void> }> {
  const running = await startGateway(gatewayConfigFrom(configFile ? { config: configFile } : {}), {
    store: await ctx.store(),
    tokens,
    home: ctx.home,
    logger: ctx.logger,
  });
  const { smtp, tls } = running;
  const host = running.config.smtp.host;
  ctx.print(
    `  gateway   SMTP ${host}:${smtp.port ?? 'off'} (STARTTLS), ${host}:${smtp.tlsPort ?? 'off'} (TLS); certificate SHA-256 ${tls.fingerprint}`,
  );
  return { close: () => running.close() };
}

export function registerGatewayCommand(program: Command, ctx: CliContext): void {
  const gateway = program
    .command('gateway')
    .description(
      'run the gateway for legacy mail clients: SMTP submission with user name + password, relayed with OAuth 2.0 (docs/gateway.md)',
    )
    .option(
      '--config <file>',
      'a YAML/JSON file with a gateway: section (listeners, allow-listed sources, delivery limits)',
    )
    .option('--host <address>', 'address the SMTP listeners bind to (default 127.0.0.1)')
    .option('--smtp-port <n>', 'STARTTLS submission port, or off (default 2587)')
    .option('--smtps-port <n>', 'implicit TLS port, or off (default 2465)')
    .option(
      '--allow-plain',
      'accept logins without TLS from other hosts than loopback (only for devices that cannot do TLS)',
    )
    .option('--cert <file>', 'TLS certificate (PEM); default: a self-signed one made once and kept in the home')
    .option('--key <file>', "the certificate's private key (PEM)")
    .option('--hostname <name>', 'the name the gateway greets with and reports in bounces')
    .action(async (o: GatewayFlags) => {
      const config = gatewayConfigFrom(o);
      const running = await startGateway(config, {
        store: await ctx.store(),
        tokens: await ctx.tokens(),
        home: ctx.home,
        logger: ctx.logger,
      });
      const { smtp, tls } = running;
      const host = running.config.smtp.host;
      if (ctx.json())
        ctx.printJson({
          smtp: { host, port: smtp.port, tlsPort: smtp.tlsPort },
          relays: running.relays.map((r) => ({
            protocol: r.protocol,
            security: r.security,
            host: r.listener.host,
            port: r.listener.port,
          })),
          tls: { fingerprint: tls.fingerprint, generated: tls.generated, subject: tls.subject },
        });
      else {
        ctx.print(
          [
            'mailbridge gateway is running',
            ...(smtp.port !== undefined ? [`  SMTP  ${host}:${smtp.port} (STARTTLS)`] : []),
            ...(smtp.tlsPort !== undefined ? [`  SMTPS ${host}:${smtp.tlsPort} (TLS)`] : []),
            ...running.relays.map(
              (r) =>
                `  ${r.protocol.toUpperCase().padEnd(5)} ${r.listener.host}:${r.listener.port} (${r.security === 'tls' ? 'TLS' : r.protocol === 'imap' ? 'STARTTLS' : 'STLS'})`,
            ),
            `  TLS certificate ${tls.generated ? '(self-signed, generated) ' : ''}SHA-256 ${tls.fingerprint}`,
            'Ctrl-C to stop',
          ].join('\n'),
        );
      }
      await untilSignal();
      await running.close();
    });

  const user = gateway.command('user').description('manage the gateway users legacy clients log in as');

  user
    .command('add <name>')
    .description('add a gateway user; without --password-stdin a random password is made and printed once')
    .option('--send <resource>', 'the smtp or graph resource that sends for this user')
    .option('--receive <resource>', 'the resource it reads through the IMAP/POP3 gateway')
    .option('--from <address...>', "From addresses (or @domains) it may use; default the send resource's own address")
    .option('--password-stdin', 'read the password from standard input')
    .option('--disabled', 'add it disabled')
    .action(
      async (
        name: string,
        o: { send?: string; receive?: string; from?: string[]; passwordStdin?: boolean; disabled?: boolean },
      ) => {
        const { users } = await gatewayStoreOf(ctx);
        const r = await users.add({
          name,
          ...(o.send ? { sendResource: o.send } : {}),
          ...(o.receive ? { receiveResource: o.receive } : {}),
          allowedFrom: o.from ?? [],
          ...(o.passwordStdin ? { password: readPasswordFromStdin() } : {}),
          disabled: o.disabled === true,
        });
        if (ctx.json())
          ctx.printJson({ user: r.user, ...(r.generatedPassword ? { password: r.generatedPassword.reveal() } : {}) });
        else {
          ctx.print(describeUser(r.user));
          if (r.generatedPassword)
            ctx.print(`password (shown once; only its scrypt hash is stored): ${r.generatedPassword.reveal()}`);
        }
      },
    );

  user
    .command('list')
    .description('list gateway users with their mapping, last use and counts per protocol')
    .action(async () => {
      const { users } = await gatewayStoreOf(ctx);
      const list = await users.list();
      if (ctx.json()) ctx.printJson({ users: list });
      else
        ctx.print(
          list.length
            ? list.map(describeUser).join('\n')
            : 'no gateway users yet: `mailbridge gateway user add NAME --send RESOURCE`',
        );
    });

  user
    .command('edit <name>')
    .description("change a gateway user's resources or allowed From addresses")
    .option('--send <resource>', 'the send resource (none to remove)')
    .option('--receive <resource>', 'the receive resource (none to remove)')
    .option('--from <address...>', 'replace the allowed From addresses')
    .action(async (name: string, o: { send?: string; receive?: string; from?: string[] }) => {
      const { users } = await gatewayStoreOf(ctx);
      const orNull = (v: string | undefined) => (v === undefined ? undefined : v === 'none' ? null : v);
      const send = orNull(o.send);
      const receive = orNull(o.receive);
      const u = await users.update(name, {
        ...(send !== undefined ? { sendResource: send } : {}),
        ...(receive !== undefined ? { receiveResource: receive } : {}),
        ...(o.from ? { allowedFrom: o.from } : {}),
      });
      if (ctx.json()) ctx.printJson({ user: u });
      else ctx.print(describeUser(u));
    });

  user
    .command('reset-password <name>')
    .description('set a new password (random and printed once, or from --password-stdin)')
    .option('--password-stdin', 'read the password from standard input')
    .action(async (name: string, o: { passwordStdin?: boolean }) => {
      const { users } = await gatewayStoreOf(ctx);
      const r = await users.resetPassword(name, o.passwordStdin ? readPasswordFromStdin() : undefined);
      if (ctx.json())
        ctx.printJson({ name, ...(r.generatedPassword ? { password: r.generatedPassword.reveal() } : {}) });
      else
        ctx.print(
          r.generatedPassword
            ? `new password for ${name} (shown once): ${r.generatedPassword.reveal()}`
            : `password of ${name} changed`,
        );
    });

  for (const [verb, disabled] of [
    ['disable', true],
    ['enable', false],
  ] as const) {
    user
      .command(`${verb} <name>`)
      .description(
        disabled
          ? "refuse this user's logins (its mail already spooled is still delivered)"
          : "accept this user's logins again",
      )
      .action(async (name: string) => {
        const { users } = await gatewayStoreOf(ctx);
        const u = await users.setDisabled(name, disabled);
        if (ctx.json()) ctx.printJson({ user: u });
        else ctx.print(`${name} ${disabled ? 'disabled' : 'enabled'}`);
      });
  }

  user
    .command('remove <name>')
    .description('remove a gateway user (its mail already spooled is still delivered)')
    .action(async (name: string) => {
      const { users } = await gatewayStoreOf(ctx);
      await users.remove(name);
      if (ctx.json()) ctx.printJson({ removed: name });
      else ctx.print(`${name} removed`);
    });

  gateway
    .command('queue')
    .description('show the spool (messages waiting for delivery), the latest relayed messages and the dead letters')
    .option('--limit <n>', 'how many relayed messages and dead letters to show', '20')
    .action(async (o: { limit: string }) => {
      const gstore = await ctx.store();
      const limit = Math.max(1, Math.min(1000, Number(o.limit) || 20));
      const [spool, relayed, dead] = await Promise.all([
        gstore.listSpool(),
        gstore.listRelayed(limit),
        gstore.listGatewayDeadLetters(limit),
      ]);
      const duplicates = relayed.filter((r) => r.possibleDuplicate).length;
      if (ctx.json()) ctx.printJson({ spool, relayed, deadLetters: dead, possibleDuplicates: duplicates });
      else {
        ctx.print(
          [
            `spool: ${spool.length} waiting`,
            ...spool.map(
              (e) =>
                `  ${e.id} ${e.resource} ${e.rcptTo.length} rcpt ${e.size} B, attempt ${e.attempts}, next ${new Date(e.nextAttemptAt).toISOString()}${e.lastError ? `: ${e.lastError}` : ''}`,
            ),
            `relayed (latest ${relayed.length}; ${duplicates} possibly sent twice after a crash):`,
            ...relayed.map(
              (r) =>
                `  ${r.id} via ${r.via} ${r.upstreamId ?? ''}${r.possibleDuplicate ? ' (possible duplicate)' : ''}`,
            ),
            `dead letters (latest ${dead.length}):`,
            ...dead.map((d) => `  ${d.id} ${d.status} ${d.reason} (bounce: ${d.bounce})`),
          ].join('\n'),
        );
      }
    });
}
