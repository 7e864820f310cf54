import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { ConfigError } from '../../errors.js';
import { Secret } from '../../secret.js';
import { formatAfterAction } from '../../message/after-action.js';
import type { TriggerDefinitionInput } from '../../config/trigger.js';
import { isExchangeOnlineEws } from '../../config/warnings.js';
import { localeFromEnv, messages, t } from '../../i18n/index.js';
import type { TriggerRunner } from '../../triggers/runner.js';
import type { CliContext } from '../context.js';

interface AddOptions {
  resource: string;
  commandEnv?: string;
  folder?: string;
  mode?: 'idle' | 'poll' | 'notify' | 'streaming';
  safetyNet?: string;
  poll?: string;
  start?: 'new' | 'all';
  webhook?: string;
  secretEnv?: string;
  command?: string[];
  after?: string;
  from?: string;
  to?: string;
  subject?: string;
  attachments?: boolean;
  importance?: 'high' | 'normal' | 'low';
  unread?: boolean;
  maxAttempts?: string;
  json?: boolean;
}

/** `mailbridge trigger add|list|show|remove|pause|resume|run|history|replay|source`. */
export function registerTriggerCommand(program: Command, ctx: CliContext): void {
  const trigger = program.command('trigger').description('watch a mailbox folder and deliver each new message to a webhook or a command');
  const wantsJson = (o: { json?: boolean }): boolean => Boolean(o.json) || ctx.json();
  // The runner and the mail stack behind it load when a command needs them, not at CLI start.
  const runner = async (): Promise<TriggerRunner> => {
    const store = await ctx.store();
    const [{ TriggerRunner }, { TokenManager }] = await Promise.all([
      import('../../triggers/runner.js'),
      import('../../auth/token-manager.js'),
    ]);
    return new TriggerRunner({ store, tokens: new TokenManager({ store, logger: ctx.logger }), logger: ctx.logger });
  };

  const texts = messages('cli.trigger', {
    ewsRetirement: {
      en: 'warning: {resource} uses EWS on Exchange Online, which turns EWS off by default from 2026-10-01 (streaming notifications only for allow-listed apps) and shuts it down on 2027-04-01; plan a move to a graph resource',
      ja: '警告: {resource} は Exchange Online の EWS を使っています。EWS は 2026-10-01 から既定で無効になり (ストリーミング通知は許可リストに登録されたアプリのみ)、2027-04-01 に提供終了します。graph リソースへの移行を計画してください',
    },
  });

  trigger.command('add')
    .description('add a trigger (a webhook gets a signing secret: from --secret-env, or generated and shown once)')
    .argument('<name>', 'trigger name')
    .requiredOption('--resource <name>', 'resource to watch (imap, pop3, ews or graph)')
    .option('--folder <path>', 'folder to watch (default INBOX)')
    .option('--mode <mode>', 'idle or poll (IMAP; POP3 always polls); notify: Graph change notifications wake the delta sync (graph resources; needs serve --notification-url); streaming: EWS streaming notifications wake the sync (ews resources)')
    .option('--poll <seconds>', 'poll interval (and safety re-scan with IDLE), default 60')
    .option('--safety-net <seconds>', 'mode notify: the safety-net delta poll period, default 900')
    .option('--start <from>', 'new (default: only messages arriving from now on) or all')
    .option('--webhook <url>', 'POST each message as signed JSON to this URL')
    .option('--secret-env <VAR>', 'environment variable holding the webhook signing secret')
    .option('--command <argv...>', 'run this program (no shell) with the raw message on stdin; exit 0 = delivered')
    .option('--command-env <names>', 'comma-separated environment variables the command may see (besides PATH, LANG, LC_ALL, TZ)')
    .option('--after <action>', 'leave, read, move:FOLDER or delete, run only after the delivery succeeded')
    .option('--from <text>', 'only messages from an address or name containing this')
    .option('--to <text>', 'only messages to an address or name containing this')
    .option('--subject <text>', 'only messages whose subject contains this')
    .option('--attachments', 'only messages with attachments')
    .option('--importance <level>', 'only messages of this importance: high, normal or low')
    .option('--unread', 'only unread messages (IMAP)')
    .option('--max-attempts <n>', 'delivery attempts before the dead-letter list (default 5)')
    .option('--json', 'machine-readable output')
    .action(async (name: string, o: AddOptions) => {
      if (Boolean(o.webhook) === Boolean(o.command)) {
        throw new ConfigError({ code: 'TRIGGER_TARGET_MISSING', message: 'give exactly one delivery target',
          hint: 'use --webhook URL or --command PROGRAM [ARGS...]', field: 'target' });
      }
      let secret: Secret | undefined;
      let generated = false;
      if (o.webhook) {
        const fromEnv = o.secretEnv ? process.env[o.secretEnv] : undefined;
        if (o.secretEnv && !fromEnv) {
          throw new ConfigError({ code: 'TRIGGER_SECRET_MISSING', message: `environment variable ${o.secretEnv} is empty or unset`,
            hint: `export ${o.secretEnv}=... first, or leave out --secret-env to have a secret generated`, field: 'secret' });
        }
        generated = !fromEnv;
        secret = new Secret(fromEnv ?? randomBytes(32).toString('base64url'));
      }
      const input: TriggerDefinitionInput = {
        name, resource: o.resource,
        ...(o.folder ? { folder: o.folder } : {}),
        ...(o.mode ? { mode: o.mode } : {}),
        ...(o.poll ? { pollIntervalSeconds: Number(o.poll) } : {}),
        ...(o.safetyNet ? { safetyNetSeconds: Number(o.safetyNet) } : {}),
        ...(o.start ? { start: o.start } : {}),
        filters: {
          ...(o.from ? { from: o.from } : {}),
          ...(o.to ? { to: o.to } : {}),
          ...(o.subject ? { subjectContains: o.subject } : {}),
          ...(o.attachments ? { hasAttachments: true } : {}),
          ...(o.importance ? { importance: o.importance } : {}),
          ...(o.unread ? { unread: true } : {}),
        },
        target: o.webhook ? { kind: 'webhook', url: o.webhook } : { kind: 'command', argv: o.command ?? [],
          ...(o.commandEnv ? { env: o.commandEnv.split(',').map((n) => n.trim()).filter(Boolean) } : {}) },
        ...(o.after ? { afterAction: o.after } : {}),
        ...(o.maxAttempts ? { retry: { maxAttempts: Number(o.maxAttempts), backoffBaseMs: 1000, backoffMaxMs: 300_000 } } : {}),
      };
      const { saveTrigger } = await import('../../triggers/save.js');
      const def = await saveTrigger(await ctx.store(), input, secret ? { webhookSecret: secret } : {});
      if (wantsJson(o)) ctx.printJson({ name: def.name, resource: def.resource, ...(generated && secret ? { secret: secret.reveal() } : {}) });
      else {
        ctx.print(`trigger ${def.name} added on ${def.resource}/${def.folder}; it runs with \`mailbridge trigger run\` (or the service)`);
        if (generated && secret) ctx.print(`webhook signing secret (shown once, keep it for the receiver): ${secret.reveal()}`);
      }
      const resource = def.mode === 'streaming' ? await (await ctx.store()).getResource(def.resource) : undefined;
      if (resource && isExchangeOnlineEws(resource)) {
        // On stderr: a warning must reach a person even when stdout is --json for a machine.
        process.stderr.write(`${t(texts.ewsRetirement, localeFromEnv(), { resource: resource.name })}\n`);
      }
    });

  trigger.command('list')
    .description('triggers with their state')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => {
      const all = await (await ctx.store()).listTriggers();
      const rows = all.map((t) => ({
        name: t.definition.name, resource: t.definition.resource, folder: t.definition.folder, target: t.definition.target.kind,
        after: formatAfterAction(t.definition.afterAction), paused: t.paused, ...(t.pauseReason ? { pauseReason: t.pauseReason } : {}),
      }));
      if (wantsJson(o)) ctx.printJson(rows);
      else if (rows.length === 0) ctx.print('no triggers (add one with `mailbridge trigger add`)');
      else ctx.print(rows.map((r) => `${r.name}  ${r.resource}/${r.folder} → ${r.target}, after ${r.after}${r.paused ? `  PAUSED: ${r.pauseReason ?? ''}` : ''}`).join('\n'));
    });

  trigger.command('show')
    .description('a trigger\'s definition, checkpoint and recent events')
    .argument('<name>', 'trigger name')
    .option('--json', 'machine-readable output')
    .action(async (name: string, o: { json?: boolean }) => {
      const store = await ctx.store();
      const t = await store.getTrigger(name);
      if (!t) throw notFound(name);
      const view = {
        ...t, definition: { ...t.definition, afterAction: formatAfterAction(t.definition.afterAction) },
        checkpoint: await store.getTriggerCheckpoint(name) ?? null,
        events: (await store.listTriggerEvents(name, 10)).map((e) => ({ ...e, at: new Date(e.at).toISOString() })),
      };
      if (wantsJson(o)) ctx.printJson(view);
      else ctx.print(JSON.stringify(view, null, 2));
    });

  trigger.command('remove')
    .description('remove a trigger with its checkpoint and history')
    .argument('<name>', 'trigger name')
    .action(async (name: string) => {
      if (!(await (await ctx.store()).deleteTrigger(name))) throw notFound(name);
      ctx.print(`trigger ${name} removed`);
    });

  trigger.command('pause')
    .description('stop delivering until resumed')
    .argument('<name>', 'trigger name')
    .option('--reason <text>', 'shown with the trigger')
    .action(async (name: string, o: { reason?: string }) => {
      await (await runner()).pause(name, o.reason);
      ctx.print(`trigger ${name} paused`);
    });

  trigger.command('resume')
    .description('deliver again (after fixing what paused it)')
    .argument('<name>', 'trigger name')
    .action(async (name: string) => {
      await (await runner()).resume(name);
      ctx.print(`trigger ${name} resumed`);
    });

  trigger.command('history')
    .description('recent deliveries, newest first (status delivered, failed or dead)')
    .argument('<name>', 'trigger name')
    .option('--dead', 'only the dead-letter list')
    .option('--limit <n>', 'how many (default 20)')
    .option('--json', 'machine-readable output')
    .action(async (name: string, o: { dead?: boolean; limit?: string; json?: boolean }) => {
      const store = await ctx.store();
      if (!(await store.getTrigger(name))) throw notFound(name);
      const rows = await store.listDeliveries(name, { ...(o.dead ? { status: 'dead' as const } : {}), limit: Number(o.limit ?? 20) });
      if (wantsJson(o)) ctx.printJson(rows);
      else if (rows.length === 0) ctx.print('no deliveries yet');
      else ctx.print(rows.map((d) => `${d.id}  ${d.status.padEnd(9)} attempts ${d.attempts}  ${d.messageKey}  ${d.subject ?? ''}${d.lastError ? `\n    last error: ${d.lastError}` : ''}`).join('\n'));
    });

  trigger.command('replay')
    .description('deliver a dead (or failed) delivery again')
    .argument('<deliveryId>', 'id from `mailbridge trigger history`')
    .action(async (id: string) => {
      const d = await (await runner()).replay(id);
      ctx.print(`delivery ${d.id}: ${d.status} after ${d.attempts} attempt(s)${d.lastError && d.status !== 'delivered' ? ` (${d.lastError})` : ''}`);
    });

  trigger.command('source')
    .description('write the raw source (.eml) kept with a dead letter to stdout')
    .argument('<deliveryId>', 'id from `mailbridge trigger history --dead`')
    .action(async (id: string) => {
      const store = await ctx.store();
      const raw = await store.getDeliverySource(id);
      if (!raw) {
        throw new ConfigError({
          code: 'TRIGGER_SOURCE_NOT_KEPT', message: `no raw source is kept for delivery ${id}`, field: 'deliveryId',
          hint: 'only dead letters keep one (up to 25 MiB); else get it from the server (`mailbridge get RESOURCE ID --raw`)',
        });
      }
      process.stdout.write(raw);
    });

  trigger.command('run')
    .description('run every enabled trigger in the foreground until Ctrl-C')
    .action(async () => {
      const r = await runner();
      await r.start();
      ctx.print(`running ${r.status().filter((s) => s.state !== 'paused').length} trigger(s); Ctrl-C to stop`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await r.stop();
    });
}

function notFound(name: string): ConfigError {
  return new ConfigError({ code: 'TRIGGER_NOT_FOUND', message: `no trigger named "${name}"`, hint: 'list them with `mailbridge trigger list`', field: 'trigger' });
}
