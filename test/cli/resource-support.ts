/** What the `mailbridge resource` test files share: the real CLI in its own process and home. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cliEntry } from '../helpers/cli.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const T = '8c3f2a1e-5b7d-4e9a-9f10-2d6c4b8a7e01';
export const SECRET = 'sandbox-secret-value-1234567890';
export const USER = 'alice@contoso.onmicrosoft.com';

export interface Run { code: number | null; stdout: string; stderr: string }

/** Runs the real CLI in its own process, with its own MAILBRIDGE_HOME. */
export function cli(home: string, args: string[], opts: { input?: string; env?: Record<string, string> } = {}): Run {
  const r = spawnSync(process.execPath, [...cliEntry(), ...args], {
    cwd: ROOT,
    input: opts.input ?? '',
    encoding: 'utf8',
    env: { ...process.env, MAILBRIDGE_HOME: home, MAILBRIDGE_KEY: '', MAILBRIDGE_DATABASE_URL: '', ...opts.env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function newHome(): string {
  return join(mkdtempSync(join(tmpdir(), 'mb-cli-')), 'home');
}

export const addReceive = ['resource', 'add', 'receive', '--kind', 'imap', '--tenant', T, '--client-id', 'cid', '--user', USER, '--client-secret-stdin'];

/** A failure is one line on stderr naming the field and the fix, with no stack trace. */
export function assertOneLineError(r: Run, field: RegExp): void {
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0]!, /^mailbridge: /);
  assert.match(lines[0]!, field);
  assert.match(lines[0]!, /Fix: /);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

export function allOutput(home: string, runs: Run[]): string {
  return runs.map((r) => r.stdout + r.stderr).join('\n') + (existsSync(home) ? readdirSync(home).join(' ') : '');
}

