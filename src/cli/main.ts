#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { isMailbridgeError, type MailbridgeError } from '../errors.js';
import { localeFromEnv } from '../i18n/index.js';
import { proxyCa } from '../net/trust.js';
import { errorText } from '../services/error-text.js';
import type { Store } from '../store/store.js';
import { createCliContext } from './context.js';
import { localizeHelp } from './help-ja.js';
import { registerCommands } from './commands/index.js';
import { explainSandboxDown } from './commands/sandbox.js';
import { idsAsOperands } from './operands.js';

/** The `mailbridge` command: wires the command files together and prints errors as one line. */
async function main(argv: string[]): Promise<number> {
  const program = new Command('mailbridge')
    .description('Mail over OAuth 2.0 for Microsoft 365 / Exchange Online and any OAuth2 provider')
    .version(packageVersion(), '-V, --version', 'print the mailbridge version')
    .option('--json', 'machine-readable output')
    .option('--proxy-ca-file <path>', 'trust this CA (PEM) for connections through the proxy (a TLS-inspecting proxy); same as MAILBRIDGE_PROXY_CA_FILE')
    .hook('preAction', () => {
      const caFile = program.opts<{ proxyCaFile?: string }>().proxyCaFile;
      if (caFile) {
        process.env.MAILBRIDGE_PROXY_CA_FILE = caFile;
        proxyCa(); // a wrong path fails here, as one line, before any connection
      }
    })
    .exitOverride()
    .showHelpAfterError(false);
  const ctx = createCliContext({ json: () => Boolean(program.opts().json) });
  registerCommands(program, ctx);
  localizeHelp(program, ctx.locale);
  try {
    await program.parseAsync(idsAsOperands(argv, program));
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (e) {
    const plainer = isMailbridgeError(e) ? await explainIfSandboxDown(() => ctx.store(), e, argv) : undefined;
    return reportError(plainer ?? e, ctx.json());
  } finally {
    await ctx.close().catch(() => undefined);
  }
}

/** The plainer error when a sandbox resource failed because the sandbox stopped (see sandbox.ts). */
async function explainIfSandboxDown(
  store: () => Promise<Store>,
  e: MailbridgeError,
  argv: readonly string[],
): Promise<MailbridgeError | undefined> {
  // Explaining must never hide the error it explains.
  return explainSandboxDown(store, e, argv).catch(() => undefined);
}

function reportError(e: unknown, json: boolean): number {
  if (e instanceof CommanderError) {
    // commander already printed its message (or the help/version text).
    return e.exitCode;
  }
  if (isMailbridgeError(e)) {
    if (json) process.stderr.write(`${JSON.stringify({ error: e.toJSON() })}\n`);
    else process.stderr.write(errorLines(e));
    // 2: the command could not start as asked (EX_USAGE-like), so scripts can tell it from a failed operation.
    return e.code === 'PORT_IN_USE' ? 2 : 1;
  }
  // A bug of ours, not a user error: say so, and keep the stack for the report.
  process.stderr.write(`mailbridge: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  return 70;
}

/**
 * The error as people read it: one line, cause then fix, in the language of LANG/LC_ALL. In Japanese the code's
 * Japanese explanation and fix come first and the English message and hint follow on a second line: they name the
 * particular case (the port, the field, the command with the resource's name) and are what a web search finds.
 */
function errorLines(e: MailbridgeError): string {
  const text = errorText(e, localeFromEnv());
  if (!text.original) return `mailbridge: ${printable(e.oneLine())}\n`;
  return `mailbridge: ${printable(text.summary)}（${e.code}）。対処: ${printable(text.fix)}\n  English: ${printable(text.original)}\n`;
}

/** The version in package.json, which sits two levels above both src/cli/ and dist/cli/. */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

/**
 * Errors quote what the user typed; a CR or LF in it (header injection attempts, pasted
 * values) would break the one-line promise and let input rewrite the terminal: escape them.
 */
const ESCAPES: Readonly<Record<string, string>> = { '\r': '\\r', '\n': '\\n', '\t': '\\t' };
function printable(line: string): string {
  return line.replace(
    /[\u0000-\u001f\u007f]/g,
    (c) => ESCAPES[c] ?? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

main(process.argv).then((code) => process.exit(code));
