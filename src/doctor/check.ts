/** One line of the doctor's report: what was checked, whether it passed, and the fix if not. */
export interface DoctorCheck {
  name: string;
  status: 'pass' | 'fail' | 'warn' | 'skip';
  /** What was found (never a secret). */
  detail: string;
  /** The fix, when status is fail or warn. */
  fix?: string;
  /** The typed error's code, when a check failed with one. */
  code?: string;
}

export interface DoctorReport {
  resource: string;
  ok: boolean;
  checks: DoctorCheck[];
}

const MARK: Record<DoctorCheck['status'], string> = { pass: 'PASS', fail: 'FAIL', warn: 'WARN', skip: 'SKIP' };

/** The report as a person reads it: one line per check, the fix indented under failures. */
export function formatDoctorReport(r: DoctorReport): string {
  const width = Math.max(...r.checks.map((c) => c.name.length), 8);
  const lines = r.checks.map((c) => {
    const line = `${MARK[c.status]}  ${c.name.padEnd(width)}  ${c.detail}`;
    return c.fix ? `${line}\n      ${' '.repeat(width)}  Fix: ${c.fix}` : line;
  });
  lines.push(r.ok ? `${r.resource}: all checks passed` : `${r.resource}: ${r.checks.filter((c) => c.status === 'fail').length} check(s) failed`);
  return lines.join('\n');
}
