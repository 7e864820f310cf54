import { messages, t } from '../../i18n/index.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Command } from 'commander';
import type { TokenManager } from '../../auth/token-manager.js';
import type { PresetInput } from '../../config/entry.js';
import { ConfigError } from '../../errors.js';
import { Secret } from '../../secret.js';
// Types only (erased): the package itself is loaded by loadSandbox() when the demo runs.
import type { ExchangeSandbox, IdentityEmulator } from '#sandbox';
import type { CliContext } from '../context.js';
import { loadSandbox, type SandboxModule } from '../load-sandbox.js';

/**
 * The guide's three resources (Email receive over IMAP, Email send over SMTP with the guide's
 * exact scope string, Exchange over EWS with the v1 authorize URL and response_mode=query)
 * plus Graph, all pointed at the sandbox tenant's identity platform and mail endpoints.
 */
function demoResources(
  { SANDBOX }: SandboxModule, em: IdentityEmulator, ex: ExchangeSandbox, caFile: string,
): (PresetInput & { tls: { caFile: string } })[] {
  const common = {
    preset: 'm365' as const, tenantId: SANDBOX.tenantId, clientId: SANDBOX.confidentialClientId,
    user: SANDBOX.alice, from: SANDBOX.alice, authorityUrl: em.url, tls: { caFile },
  };
  return [
    { ...common, name: 'demo-receive', kind: 'imap', mailHost: ex.host, port: ex.imap.port, secure: 'tls' },
    { ...common, name: 'demo-send', kind: 'smtp', mailHost: ex.host, port: ex.smtp.port, secure: 'starttls',
      scope: 'https://outlook.office365.com/IMAP.AccessAsUser.All offline_access https://outlook.office365.com/SMTP.Send' },
    { ...common, name: 'demo-exchange', kind: 'ews', ewsV1: true, domain: SANDBOX.tenantDomain, mailHost: ex.ews.url },
    { ...common, name: 'demo-graph', kind: 'graph', mailHost: ex.graph.url },
  ];
}

/**
 * `mailbridge demo`: the README's run command. On the embedded default (SQLite store +
 * sandbox), with no tenant: it starts the sandbox (identity platform and Exchange), consents
 * the demo resources as the sandbox user (the sandbox's scripted person does what a person
 * does in a browser), adds a trigger on the Inbox, and starts the service with its console.
 * `--once` sends one message, waits for the trigger to deliver it, and exits (CI, a quick look).
 */
export function registerDemoCommand(program: Command, ctx: CliContext): void {
  program
    .command('demo')
    .description('run mailbridge on the sandbox tenant: resources consented, a trigger, the console (no tenant needed)')
    .option('--port <port>', 'console and API port', '8025')
    .option('--once', 'send one message, watch the trigger deliver it, then stop')
    .action(async (opts: { port: string; once?: boolean }) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new ConfigError({ code: 'CLI_OPTION_INVALID', field: '--port', message: `--port ${opts.port} is not a port number`, hint: 'give 0–65535 (0: any free port)' });
      }
      const sb = await loadSandbox();
      const { SANDBOX } = sb;
      const dataDir = join(ctx.home, 'sandbox');
      // Mailboxes and the identity platform's consents and refresh tokens stay on disk, as a real
      // tenant's would: a second run finds the mail and the grants of the first.
      const em = await sb.startIdentityEmulator({ dataDir, stateFile: join(dataDir, 'identity-state.json') });
      const stops: (() => Promise<void>)[] = [() => em.close()];
      try {
        const ex = await sb.startExchangeSandbox({ identity: em, tlsDir: dataDir, dataDir: join(dataDir, 'mail') });
        stops.unshift(() => ex.close());
        const sink = await startDeliverySink((subject) => ctx.print(`trigger demo-inbox delivered "${subject}" to its webhook`));
        stops.unshift(() => new Promise((r) => sink.server.close(() => r())));
        ctx.print(`sandbox tenant ${SANDBOX.tenantDomain}: identity platform ${em.url}, Exchange IMAP ${ex.host}:${ex.imap.port}, SMTP ${ex.host}:${ex.smtp.port}, EWS ${ex.ews.url}, Graph ${ex.graph.url}`);
        const inbox = ex.context.store.mailbox(SANDBOX.alice)?.folder('Inbox')?.counts().total ?? 0;
        ctx.print(t(m.kept, ctx.locale, { dir: dataDir, user: SANDBOX.alice, count: inbox }));
        // Re-pointed at this run's sandbox before the service starts, so its trigger never tries
        // the previous run's ports.
        const resources = demoResources(sb, em, ex, join(dataDir, 'ca.pem'));
        await pointResources(ctx, resources, SANDBOX.clientSecret);
        const { startService, untilSignal } = await import('../service.js');
        const service = await startService(ctx, { host: '127.0.0.1', port });
        stops.unshift(() => service.stop());
        await consentResources(ctx, service.tokens, resources, sb);
        const store = await ctx.store();
        const { triggerDefinitionSchema } = await import('../../config/trigger.js');
        await store.putTrigger(triggerDefinitionSchema.parse({
          name: 'demo-inbox', resource: 'demo-receive', mode: 'idle', target: { kind: 'webhook', url: sink.url, attachmentLinkBase: service.base },
        }));
        await service.runner.sync();
        const password = service.firstPassword ?? t(m.passwordBefore, ctx.locale);
        ctx.print(`\n${t(m.console, ctx.locale, { url: `${service.base}/console/`, password })}`);
        ctx.print(t(m.api, ctx.locale, { base: service.base }));
        ctx.print(t(m.trigger, ctx.locale));
        if (opts.once) {
          await sendAndWatch(ctx, service.tokens, sink, SANDBOX.alice);
          return;
        }
        ctx.print(`\n${t(m.tryIt, ctx.locale, { user: SANDBOX.alice })}`);
        await untilSignal();
      } finally {
        for (const stop of stops) await stop().catch(() => undefined);
      }
    });
}

type DemoResource = ReturnType<typeof demoResources>[number];

async function pointResources(ctx: CliContext, resources: DemoResource[], clientSecret: string): Promise<void> {
  const store = await ctx.store();
  const [{ applyPreset }, { parseResource }] = await Promise.all([
    import('../../config/presets.js'),
    import('../../config/validate.js'),
  ]);
  for (const input of resources) {
    const { tls, ...preset } = input;
    await store.putResource(parseResource({ ...applyPreset(preset), tls }));
    await store.putSecret(input.name, 'client_secret', new Secret(clientSecret));
  }
}

/** Consents each resource as the sandbox user, unless the refresh token of an earlier run still works. */
async function consentResources(
  ctx: CliContext, tokens: TokenManager, resources: DemoResource[], { SANDBOX, completeConsent }: SandboxModule,
): Promise<void> {
  const [{ authorize }, { showResource }] = await Promise.all([import('../../auth/consent.js'), import('./resource.js')]);
  for (const input of resources) {
    if (await refreshStillWorks(tokens, input.name)) {
      ctx.print(`\n== ${input.name}: refresh token of the last run still valid (the sandbox kept it)`);
    } else {
      let authorizeUrl = '';
      const result = await authorize(tokens, input.name, {
        mode: 'paste',
        io: {
          print: () => undefined,
          onAuthorizeUrl: (url) => { authorizeUrl = url; },
          readRedirectUrl: async () => (await completeConsent(authorizeUrl, { username: SANDBOX.alice, password: SANDBOX.password })).toString(),
        },
      });
      ctx.print(`\n== ${input.name}: consent by ${result.via} as ${SANDBOX.alice}, token for ${result.audience}`);
    }
    await showResource(ctx, input.name);
  }
}

async function refreshStillWorks(tokens: TokenManager, name: string): Promise<boolean> {
  const state = await tokens.store.getTokenState(name);
  if (!state?.refreshToken) return false;
  try {
    await tokens.getAccessToken(name, { forceRefresh: true });
    return true;
  } catch {
    return false; // e.g. a sandbox home from before the identity state was kept: consent again
  }
}

interface DeliverySink {
  server: Server;
  url: string;
  next(subject: string): Promise<void>;
}

/** The demo trigger's webhook: prints each delivery and lets `--once` wait for one. */
async function startDeliverySink(onDelivery: (subject: string) => void): Promise<DeliverySink> {
  const waiting = new Map<string, () => void>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.writeHead(200).end('ok');
      let subject = '';
      try {
        subject = String((JSON.parse(Buffer.concat(chunks).toString('utf8')) as { message?: { subject?: unknown } }).message?.subject ?? '');
      } catch {
        return;
      }
      onDelivery(subject);
      waiting.get(subject)?.();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    server,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/demo-inbox`,
    next: (subject) => new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new ConfigError({
        code: 'DEMO_NO_DELIVERY', message: 'the demo trigger did not deliver the test message within 60 s',
        hint: 'run `mailbridge trigger history demo-inbox` and `mailbridge doctor demo-receive` to see why',
      })), 60_000);
      waiting.set(subject, () => { clearTimeout(timer); resolve(); });
    }),
  };
}

async function sendAndWatch(ctx: CliContext, tokens: TokenManager, sink: DeliverySink, alice: string): Promise<void> {
  const store = await ctx.store();
  const subject = `mailbridge demo ${new Date().toISOString()}`;
  const delivered = sink.next(subject);
  const { openMailbox } = await import('../../mail/open.js');
  const mailbox = await openMailbox({ resource: 'demo-send', store, tokens, logger: ctx.logger });
  try {
    await mailbox.send({ from: { address: alice }, to: [{ address: alice }], subject, text: 'sent by mailbridge demo --once' });
  } finally {
    await mailbox.close();
  }
  ctx.print(`\nsent "${subject}" through demo-send (SMTP, XOAUTH2)`);
  await delivered;
}

const m = messages('cli.demo', {
  kept: { en: "sandbox mailboxes and grants kept in {dir} ({user}'s Inbox: {count} message(s))", ja: 'サンドボックスのメールボックスと許可は {dir} に保存されています ({user} の受信トレイ: {count} 通)' },
  console: { en: 'console  {url}  (password: {password})', ja: 'コンソール  {url}  (パスワード: {password})' },
  passwordBefore: { en: 'as set before, or MAILBRIDGE_CONSOLE_PASSWORD', ja: '以前に設定したもの、または MAILBRIDGE_CONSOLE_PASSWORD' },
  api: { en: 'API      {base}/api  (OpenAPI: {base}/openapi.json)', ja: 'API         {base}/api  (OpenAPI 定義: {base}/openapi.json)' },
  trigger: {
    en: "trigger  demo-inbox watches demo-receive (alice's Inbox, IMAP IDLE) and posts each new message to a local webhook",
    ja: 'トリガー    demo-inbox が demo-receive (alice の受信トレイ、IMAP IDLE) を監視し、新しいメッセージをローカルの Webhook に送ります',
  },
  tryIt: {
    en: 'Try it: in the console, open demo-send and press "Test send" (or run `mailbridge send demo-send --to {user} --subject hello --text hi`), and watch demo-inbox deliver it. Ctrl-C stops everything.',
    ja: '試してみましょう: コンソールで demo-send を開いて「テスト送信」を押す (または `mailbridge send demo-send --to {user} --subject hello --text hi` を実行する) と、demo-inbox がそれを配信します。Ctrl-C ですべて停止します。',
  },
});
