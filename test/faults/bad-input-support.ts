/**
 * What the bad-input fault files share: the real CLI in its own process, a pool that keeps a
 * few of them running at once, and the one-line error check.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { applyPreset } from '../../src/config/presets.js';
import { parseResource } from '../../src/config/validate.js';
import { Secret } from '../../src/secret.js';
import type { Store } from '../../src/store/store.js';
import { PROJECT_ROOT } from '../auth/support.js';
import { cliEntry } from '../helpers/cli.js';

export const T = '8c3f2a1e-5b7d-4e9a-9f10-2d6c4b8a7e01';
export const CID = '11111111-2222-3333-4444-555555555555';
export const USER = 'alice@contoso.onmicrosoft.com';

export interface Run { code: number; stdout: string; stderr: string }

/** The real CLI in its own process (stdin closed unless given). */
export function cli(env: NodeJS.ProcessEnv, args: string[], input = ''): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...cliEntry(), ...args], {
      cwd: PROJECT_ROOT, env: { ...process.env, MAILBRIDGE_DATABASE_URL: '', ...env }, stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`mailbridge ${args[0]} timed out`)); }, 60_000);
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    child.on('close', (code) => { clearTimeout(timer); resolve({ code: code ?? -1, stdout, stderr }); });
    child.stdin.end(input);
  });
}

/** Runs `jobs` at most `width` at a time (each is a node process: the machine has 2 cores). */
export async function pool<T>(jobs: (() => Promise<T>)[], width = 4): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]!();
    }
  }));
  return out;
}

/** One line on stderr, `mailbridge: … (CODE). Fix: …`, naming the field; no stack trace. */
export function assertOneLine(r: Run, what: string, field: RegExp): void {
  assert.equal(r.code, 1, `${what}: exit ${r.code}; ${r.stdout} ${r.stderr}`);
  const lines = r.stderr.replace(/\n$/, '').split('\n');
  assert.equal(lines.length, 1, `${what}: not one line: ${JSON.stringify(r.stderr)}`);
  assert.match(lines[0]!, /^mailbridge: .*\([A-Z0-9_]+\)\. Fix: \S/, what);
  assert.match(lines[0]!, field, what);
  assert.doesNotMatch(r.stderr, /\n\s+at |internal error/, what);
}

/**
 * A good receive resource and a send resource whose server is a closed port: anything that got
 * past the checks would fail with CONNECTION_REFUSED, not the error the test expects.
 */
export async function putResources(store: Store): Promise<void> {
  const good = parseResource(applyPreset({ preset: 'm365', name: 'good', kind: 'imap', tenantId: T, clientId: CID, user: USER }));
  await store.putResource(good);
  await store.putSecret('good', 'client_secret', new Secret('sandbox-secret-value-1234567890'));
  const out = parseResource({
    ...applyPreset({ preset: 'm365', name: 'out', kind: 'smtp', tenantId: T, clientId: CID, user: USER, authorityUrl: 'http://127.0.0.1:9', mailHost: '127.0.0.1', port: 9 }),
  });
  await store.putResource(out);
  await store.putSecret('out', 'client_secret', new Secret('sandbox-secret-value-1234567890'));
}
