import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessStat {
  name: string;
  ppid: number;
  /** CPU so far (utime + stime + reaped children's), ms. */
  cpuMs: number;
}

/** Every process of the machine from /proc/PID/stat, by pid. */
export function readProcesses(): Map<number, ProcessStat> {
  const out = new Map<number, ProcessStat>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      // Fields after the name: state is field 3, ppid 4, utime 14, stime 15, cutime 16, cstime 17.
      const f = stat
        .slice(close + 2)
        .split(' ')
        .map(Number);
      out.set(Number(entry), {
        name: stat.slice(stat.indexOf('(') + 1, close),
        ppid: f[1]!,
        cpuMs: ((f[11]! + f[12]! + f[13]! + f[14]!) * 1000) / 100, // USER_HZ is 100 on Linux
      });
    } catch {
      // the process ended between the listing and the read
    }
  }
  return out;
}
