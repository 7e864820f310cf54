/** Worker thread entry of stage-pool.ts: runs stage jobs, answers with the result or the error's fields. */
import { parentPort } from 'node:worker_threads';
import { isMailbridgeError } from '../errors.js';
import { runStageJob, type StageJob } from './stage-job.js';

const port = parentPort;
if (!port) throw new Error('stage-worker.ts runs only as a worker thread');
port.on('message', (msg: { seq: number; job: StageJob }) => {
  runStageJob(msg.job).then(
    (result) => port.postMessage({ seq: msg.seq, result }),
    (e: unknown) =>
      port.postMessage({
        seq: msg.seq,
        error: isMailbridgeError(e)
          ? { kind: e.name, code: e.code, message: e.message, hint: e.hint, ...(e.field ? { field: e.field } : {}) }
          : { kind: 'Error', message: e instanceof Error ? e.message : String(e) },
      }),
  );
});
