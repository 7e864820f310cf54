import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readProcesses } from './processes.js';

const execFileAsync = promisify(execFile);

/**
 * Splits the machine's cores between two "hosts" for a benchmark: the processes of the mail rig
 * (Postfix, Dovecot, the identity emulator, their children) and the benchmark process itself on
 * `cpu`, so that a process started afterwards with `taskset -c OTHER` has a core of its own, as
 * a gateway on its own host would. Children forked later inherit the affinity. Returns a
 * function that gives every one of them all the cores back.
 */
export async function pinRigAndSelf(rigDir: string, cpu: string): Promise<() => Promise<void>> {
  const roots = [join(rigDir, 'run/master.pid'), join(rigDir, 'var/spool/pid/master.pid'), join(rigDir, 'identity.pid')]
    .map((f) => Number(readFileSync(f, 'utf8').trim()))
    .filter((pid) => pid > 0);
  const pin = async (list: string) => {
    for (const pid of descendants([...roots, process.pid])) {
      // -a: every thread (Node's libuv and V8 threads too); a process gone meanwhile is no matter
      await execFileAsync('taskset', ['-a', '-p', '-c', list, String(pid)]).catch(() => undefined);
    }
  };
  await pin(cpu);
  return () => pin(`0-${cpus().length - 1}`);
}

/** The given pids and all their descendants. */
function descendants(roots: number[]): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, p] of readProcesses()) children.set(p.ppid, [...(children.get(p.ppid) ?? []), pid]);
  const out: number[] = [];
  const walk = (pid: number) => {
    out.push(pid);
    for (const c of children.get(pid) ?? []) walk(c);
  };
  roots.forEach(walk);
  return out;
}
