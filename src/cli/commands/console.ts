import { messages, t } from '../../i18n/index.js';
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { Secret } from '../../secret.js';
import type { CliContext } from '../context.js';

/**
 * `mailbridge console password`: replaces the web console's password with a new random one and
 * prints it once (only its scrypt hash is stored, so a lost password cannot be shown again).
 */
const m = messages('cli.console', {
  newPassword: {
    en: 'console password (new, shown once; sessions signed in before keep working until they end): {password}',
    ja: 'コンソールのパスワード (新規。表示はこの一度だけです。ログイン済みのセッションは終了するまで使えます): {password}',
  },
  envSet: {
    en: 'mailbridge: note: MAILBRIDGE_CONSOLE_PASSWORD is set; `serve` and `demo` replace this password with it on start',
    ja: 'mailbridge: 注意: MAILBRIDGE_CONSOLE_PASSWORD が設定されているため、`serve` と `demo` は起動時にこのパスワードをその値で置き換えます',
  },
});

export function registerConsoleCommand(program: Command, ctx: CliContext): void {
  const consoleCmd = program.command('console').description('the web console\'s sign-in');
  consoleCmd.command('password')
    .description('reset the console password to a new random one and print it once')
    .action(async () => {
      const password = randomBytes(15).toString('base64url');
      const { createCredentialStore } = await import('../../server/credentials.js');
      await createCredentialStore(await ctx.store()).setConsolePassword(new Secret(password));
      if (ctx.json()) ctx.printJson({ password });
      else ctx.print(t(m.newPassword, ctx.locale, { password }));
      if (process.env.MAILBRIDGE_CONSOLE_PASSWORD) process.stderr.write(`${t(m.envSet, ctx.locale)}\n`);
    });
}
