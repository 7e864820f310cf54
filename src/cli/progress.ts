/**
 * A one-line progress display for long CLI work (bulk fetch, big listings, migrations, bulk
 * deletes): done/total, MB/s and the time left, redrawn in place on a terminal. On anything
 * that is not a terminal (a pipe, a file, CI logs) it writes nothing at all: a log must not fill
 * with carriage returns, and the command's one summary line says what happened.
 */
export interface ProgressStream {
  isTTY?: boolean;
  columns?: number;
  write(text: string): unknown;
}

export interface Progress {
  /** Where the work stands: items done (of `total`) and bytes moved so far. */
  update(done: number, bytes?: number): void;
  /** Clears the line (on a terminal); the caller prints its summary after it. */
  end(): void;
}

export interface ProgressOptions {
  total: number;
  /** Default process.stderr. */
  stream?: ProgressStream;
  /** What is counted ("messages"). */
  unit?: string;
  /** For tests: the clock, in milliseconds. */
  now?: () => number;
  /** Least time between two redraws (default 100 ms): a redraw per message would cost more than the message. */
  intervalMs?: number;
}

const NOTHING: Progress = { update: () => undefined, end: () => undefined };

/** A display on `stream` when it is a terminal, else one that does nothing. */
export function createProgress(o: ProgressOptions): Progress {
  const stream = o.stream ?? process.stderr;
  if (stream.isTTY !== true || o.total <= 0) return NOTHING;
  const now = o.now ?? (() => performance.now());
  const interval = o.intervalMs ?? 100;
  const started = now();
  let last = -Infinity;
  let drawn = false;
  return {
    update(done, bytes = 0) {
      const t = now();
      if (t - last < interval && done < o.total) return;
      last = t;
      drawn = true;
      const line = progressLine({
        done,
        total: o.total,
        bytes,
        seconds: (t - started) / 1000,
        unit: o.unit ?? 'messages',
      });
      const width = lineWidth(stream);
      stream.write(`\r${line.slice(0, width).padEnd(width)}`);
    },
    end() {
      if (!drawn) return;
      const width = lineWidth(stream);
      stream.write(`\r${' '.repeat(width)}\r`);
    },
  };
}

/**
 * One less than the terminal's width (the last column would wrap on some terminals). A
 * terminal that reports no size (a pseudo-terminal never sized: `script`, some CI runners)
 * says 0 columns: 80 then.
 */
function lineWidth(stream: ProgressStream): number {
  return Math.max(20, (stream.columns || 80) - 1);
}

/** `1,234/10,000 messages  12.3%  45.6 MB/s  ETA 1m05s`: what the display shows. */
export function progressLine(p: { done: number; total: number; bytes: number; seconds: number; unit: string }): string {
  const pct = p.total > 0 ? ((p.done / p.total) * 100).toFixed(1) : '100.0';
  const parts = [`${p.done.toLocaleString('en-US')}/${p.total.toLocaleString('en-US')} ${p.unit}`, `${pct}%`];
  if (p.seconds > 0 && p.bytes > 0) parts.push(`${(p.bytes / 1e6 / p.seconds).toFixed(1)} MB/s`);
  if (p.seconds > 0 && p.done > 0 && p.done < p.total)
    parts.push(`ETA ${duration(((p.total - p.done) * p.seconds) / p.done)}`);
  return parts.join('  ');
}

function duration(s: number): string {
  const total = Math.ceil(s);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}
