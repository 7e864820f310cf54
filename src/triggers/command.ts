import { spawn } from 'node:child_process';

export interface CommandResult {
  ok: boolean;
  detail: string;
}

/**
 * What a command target gets from the service's environment when its definition allows
 * nothing: a PATH to find programs and a locale. Everything else (MAILBRIDGE_KEY,
 * MAILBRIDGE_CONSOLE_PASSWORD, MAILBRIDGE_DATABASE_URL, cloud credentials…) stays out unless
 * the trigger names it in `target.env`; the service's own MAILBRIDGE_* never passes.
 */
export const BASE_COMMAND_ENV = ['PATH', 'LANG', 'LC_ALL', 'TZ'] as const;

/** The environment of a command: the allow-listed variables of the service, then the delivery's own. */
export function commandEnvironment(allow: readonly string[], delivery: Record<string, string>,
  from: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of [...BASE_COMMAND_ENV, ...allow]) {
    const value = from[name];
    if (value !== undefined && !name.startsWith('MAILBRIDGE_')) env[name] = value;
  }
  return { ...env, ...delivery };
}

/**
 * Runs the target program without a shell, the raw RFC 5322 message on stdin. Exit 0 means
 * delivered; anything else (exit code, signal, timeout, spawn failure) is a failed attempt.
 * The program leads its own process group, and the whole group is killed on timeout and once
 * the program has exited, so nothing it started outlives the delivery.
 */
export function runCommandTarget(o: { argv: readonly string[]; raw: Buffer; env: Record<string, string>; timeoutMs: number }): Promise<CommandResult> {
  const [program, ...args] = o.argv;
  return new Promise((resolve) => {
    let stderr = '';
    let settled = false;
    const finish = (r: CommandResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(r);
    };
    // detached: setsid(), so the child's pid is also its process group id.
    const child = spawn(program ?? '', args, { stdio: ['pipe', 'ignore', 'pipe'], env: o.env, detached: true });
    const killGroup = (): void => {
      if (child.pid === undefined) return;
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // ESRCH: the group is already gone.
      }
    };
    const timer = setTimeout(() => {
      killGroup();
      finish({ ok: false, detail: `command ${program} did not finish within ${o.timeoutMs} ms (its process group was killed)` });
    }, o.timeoutMs);
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 2000) stderr += d.toString('utf8');
    });
    child.on('error', (e) => finish({ ok: false, detail: `command ${program} could not start: ${e.message}` }));
    // A background process left behind would hold stderr open (delaying 'close') and outlive the delivery.
    child.on('exit', killGroup);
    child.on('close', (code, signal) => {
      const tail = stderr.trim().split('\n').slice(-3).join(' | ');
      if (code === 0) finish({ ok: true, detail: 'exit 0' });
      else finish({ ok: false, detail: `command ${program} ${signal ? `was killed by ${signal}` : `exited with ${code}`}${tail ? `: ${tail}` : ''}` });
    });
    // A program that exits without reading stdin makes the write fail with EPIPE: its exit status decides.
    child.stdin.on('error', () => undefined);
    child.stdin.end(o.raw);
  });
}
