import type { Command } from 'commander';
import { presetInputSchema, type PresetInput } from '../../config/entry.js';
import { CLOUD_HOSTS } from '../../config/clouds.js';
import { applyPreset, m365AppOnlyScope, m365DelegatedScope } from '../../config/presets.js';
import type { Resource } from '../../config/resource.js';
import { endpointVersion, splitScopes } from '../../config/scopes.js';
import { resourceToEntry } from '../../config/to-entry.js';
import { parseResource } from '../../config/validate.js';
import { configErrorFromZod } from '../../config/zod-errors.js';
import { ConfigError } from '../../errors.js';
import type { CliContext } from '../context.js';

/**
 * `mailbridge resource migrate RESOURCE --to graph`: Exchange Online is retiring EWS
 * (microsoft.md §4.4), so an EWS resource is rewritten for Microsoft Graph: kind, base URL
 * and scopes change through the preset; client, tenant, flow, user, authority, TLS settings
 * and the client secret stay. Graph permissions are separate consents, so the command says
 * which one the user (or the administrator, app-only) must give again.
 */

interface MigrateFlags {
  to: string;
  host?: string;
  dryRun?: boolean;
}

export interface GraphMigration {
  before: Resource;
  after: Resource;
  /** Who must consent to what before the resource works. */
  consent: { kind: 'delegated' | 'admin'; permissions: string[]; command: string; message: string };
}

/** The EWS resource rewritten for Graph (validated), or a ConfigError naming what is missing. */
export function migrateEwsToGraph(old: Resource, opts: { host?: string } = {}): GraphMigration {
  if (old.kind === 'graph') throw new ConfigError({ code: 'MIGRATE_NOTHING_TO_DO', field: 'kind', message: `${old.name} is already a graph resource`, hint: 'nothing to migrate' });
  if (old.kind !== 'ews') {
    throw new ConfigError({ code: 'MIGRATE_UNSUPPORTED', field: 'kind', message: `${old.name} is a ${old.kind} resource; only ews resources migrate to graph`, hint: 'add a graph resource next to it with `mailbridge resource add NAME --kind graph ...`' });
  }
  const entry = resourceToEntry(old);
  // What was derived for EWS (host, port, domain, Outlook scopes, the guide's v1 authorize URL) goes.
  const { mailHost: _host, port: _port, secure: _secure, domain: _domain, ewsV1: _v1, scope: _scope, resource: _resource, from, authorizeUrl, ...keep } = entry;
  const hosts = CLOUD_HOSTS[old.cloud ?? 'global'];
  const flow = old.oauth?.flow ?? 'authorization_code';
  const input: PresetInput = {
    ...keep,
    kind: 'graph',
    ...(from ? { from } : {}),
    ...(authorizeUrl && endpointVersion(authorizeUrl) !== 'v1' ? { authorizeUrl } : {}),
    ...(opts.host ? { mailHost: opts.host } : {}),
  };
  if (old.preset !== 'm365') {
    if (!opts.host) {
      throw new ConfigError({ code: 'MIGRATE_HOST_REQUIRED', field: 'host', message: `${old.name} does not use the m365 preset, so the Graph URL cannot be derived`, hint: 'give --host https://graph.microsoft.com (on-premises Exchange has no Graph: keep EWS there)' });
    }
    input.scope = flow === 'client_credentials' ? m365AppOnlyScope('graph', hosts) : m365DelegatedScope('graph', hosts);
  }
  const parsed = presetInputSchema.safeParse(input);
  if (!parsed.success) throw configErrorFromZod(parsed.error);
  const after = parseResource(applyPreset(parsed.data));
  const appOnly = flow === 'client_credentials';
  const permissions = appOnly
    ? ['Mail.ReadWrite', 'Mail.Send']
    : splitScopes(after.oauth?.scope ?? '').filter((s) => s.includes('/')).map((s) => s.slice(s.lastIndexOf('/') + 1));
  const consent: GraphMigration['consent'] = appOnly
    ? {
        kind: 'admin', permissions, command: `mailbridge token refresh ${old.name}`,
        message: `an administrator must add the Microsoft Graph application permissions ${permissions.join(' and ')} to the app registration and grant admin consent (full_access_as_app of Office 365 Exchange Online does not carry over); then run \`mailbridge token refresh ${old.name}\``,
      }
    : {
        kind: 'delegated', permissions, command: `mailbridge auth ${old.name}`,
        message: `the user must consent again to the Microsoft Graph permissions ${permissions.join(', ')} (add them to the app registration first): run \`mailbridge auth ${old.name}\``,
      };
  return { before: old, after, consent };
}

async function migrate(ctx: CliContext, name: string, f: MigrateFlags): Promise<void> {
  if (f.to !== 'graph') throw new ConfigError({ code: 'MIGRATE_UNSUPPORTED', field: 'to', message: `cannot migrate to "${f.to}"`, hint: 'use --to graph' });
  const store = await ctx.store();
  const old = await store.getResource(name);
  if (!old) throw new ConfigError({ code: 'RESOURCE_NOT_FOUND', field: 'name', message: `no resource named "${name}"`, hint: 'see `mailbridge resource list` for the names' });
  const m = migrateEwsToGraph(old, f.host ? { host: f.host } : {});
  if (!f.dryRun) await store.putResource(m.after);
  if (ctx.json()) return ctx.printJson({ migrated: !f.dryRun, resource: m.after, before: { kind: m.before.kind, host: m.before.server.host, scope: m.before.oauth?.scope }, consent: m.consent });
  ctx.print([
    `${f.dryRun ? 'would migrate' : 'migrated'} resource "${name}" from EWS to Microsoft Graph`,
    `  server: ${m.before.server.host} → ${m.after.server.host}`,
    `  scope:  ${m.before.oauth?.scope ?? '-'} → ${m.after.oauth?.scope ?? '-'}`,
    `  kept:   client ${m.after.oauth?.clientId ?? '-'}, tenant ${m.after.oauth?.tenantId ?? '-'}, flow ${m.after.oauth?.flow ?? '-'}${m.after.user ? `, user ${m.after.user}` : ''}`,
    `next: ${m.consent.message}`,
  ].join('\n'));
}

export function registerMigrateCommand(program: Command, ctx: CliContext): void {
  // `migrate` is a subcommand of `resource` (registered before this file in commands/index.ts).
  const resource = program.commands.find((c) => c.name() === 'resource') ?? program.command('resource');
  resource.command('migrate <name>')
    .description('rewrite an EWS resource for Microsoft Graph (kind, URL, scopes), keeping client and tenant')
    .requiredOption('--to <kind>', 'graph')
    .option('--host <url>', 'Graph base URL (default from the preset: https://graph.microsoft.com)')
    .option('--dry-run', 'show the change without saving it')
    .action((name: string, f: MigrateFlags) => migrate(ctx, name, f));
}
