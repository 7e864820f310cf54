import { writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { Command } from 'commander';
import type { PresetInput } from '../../config/entry.js';
import { discoverGraphBaseUrl } from '../../auth/discovery.js';
import { MICROSOFT_LOGIN_HOSTS } from '../../config/clouds.js';
import { resourceFieldRows, resourceSummary } from '../../config/fields.js';
import { graphFallbackNotes, withGraphSendScope } from '../../config/graph-fallback.js';
import { endpointVersion } from '../../config/scopes.js';
import { exportConfig, loadConfigFile } from '../../config/file.js';
import type { Resource } from '../../config/resource.js';
import { parseResource, resourceWarnings, type ResourceWarning } from '../../config/validate.js';
import { ConfigError } from '../../errors.js';
import { Secret } from '../../secret.js';
import { LOCAL_POLICY } from '../../services/host-access.js';
import * as resources from '../../services/resources.js';
import type { Store } from '../../store/store.js';
import type { CliContext } from '../context.js';
import { type Locale, messages, t } from '../../i18n/index.js';
import { statusText } from '../../config/status-text.js';

type Opts = Record<string, string | boolean | undefined>;

/** `mailbridge resource add|list|show|edit|remove|import|export`: the guide's resources, managed. */
export function registerResourceCommand(program: Command, ctx: CliContext): void {
  const resource = program.command('resource').description('manage mail resources (IMAP, POP3, SMTP, EWS, Graph)');

  withResourceOptions(resource.command('add <name>').description('add a resource (a preset fills the guide\'s values)'))
    .action(async (name: string, opts: Opts) => addResource(ctx, name, opts));

  resource.command('list').description('list resources with their refresh token status')
    .action(async () => listResources(ctx));

  resource.command('show <name>').description('show a resource as the guide\'s field table (secrets masked)')
    .action(async (name: string) => showResource(ctx, name));

  withResourceOptions(resource.command('edit <name>').description('change fields of a resource (validated again; nothing written on error)'))
    .action(async (name: string, opts: Opts) => editResource(ctx, name, opts));

  resource.command('remove <name>').description('remove a resource with its secrets and tokens (refused while triggers use it)')
    .option('--cascade', 'also remove the triggers that use it')
    .action(async (name: string, opts: Opts) => removeResource(ctx, name, opts));

  resource.command('import <file>').description('add the resources of a YAML or JSON config file')
    .option('--replace', 'replace resources that already exist')
    .action(async (file: string, opts: Opts) => importResources(ctx, file, opts));

  resource.command('export [file]').description('write the resources as a config file (secrets are never exported)')
    .option('--format <format>', 'yaml or json (default: by file extension, else yaml)')
    .action(async (file: string | undefined, opts: Opts) => exportResources(ctx, file, opts));
}

/**
 * The options of add and edit. There is deliberately no option taking the client secret as a
 * value: argv is visible to every user through `ps` and /proc and lands in shell history, so the
 * secret comes from stdin or from an environment variable only.
 */
function withResourceOptions(cmd: Command): Command {
  return cmd
    .option('--kind <kind>', 'imap | pop3 | smtp | ews | graph')
    .option('--preset <preset>', 'm365 (default) | gmail | generic')
    .option('--tenant <id>', 'Directory (tenant) ID')
    .option('--client-id <id>', 'Application (client) ID')
    .option('--client-secret-stdin', 'read the client secret from stdin')
    .option('--client-secret-env <var>', 'read the client secret from this environment variable')
    .option('--client-auth <method>', 'secret | certificate | none (public client)')
    .option('--certificate-key <file>', 'PEM private key for certificate client authentication')
    .option('--certificate <file>', 'PEM certificate for certificate client authentication')
    .option('--user <user>', 'mailbox user (XOAUTH2 user=)')
    .option('--from <address>', 'From address')
    .option('--cloud <cloud>', 'global | usgovhigh | dod | china')
    .option('--flow <flow>', 'authorization_code | device_code | client_credentials')
    .option('--authority <url>', 'identity platform base URL (default https://login.microsoftonline.com)')
    .option('--host <host>', 'mail host (IMAP/POP3/SMTP) or base URL (EWS/Graph)')
    .option('--port <n>', 'server port')
    .option('--secure <mode>', 'none | tls | starttls')
    .option('--domain <domain>', 'Exchange domain (EWS)')
    .option('--scope <scope>', 'space-separated scopes')
    .option('--authorize-url <url>', 'authorization endpoint')
    .option('--token-url <url>', 'token endpoint')
    .option('--device-code-url <url>', 'device authorization endpoint')
    .option('--callback-url <url>', 'redirect URI registered on the app')
    .option('--state <state>', 'fixed state value (default: random per consent)')
    .option('--response-mode <mode>', 'query | form_post')
    .option('--resource <uri>', 'v1 endpoints only: the resource App ID URI')
    .option('--secret-expires <date>', 'when the client secret expires (YYYY-MM-DD), for warnings')
    .option('--rate-limit <n>', 'SMTP messages per minute (0 = none)')
    .option('--ews-v1', 'EWS: use the guide\'s v1 authorize URL')
    .option('--no-ews-v1', 'EWS: use the v2 authorize URL')
    .option('--ca-file <file>', 'PEM CA to trust in addition to the system\'s')
    .option('--insecure-loopback', 'skip certificate checks (loopback hosts only)')
    .option('--allow-plaintext-loopback', 'allow a plaintext connection (loopback hosts only)')
    .option('--graph-fallback [url]', 'SMTP: send through Microsoft Graph when SMTP AUTH is refused (5.7.139); adds Graph\'s Mail.Send to the scope; URL default: the cloud\'s Graph')
    .option('--no-graph-fallback', 'SMTP: never fall back to Graph');
}

/** Maps the options that were given (and only those) to the short form's fields. */
function optionsToInput(opts: Opts): Partial<PresetInput> {
  const s = (k: string): string | undefined => (typeof opts[k] === 'string' ? (opts[k] as string) : undefined);
  const n = (k: string): number | undefined => (s(k) === undefined ? undefined : Number(s(k)));
  const raw: Record<string, unknown> = {
    kind: s('kind'), preset: s('preset'), tenantId: s('tenant'), clientId: s('clientId'), clientAuth: s('clientAuth'),
    user: s('user'), from: s('from'), cloud: s('cloud'), flow: s('flow'), authorityUrl: s('authority'),
    mailHost: s('host'), port: n('port'), secure: s('secure'), domain: s('domain'), scope: s('scope'),
    authorizeUrl: s('authorizeUrl'), tokenUrl: s('tokenUrl'), deviceCodeUrl: s('deviceCodeUrl'),
    callbackUrl: s('callbackUrl'), state: s('state'), responseMode: s('responseMode'), resource: s('resource'),
    secretExpiresAt: s('secretExpires'), rateLimitPerMinute: n('rateLimit'),
    ewsV1: typeof opts.ewsV1 === 'boolean' ? opts.ewsV1 : undefined,
  };
  const keyFile = s('certificateKey');
  const certFile = s('certificate');
  if (keyFile !== undefined || certFile !== undefined) {
    if (keyFile === undefined || certFile === undefined) {
      throw new ConfigError({ code: 'CONFIG_INVALID', field: 'oauth.certificate', message: 'a certificate needs both its key and its certificate file', hint: 'give --certificate-key KEY.pem and --certificate CERT.pem together' });
    }
    raw.certificate = { keyFile, certFile };
  }
  // `--graph-fallback` alone is true (Graph's default URL); `--no-graph-fallback` (false) is handled by edit.
  if (opts.graphFallback === true) raw.graphFallback = {};
  else if (typeof opts.graphFallback === 'string') raw.graphFallback = { baseUrl: opts.graphFallback };
  const tls = { caFile: s('caFile'), insecureLoopback: opts.insecureLoopback === true ? true : undefined, allowPlaintextLoopback: opts.allowPlaintextLoopback === true ? true : undefined };
  if (Object.values(tls).some((v) => v !== undefined)) raw.tls = tls;
  return Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined)) as Partial<PresetInput>;
}

async function addResource(ctx: CliContext, name: string, opts: Opts): Promise<void> {
  const input = { ...optionsToInput(opts), name };
  if (input.kind === undefined) {
    throw new ConfigError({ code: 'CONFIG_INVALID', field: 'kind', message: 'the resource kind is required', hint: 'give --kind imap, pop3, smtp, ews or graph' });
  }
  const clientSecret = await readClientSecret(opts);
  const { resource, warnings } = await resources.addResource(await ctx.store(), input, clientSecret ? { clientSecret } : {}, LOCAL_POLICY,
    fallbackOptions(opts));
  report(ctx, `added ${resource.kind} resource "${name}"`, resource, warnings, fallbackNotes(resource, opts));
}

/** The shared service applies the endpoint-change rule: a moved resource needs its secret again and loses its tokens. */
async function editResource(ctx: CliContext, name: string, opts: Opts): Promise<void> {
  const changes: Record<string, unknown> = optionsToInput(opts);
  if (opts.graphFallback === false) changes.graphFallback = null;
  const clientSecret = await readClientSecret(opts);
  const { resource, warnings, moved } = await resources.editResource(await ctx.store(), name, changes, clientSecret ? { clientSecret } : {},
    LOCAL_POLICY, fallbackOptions(opts));
  report(ctx, `updated resource "${name}"${moved.length > 0 ? ` (endpoints changed: tokens dropped, consent again with \`mailbridge auth ${name}\`)` : ''}`,
    resource, warnings, fallbackNotes(resource, opts));
}

async function listResources(ctx: CliContext): Promise<void> {
  const store = await ctx.store();
  const rows = [];
  for (const r of await store.listResources()) rows.push(resourceSummary(r, (await store.getTokenState(r.name))?.status ?? 'Missing'));
  if (ctx.json()) return ctx.printJson(rows);
  const l = ctx.locale;
  if (rows.length === 0) return ctx.print(t(m.none, l));
  // Client credentials have no refresh token: say which token the status is about.
  ctx.print(table([[t(m.name, l), t(m.kind, l), t(m.server, l), t(m.user, l), t(m.tokenStatus, l)],
    ...rows.map((r) => {
      const status = statusText(r.status, l);
      return [r.name, r.kind, r.server, r.user, r.token === 'none' ? status : `${status} (${r.token})`];
    })]));
}

/** Print the guide's field table of a resource (also used by `mailbridge demo`). */
export async function showResource(ctx: CliContext, name: string): Promise<void> {
  const store = await ctx.store();
  const resource = await mustGet(store, name);
  const state = await store.getTokenState(name);
  const clientSecret = await store.getSecret(name, 'client_secret');
  const fields = resourceFieldRows(resource, { status: state?.status ?? 'Missing', clientSecret, statusReason: state?.statusReason });
  const warnings = resourceWarnings(resource);
  if (ctx.json()) return ctx.printJson({ name, kind: resource.kind, fields, resource, warnings });
  const width = Math.max(...fields.map((f) => f.label.length));
  ctx.print(fields.map((f) => `${f.label.padEnd(width)}  ${f.value}`).join('\n'));
  printWarnings(resourceWarnings(resource, { locale: ctx.locale }), ctx.locale);
}

async function removeResource(ctx: CliContext, name: string, opts: Opts): Promise<void> {
  const store = await ctx.store();
  if (!(await store.getResource(name))) throw notFound(name);
  const { triggersRemoved } = await resources.removeResource(store, name, {
    cascade: opts.cascade === true, how: { cascade: `remove them with it: \`mailbridge resource remove ${name} --cascade\`` },
  });
  if (ctx.json()) ctx.printJson({ removed: name, triggersRemoved });
  else {
    ctx.print(`removed resource "${name}" with its secrets and tokens` +
      (triggersRemoved.length > 0 ? `, and trigger${triggersRemoved.length === 1 ? '' : 's'} ${triggersRemoved.join(', ')}` : ''));
  }
}

/** Everything in the file is validated before anything is written. */
async function importResources(ctx: CliContext, file: string, opts: Opts): Promise<void> {
  const { resources: entries } = loadConfigFile(file);
  const names = await resources.importResources(await ctx.store(), entries, { replace: opts.replace === true, source: file,
    fix: 'pass --replace to overwrite it, or rename it in the file' });
  const named = (l: Locale) => entries.flatMap((r) =>
    (l === 'en' ? r.warnings : resourceWarnings(r.resource, { locale: l })).map((w) => ({ ...w, field: `${r.resource.name}: ${w.field}` })));
  if (ctx.json()) ctx.printJson({ imported: names, warnings: named('en') });
  else {
    ctx.print(`imported ${names.length} resource${names.length === 1 ? '' : 's'}: ${names.join(', ')}`);
    printWarnings(named(ctx.locale), ctx.locale);
  }
}

async function exportResources(ctx: CliContext, file: string | undefined, opts: Opts): Promise<void> {
  const store = await ctx.store();
  const format = typeof opts.format === 'string' ? opts.format : file && extname(file).toLowerCase() === '.json' ? 'json' : ctx.json() ? 'json' : 'yaml';
  if (format !== 'yaml' && format !== 'json') {
    throw new ConfigError({ code: 'CONFIG_INVALID', field: 'format', message: `unknown export format "${format}"`, hint: 'use --format yaml or --format json' });
  }
  const text = exportConfig(await store.listResources(), format);
  if (file === undefined) return void process.stdout.write(text);
  writeFileSync(file, text);
  if (!ctx.json()) ctx.print(`wrote ${file}`);
}

/** The secret from stdin (with or without a final newline) or from a named environment variable. */
async function readClientSecret(opts: Opts): Promise<Secret | undefined> {
  if (opts.clientSecretStdin === true && typeof opts.clientSecretEnv === 'string') {
    throw new ConfigError({ code: 'CONFIG_INVALID', field: 'clientSecret', message: 'the client secret is given twice', hint: 'use either --client-secret-stdin or --client-secret-env' });
  }
  let value: string | undefined;
  if (opts.clientSecretStdin === true) value = (await readStdin()).replace(/\r?\n$/, '');
  else if (typeof opts.clientSecretEnv === 'string') {
    value = process.env[opts.clientSecretEnv];
    if (value === undefined) {
      throw new ConfigError({ code: 'CONFIG_INVALID', field: 'clientSecret', message: `the environment variable ${opts.clientSecretEnv} is not set`, hint: `export ${opts.clientSecretEnv}=... first, or pipe the secret into --client-secret-stdin` });
    }
  } else return undefined;
  if (value.trim() === '') {
    throw new ConfigError({ code: 'CONFIG_INVALID', field: 'clientSecret', message: 'the client secret is empty', hint: 'pipe the secret\'s value (Certificates & secrets → Value), e.g. `printf %s "$SECRET" | mailbridge resource add … --client-secret-stdin`' });
  }
  return new Secret(value);
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('Client secret (then Enter and Ctrl-D): ');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

async function mustGet(store: Store, name: string): Promise<Resource> {
  const r = await store.getResource(name);
  if (!r) throw notFound(name);
  return r;
}

function notFound(name: string): ConfigError {
  return new ConfigError({ code: 'RESOURCE_NOT_FOUND', field: 'name', message: `no resource named "${name}"`, hint: 'see `mailbridge resource list` for the names' });
}

function report(ctx: CliContext, line: string, resource: Resource, warnings: ResourceWarning[], notes: string[] = []): void {
  if (ctx.json()) return ctx.printJson({ resource, warnings, ...(notes.length ? { notes } : {}) });
  ctx.print([line, ...notes.map((n) => `note: ${n}`)].join('\n'));
  // The service's warnings are English (the API's); a Japanese reader gets the same ones in Japanese.
  printWarnings(ctx.locale === 'en' ? warnings : resourceWarnings(resource, { locale: ctx.locale }), ctx.locale);
}

/**
 * `--graph-fallback` given: one command makes the fallback work. Without a URL it sends to the
 * Graph of the resource's cloud (the preset derives it), or, for an authority outside
 * Microsoft's clouds (the sandbox), to the Graph its OpenID metadata names; a delegated
 * grant also needs Graph's Mail.Send in the scope, so it is added.
 */
async function withGraphFallback(resource: Resource, opts: Opts): Promise<Resource> {
  const o = resource.oauth;
  if (!resource.graphFallback || opts.graphFallback === undefined || opts.graphFallback === false) return resource;
  let baseUrl = resource.graphFallback.baseUrl;
  if (opts.graphFallback === true && o && !MICROSOFT_LOGIN_HOSTS.includes(new URL(o.tokenUrl).hostname)) {
    baseUrl = (await discoverGraphBaseUrl(o.tokenUrl)) ?? baseUrl;
  }
  const delegatedV2 = o !== undefined && o.flow !== 'client_credentials' && endpointVersion(o.tokenUrl) === 'v2';
  return parseResource({
    ...resource,
    graphFallback: { baseUrl },
    ...(o && delegatedV2 ? { oauth: { ...o, scope: withGraphSendScope(o.scope, resource.cloud) } } : {}),
  });
}

/**
 * A bare `--graph-fallback` takes the Graph URL from the resource's own authority (its cloud or
 * its OpenID metadata), so the endpoint-change rule does not ask for the secret again for it.
 */
function fallbackOptions(opts: Opts): resources.ResourceChangeOptions {
  return { prepare: (r) => withGraphFallback(r, opts), derived: opts.graphFallback === true ? ['graphFallback.baseUrl'] : [] };
}

function fallbackNotes(resource: Resource, opts: Opts): string[] {
  return opts.graphFallback === undefined || opts.graphFallback === false ? [] : graphFallbackNotes(resource);
}

const m = messages('cli.resource', {
  none: { en: 'no resources yet: add one with `mailbridge resource add` (its --help lists the fields), or try `mailbridge demo`', ja: 'リソースはまだありません。`mailbridge resource add` で追加するか (項目は --help で確認できます)、`mailbridge demo` をお試しください' },
  name: { en: 'NAME', ja: '名前' },
  kind: { en: 'KIND', ja: '種類' },
  server: { en: 'SERVER', ja: 'サーバー' },
  user: { en: 'USER', ja: 'ユーザー' },
  tokenStatus: { en: 'TOKEN STATUS', ja: 'トークンの状態' },
  warning: { en: 'mailbridge: warning: {message} ({field}). Fix: {hint}', ja: 'mailbridge: 警告: {message} ({field})。対処: {hint}' },
});

/** Warnings go to stderr so that stdout stays the command's result. */
function printWarnings(warnings: ResourceWarning[], locale: Locale): void {
  for (const w of warnings) process.stderr.write(`${t(m.warning, locale, { message: w.message, field: w.field, hint: w.hint })}\n`);
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => columns(r[i] ?? '')))) ?? [];
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat((widths[i] ?? 0) - columns(c)))).join('  ')).join('\n');
}

/**
 * How many terminal columns a cell takes: Japanese (CJK, kana, full-width forms) takes two per character, so
 * padding by .length would misalign the Japanese headers. The East Asian Wide/Fullwidth ranges of UAX #11 that
 * Japanese text uses; no dependency for one table.
 */
function columns(text: string): number {
  let n = 0;
  for (const ch of text) n += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(ch) ? 2 : 1;
  return n;
}
