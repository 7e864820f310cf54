import { statusText } from '../../config/status-text.js';
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import type { ConsentIO, ConsentMode } from '../../auth/consent.js';
import { ConfigError } from '../../errors.js';
import type { CliContext } from '../context.js';
import { tokenLabel } from './token.js';

interface AuthOptions {
  paste?: boolean;
  device?: boolean;
  browser: boolean;
  redirectUrl?: string;
  timeout: string;
  json?: boolean;
}

/** `mailbridge auth RESOURCE`: sign in and consent, ending with refresh token status Available. */
export function registerAuthCommand(program: Command, ctx: CliContext): void {
  program
    .command('auth')
    .description('sign in and consent for a resource: browser with a local listener, pasted redirect URL, or device code')
    .argument('<resource>', 'resource name')
    .option('--paste', 'print the URL, then read the URL the browser was redirected to from stdin')
    .option('--device', 'use the device code flow (for machines without a browser)')
    .option('--no-browser', 'never open a browser, only print the URL')
    .option('--redirect-url <url>', 'finish a consent started earlier with the URL the browser was redirected to')
    .option('--timeout <seconds>', 'how long to wait for the browser to come back', '300')
    .option('--json', 'machine-readable output')
    .action(async (name: string, o: AuthOptions) => {
      if (o.paste && o.device) {
        throw new ConfigError({ code: 'CLI_OPTIONS_CONFLICT', message: '--paste and --device cannot be used together', hint: 'choose one way to sign in' });
      }
      const timeoutS = Number(o.timeout);
      if (!Number.isFinite(timeoutS) || timeoutS <= 0) {
        throw new ConfigError({ code: 'CLI_OPTION_INVALID', field: '--timeout', message: `--timeout ${o.timeout} is not a number of seconds`, hint: 'e.g. --timeout 300' });
      }
      const json = Boolean(o.json) || ctx.json();
      const manager = await ctx.tokens();
      const mode: ConsentMode = o.device ? 'device' : o.paste ? 'paste' : 'auto';
      const say = (text: string): void => {
        // With --json, stdout carries only the result; instructions go to stderr.
        (json ? process.stderr : process.stdout).write(text.endsWith('\n') ? text : `${text}\n`);
      };
      const io: ConsentIO = {
        print: say,
        locale: ctx.locale,
        readRedirectUrl: () => readOneLine(),
        ...(o.browser ? { openBrowser: openInBrowser } : {}),
      };
      const { authorize } = await import('../../auth/consent.js');
      const result = await authorize(manager, name, {
        mode, io, timeoutMs: timeoutS * 1000, ...(o.redirectUrl ? { redirectUrl: o.redirectUrl } : {}),
      });
      if (json) {
        ctx.printJson({ ...result, expiresAt: new Date(result.expiresAt).toISOString() });
        return;
      }
      ctx.print(`${name}: ${tokenLabel(result.flow, ctx.locale)} ${statusText(result.status, ctx.locale)} (${result.flow}, via ${result.via}); ` +
        `access token for ${result.audience} valid until ${new Date(result.expiresAt).toISOString()}`);
      for (const w of result.warnings) ctx.print(`warning: ${w}`);
    });
}

/** One line from stdin (a pasted URL); undefined at end of input. */
function readOneLine(): Promise<string | undefined> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, terminal: false });
    let answered = false;
    rl.once('line', (line) => { answered = true; resolve(line); rl.close(); });
    rl.once('close', () => { if (!answered) resolve(undefined); });
  });
}

/**
 * Open the URL only where a person sits at this machine: a TTY, not CI, with xdg-open (or
 * macOS `open`) installed. Failing to open is harmless: the URL is printed anyway.
 */
async function openInBrowser(url: string): Promise<void> {
  if (!process.stdout.isTTY || process.env.CI) return;
  const opener = process.platform === 'darwin' ? 'open' : 'xdg-open';
  const onPath = (process.env.PATH ?? '').split(delimiter).some((dir) => {
    try { accessSync(join(dir, opener), constants.X_OK); return true; } catch { return false; }
  });
  if (!onPath) return;
  const child = spawn(opener, [url], { detached: true, stdio: 'ignore' });
  child.on('error', () => undefined);
  child.unref();
}
