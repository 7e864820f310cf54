import { messages, t } from '../../i18n/index.js';
import type { Command } from 'commander';
import { isLoopbackHost } from '../../config/loopback.js';
import { ConfigError } from '../../errors.js';
import type { CliContext } from '../context.js';

/** `mailbridge serve [--port N] [--host 127.0.0.1]`: the REST API, the web console and the triggers. */
export function registerServeCommand(program: Command, ctx: CliContext): void {
  program.command('serve')
    .description('run the service: REST API, web console and every trigger (loopback only unless --host says otherwise)')
    .option('--port <n>', 'port to listen on', '8025')
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--allow-host-access', 'let admin API keys and the console run commands, name handlers and read files on this host (docs/security.md)')
    .option('--behind-tls-proxy', 'a proxy in front terminates TLS: always mark cookies Secure and send HSTS')
    .option('--trust-proxy <addresses>', 'comma-separated proxy addresses whose X-Forwarded-For/-Proto are believed (login throttling per client, Secure cookies)')
    .option('--notification-url <url>', 'public https base URL Microsoft Graph reaches this service at, for triggers in mode notify (reverse proxy or tunnel; docs/notifications.md); default MAILBRIDGE_NOTIFICATION_URL')
    .option('--gateway', 'also run the gateway for legacy mail clients (SMTP submission; docs/gateway.md)')
    .option('--gateway-config <file>', 'the gateway\'s settings (a YAML/JSON file with a gateway: section); implies --gateway')
    .action(async (o: { port: string; host: string; allowHostAccess?: boolean; behindTlsProxy?: boolean; trustProxy?: string; notificationUrl?: string; gateway?: boolean; gatewayConfig?: string }) => {
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        throw new ConfigError({ code: 'CLI_OPTION_INVALID', field: '--port', message: `--port ${o.port} is not a port number`, hint: 'e.g. --port 8025' });
      }
      if (!isLoopbackHost(o.host)) {
        ctx.print(`warning: listening on ${o.host}, not a loopback address: put TLS in front (a reverse proxy) before others reach it`);
      }
      const notificationUrl = o.notificationUrl ?? process.env.MAILBRIDGE_NOTIFICATION_URL;
      if (notificationUrl !== undefined && !/^https?:\/\/[^/]+/i.test(notificationUrl)) {
        throw new ConfigError({ code: 'CLI_OPTION_INVALID', field: '--notification-url', message: `--notification-url ${notificationUrl} is not an http(s) URL`,
          hint: 'e.g. --notification-url https://mail.example.com (Graph needs https from the internet; docs/notifications.md)' });
      }
      const { startService, untilSignal } = await import('../service.js');
      const service = await startService(ctx, { host: o.host, port, allowHostAccess: o.allowHostAccess === true,
        behindTlsProxy: o.behindTlsProxy === true, ...(o.trustProxy ? { trustProxy: o.trustProxy } : {}),
        ...(notificationUrl ? { notificationUrl } : {}) });
      if (o.allowHostAccess) ctx.print('warning: --allow-host-access: admin API keys and the console can run programs and read files as this user');
      const { base } = service;
      ctx.print(t(m.serving, ctx.locale, { base, host: o.host }));
      if (service.firstPassword) ctx.print(t(m.firstPassword, ctx.locale, { password: service.firstPassword }));
      const gateway = o.gateway || o.gatewayConfig ? await (await import('./gateway.js')).startServeGateway(ctx, service.tokens, o.gatewayConfig) : undefined;
      ctx.print(t(m.running, ctx.locale, { count: service.runner.status().filter((s) => s.state !== 'paused').length }));
      await untilSignal();
      await gateway?.close();
      await service.stop();
    });
}

const m = messages('cli.serve', {
  serving: {
    en: 'mailbridge is serving on {base}\n  console   {base}/console/\n  API       {base}/api (OpenAPI: {base}/openapi.json)\n  OAuth     redirect URI {base}/oauth/callback or {base}/ (register http://{host}/oauth/callback or http://{host} on the app)',
    ja: 'mailbridge を {base} で提供しています\n  コンソール  {base}/console/\n  API         {base}/api (OpenAPI: {base}/openapi.json)\n  OAuth       リダイレクト URI は {base}/oauth/callback または {base}/ (アプリの登録に http://{host}/oauth/callback か http://{host} を登録します)',
  },
  firstPassword: {
    en: 'console password (created now, shown once; reset it with `mailbridge console password` or set MAILBRIDGE_CONSOLE_PASSWORD): {password}',
    ja: 'コンソールのパスワード (今作成しました。表示はこの一度だけです。`mailbridge console password` でリセットするか、MAILBRIDGE_CONSOLE_PASSWORD で設定できます): {password}',
  },
  running: { en: 'running {count} trigger(s); Ctrl-C to stop', ja: '{count} 個のトリガーを実行中です。Ctrl-C で停止します' },
});
