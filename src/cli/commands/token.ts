import type { Command } from 'commander';
import type { CliContext } from '../context.js';

// Placeholder: the owner of this command replaces it.
export function registerTokenCommand(_program: Command, _ctx: CliContext): void {}
