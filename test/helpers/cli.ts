import { execFile } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

let entry: string[] | undefined;
/**
 * The node arguments that start the CLI: the built `dist/cli/main.js` when it is at least as new as every file
 * under src/ and the sandbox package's build as new as its sources (the built CLI loads the built sandbox;
 * scripts/test.sh builds first; a process start is about half as long without tsx compiling the sources),
 * else the sources through tsx (which maps `@mailbridge/sandbox` to packages/sandbox/src through tsconfig.json's
 * `paths`), so a test run after an edit never exercises stale code. MAILBRIDGE_TEST_FROM_SOURCE=1 forces the sources.
 */
export function cliEntry(): string[] {
  if (entry) return entry;
  const dist = join(ROOT, 'dist/cli/main.js');
  // tsc -b rewrites only the outputs that changed; its build info is written on every build.
  const sandboxDist = join(ROOT, 'packages/sandbox/dist/tsconfig.tsbuildinfo');
  let fresh = false;
  try {
    fresh = process.env['MAILBRIDGE_TEST_FROM_SOURCE'] !== '1' && statSync(dist).mtimeMs >= newestMtime(join(ROOT, 'src'))
      && statSync(sandboxDist).mtimeMs >= newestMtime(join(ROOT, 'packages/sandbox/src'));
  } catch { /* no build: run the sources */ }
  entry = fresh ? [dist] : ['--import', 'tsx', join(ROOT, 'src/cli/main.ts')];
  return entry;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `mailbridge ARGS` (see {@link cliEntry}) with MAILBRIDGE_HOME set; never throws on a non-zero exit. */
export async function mailbridge(home: string, args: string[]): Promise<CliResult> {
  try {
    const r = await run(process.execPath, [...cliEntry(), ...args], { env: { ...process.env, MAILBRIDGE_HOME: home }, cwd: process.cwd() });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}
