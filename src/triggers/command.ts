import { spawn } from 'node:child_process';

export interface CommandResult {
  ok: boolean;
  detail: string;
}

/**
 * Runs the target program without a shell, the raw RFC 5322 message on stdin. Exit 0 means
 * delivered; anything else (exit code, signal, timeout, spawn failure) is a failed attempt.
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
    const child = spawn(program ?? '', args, { stdio: ['pipe', 'ignore', 'pipe'], env: { ...process.env, ...o.env } });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      finish({ ok: false, detail: `command ${program} did not finish within ${o.timeoutMs} ms` });
    }, o.timeoutMs);
    child.stderr.on('data', (d: Buffer) => {
      if (stderr.length < 2000) stderr += d.toString('utf8');
    });
    child.on('error', (e) => finish({ ok: false, detail: `command ${program} could not start: ${e.message}` }));
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
