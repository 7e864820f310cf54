import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import { registerAuthCommand } from './auth.js';
import { registerConsoleCommand } from './console.js';
import { registerDemoCommand } from './demo.js';
import { registerDoctorCommand } from './doctor.js';
import { registerEntitiesCommand } from './entities.js';
import { registerGatewayCommand } from './gateway.js';
import { registerKeyCommand } from './key.js';
import { registerMailCommand } from './mail.js';
import { registerMigrateCommand } from './migrate.js';
import { registerResourceCommand } from './resource.js';
import { registerSandboxCommand } from './sandbox.js';
import { registerServeCommand } from './serve.js';
import { registerTokenCommand } from './token.js';
import { registerTriggerCommand } from './trigger.js';

/** A command file registers its (sub)commands on the program. */
export type RegisterCommand = (program: Command, ctx: CliContext) => void;

/**
 * Every command of the CLI, one file each (see the files next to this one), in the order `--help` lists them. A
 * command file registers cheaply: what an action needs (the store, the sandbox, …) is imported when it runs.
 */
export const commands: RegisterCommand[] = [
  registerResourceCommand,
  registerAuthCommand,
  registerTokenCommand,
  registerMailCommand,
  registerDoctorCommand,
  registerSandboxCommand,
  registerDemoCommand,
  registerTriggerCommand,
  registerEntitiesCommand,
  registerMigrateCommand,
  registerServeCommand,
  registerKeyCommand,
  registerConsoleCommand,
  registerGatewayCommand,
];

/** Registers every command on the program. */
export function registerCommands(program: Command, ctx: CliContext): void {
  for (const register of commands) register(program, ctx);
}
