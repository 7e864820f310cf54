import type { Command } from 'commander';
import type { CliContext } from '../context.js';

// Placeholder: the owner of this command replaces it.
export function registerSandboxCommand(_program: Command, _ctx: CliContext): void {}
