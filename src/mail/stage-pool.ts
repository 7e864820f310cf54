/**
 * A small pool of worker threads that stage messages (write the .eml, cut the attachments), so
 * that the thread reading the IMAP socket never waits on MIME splitting and base64 decoding:
 * those are CPU-bound, and on a 2-core machine they would otherwise stop the TLS stream while
 * each message is cut. Jobs go to the worker with the fewest in flight. Size 0 runs the jobs in
 * the calling thread (used where worker threads cannot start).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { MailbridgeError, ProtocolError, StoreError, type ErrorCode } from '../errors.js';
import { runStageJob, type StageJob, type StageResult } from './stage-job.js';

interface Pending {
  resolve(r: StageResult): void;
  reject(e: unknown): void;
}

interface Slot {
  worker: Worker;
  pending: Map<number, Pending>;
}

export interface StagePool {
  run(job: StageJob): Promise<StageResult>;
  close(): Promise<void>;
}

/** Worker threads for stage jobs; `size` defaults to the cores available (at most 4). */
export function createStagePool(size = Math.min(4, availableParallelism())): StagePool {
  if (size <= 0) return { run: runStageJob, close: async () => undefined };
  const slots: Slot[] = [];
  let seq = 0;
  const start = (): Slot => {
    // The worker is this module's sibling: stage-worker.js when built, stage-worker.ts under tsx.
    const worker = import.meta.url.endsWith('.ts')
      ? tsWorker()
      : new Worker(new URL('./stage-worker.js', import.meta.url));
    const slot: Slot = { worker, pending: new Map() };
    worker.on('message', (m: { seq: number; result?: StageResult; error?: SerializedError }) => {
      const p = slot.pending.get(m.seq);
      if (!p) return;
      slot.pending.delete(m.seq);
      if (slot.pending.size === 0) worker.unref();
      if (m.error) p.reject(revive(m.error));
      else p.resolve(m.result as StageResult);
    });
    const failAll = (e: unknown) => {
      for (const p of slot.pending.values()) p.reject(e);
      slot.pending.clear();
      slots.splice(slots.indexOf(slot), 1);
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => failAll(new Error(`a staging worker thread exited (code ${code})`)));
    // Idle workers must not keep a finished CLI alive, but a busy one must keep the process up:
    // when the mail server's socket closes mid-batch, the staging jobs may be all that is left
    // to wait for, and an unref'd worker would let the event loop end with them unanswered.
    worker.unref();
    slots.push(slot);
    return slot;
  };
  return {
    run(job) {
      const idle = slots.find((s) => s.pending.size === 0);
      const slot =
        idle ?? (slots.length < size ? start() : slots.reduce((a, b) => (b.pending.size < a.pending.size ? b : a)));
      const id = ++seq;
      return new Promise<StageResult>((resolve, reject) => {
        slot.pending.set(id, { resolve, reject });
        slot.worker.ref();
        slot.worker.postMessage({ seq: id, job });
      });
    },
    async close() {
      await Promise.all(slots.splice(0).map((s) => s.worker.terminate()));
    },
  };
}

/**
 * Running from TypeScript sources (tests, benchmarks under tsx): Node 20 does not carry the
 * loader hooks of `--import tsx` into worker threads, so the thread registers tsx itself first.
 */
function tsWorker(): Worker {
  const api = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./stage-worker.ts', import.meta.url).href;
  const boot = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(boot, { eval: true });
}

interface SerializedError {
  kind: string;
  code?: ErrorCode;
  message: string;
  hint?: string;
  field?: string;
}

function revive(e: SerializedError): Error {
  if (!e.code) return new Error(e.message);
  const d = { code: e.code, message: e.message, hint: e.hint ?? '', ...(e.field ? { field: e.field } : {}) };
  if (e.kind === 'StoreError') return new StoreError(d);
  if (e.kind === 'ProtocolError') return new ProtocolError(d);
  return new MailbridgeError(d);
}
