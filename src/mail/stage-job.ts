/**
 * The work of staging one message held in memory: its .eml written under a temp name (O_EXCL,
 * 0600) and, when asked, its attachments cut into a temp folder (cut-attachments.ts). Run in a
 * worker thread by stage-pool.ts, or in the calling thread.
 */
import { writeFile } from 'node:fs/promises';
import { StoreError } from '../errors.js';
import { cutAttachments, type CutResult } from './cut-attachments.js';

export interface StageJob {
  source: Uint8Array;
  emlPath: string;
  /** Cut attachments into this folder (created only when there is one). */
  attachmentsDir?: string;
}

export type StageResult = CutResult;

export async function runStageJob(job: StageJob): Promise<StageResult> {
  const source = Buffer.from(job.source.buffer, job.source.byteOffset, job.source.byteLength);
  try {
    await writeFile(job.emlPath, source, { flag: 'wx', mode: 0o600 });
  } catch (e) {
    throw new StoreError({
      code: 'SAVE_DIR_FAILED',
      message: `cannot write in ${job.emlPath.slice(0, job.emlPath.lastIndexOf('/'))}: ${(e as Error).message}`,
      hint: 'choose a directory you can write to',
      field: 'dir',
      cause: e,
    });
  }
  if (!job.attachmentsDir) return { files: [] };
  return cutAttachments(source, job.attachmentsDir);
}
