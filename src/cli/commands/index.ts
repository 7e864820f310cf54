import { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerAuthCommand } from './auth.js';
import { registerConsoleCommand } from './console.js';
import { registerDoctorCommand } from './doctor.js';
import { registerEntitiesCommand } from './entities.js';
import { registerGatewayCommand } from './gateway.js';
import { registerKeyCommand } from './key.js';
import { registerMailCommand } from './mail.js';
import { registerMigrateCommand } from './migrate.js';
import { registerResourceCommand } from './resource.js';
import { registerServeCommand } from './serve.js';
import { registerTokenCommand } from './token.js';
import { registerTriggerCommand } from './trigger.js';

/** A command file registers its (sub)commands on the program. */
export type RegisterCommand = (program: Command, ctx: CliContext) => void;

/**
 * A command file that imports the sandbox when it loads (`demo`, `sandbox`): it is loaded only when its command is
 * asked for, or for help or an unknown command, so that every other command starts without the sandbox. Once the
 * sandbox is loaded by dynamic import (issue 16 item 2) this can become a plain entry.
 */
interface SandboxCommand {
  name: string;
  load: () => Promise<RegisterCommand>;
}

/** Every command of the CLI, one file each (see the files next to this one), in the order `--help` lists them. */
export const commands: (RegisterCommand | SandboxCommand)[] = [
  registerResourceCommand,
  registerAuthCommand,
  registerTokenCommand,
  registerMailCommand,
  registerDoctorCommand,
  { name: 'sandbox', load: async () => (await import('./sandbox.js')).registerSandboxCommand },
  { name: 'demo', load: async () => (await import('./demo.js')).registerDemoCommand },
  registerTriggerCommand,
  registerEntitiesCommand,
  registerMigrateCommand,
  registerServeCommand,
  registerKeyCommand,
  registerConsoleCommand,
  registerGatewayCommand,
];

/**
 * Registers every command on the program; a sandbox command only when `word` (the command the user typed, if any)
 * may need it: it is that command, or help, or none of the other commands' names (a typo gets its suggestions).
 */
export async function registerCommands(program: Command, ctx: CliContext, word: string | undefined): Promise<void> {
  // The other commands' names, from a throw-away registration (cheap: their modules load nothing heavy).
  const probe = new Command();
  for (const c of commands) if (typeof c === 'function') c(probe, ctx);
  const others = new Set(probe.commands.flatMap((c) => [c.name(), ...c.aliases()]));
  const skip = (c: SandboxCommand): boolean => word !== undefined && word !== c.name && word !== 'help' && others.has(word);
  const registers = await Promise.all(
    commands.map(async (c) => (typeof c === 'function' ? c : skip(c) ? undefined : c.load())),
  );
  for (const register of registers) register?.(program, ctx);
}
