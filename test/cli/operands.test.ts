/**
 * Ids beginning with '-' (POP3 UIDLs, EWS/Graph ids) on the real command definitions: they
 * reach the command as operands with or without `--`, options around them still apply, and a
 * mistyped long option is still reported as unknown.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Command, CommanderError } from 'commander';
import { registerCommands } from '../../src/cli/commands/index.js';
import { createCliContext } from '../../src/cli/context.js';
import { idsAsOperands } from '../../src/cli/operands.js';

/** The real program with every action replaced by a recorder of (operands, options). */
async function program(): Promise<{ program: Command; calls: Array<{ name: string; args: unknown[] }> }> {
  const p = new Command('mailbridge').option('--json').exitOverride();
  p.configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  const ctx = createCliContext({ json: () => false });
  registerCommands(p, ctx);
  const calls: Array<{ name: string; args: unknown[] }> = [];
  for (const c of p.commands) {
    c.exitOverride();
    c.action((...args: unknown[]) => void calls.push({ name: c.name(), args: args.slice(0, -1) }));
  }
  return { program: p, calls };
}

async function run(argv: string[]): Promise<Array<{ name: string; args: unknown[] }>> {
  const { program: p, calls } = await program();
  const full = ['node', 'mailbridge', ...argv];
  await p.parseAsync(idsAsOperands(full, p));
  return calls;
}

test('get takes an id beginning with - as the id, with options before or after it', async () => {
  assert.deepEqual((await run(['get', 'pop', '-Q2D3xyz']))[0]?.args, ['pop', '-Q2D3xyz', { folder: 'INBOX' }]);
  assert.deepEqual((await run(['get', 'pop', '-Q2D3xyz', '--folder', 'Archive', '--raw']))[0]?.args, [
    'pop',
    '-Q2D3xyz',
    { folder: 'Archive', raw: true },
  ]);
  assert.deepEqual((await run(['--json', 'get', 'pop', '--folder', '-odd-', '-Q']))[0]?.args, [
    'pop',
    '-Q',
    { folder: '-odd-' },
  ]);
  assert.deepEqual((await run(['get', 'pop', '--', '-Q2D3xyz']))[0]?.args, ['pop', '-Q2D3xyz', { folder: 'INBOX' }]);
});

test('every command taking ids accepts them: mark, move, copy, delete, calendar/contacts/tasks', async () => {
  assert.deepEqual((await run(['mark', 'in', '-a1', '7', '-b2', '--read']))[0]?.args, [
    'in',
    ['7', '-a1', '-b2'],
    { folder: 'INBOX', read: true },
  ]);
  assert.deepEqual((await run(['move', 'in', '-x', '--to', 'Done']))[0]?.args, [
    'in',
    ['-x'],
    { to: 'Done', folder: 'INBOX' },
  ]);
  assert.deepEqual((await run(['copy', 'in', '--to', 'Done', '-x']))[0]?.args, [
    'in',
    ['-x'],
    { to: 'Done', folder: 'INBOX' },
  ]);
  assert.deepEqual((await run(['delete', 'in', '-AAMkADAw==']))[0]?.args, ['in', ['-AAMkADAw=='], { folder: 'INBOX' }]);
  const cal = (await run(['calendar', 'g', 'get', '-AAMkAG_x']))[0]?.args;
  assert.deepEqual(cal?.slice(0, 3), ['g', 'get', '-AAMkAG_x']);
});

test('a mistyped long option is still an unknown option, and other commands are untouched', async () => {
  await assert.rejects(
    run(['get', 'pop', '7', '--fodler', 'x']),
    (e: unknown) => e instanceof CommanderError && e.code === 'commander.unknownOption',
  );
  await assert.rejects(
    run(['list', 'pop', '-Q']),
    (e: unknown) => e instanceof CommanderError && e.code === 'commander.unknownOption',
  );
});
